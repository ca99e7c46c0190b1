"""Small-cell protection for everything staff see (safety invariant S7).

A count below the threshold k (default 5) is never published: it is shown as "fewer than k".
Hiding small cells is not enough when a total is shown too, because total − visible parts
gives the hidden part back. So counts are protected in **groups**: a total and the parts it is
made of (some parts may never be shown at all, like "started but not completed"). In a group
whose total is published, the hidden parts together must add up to 0 or to at least k; while
they do not, the smallest published part is hidden as well (complementary suppression).

Every hidden cell says why it is hidden (``Hidden``): because its own count is small
("fewer than k"), or only to protect another, small one (its own count may be large: it must
never read "fewer than k"). A true zero is published: "nobody" points at no one.

A rate is published only when both its numerator and its denominator are; a mean or median
only when it is based on at least k learners.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Generic, TypeVar


class Hidden(Enum):
    """Why a cell is not published."""

    SMALL = "small"            # its own count is between 1 and k − 1
    PROTECTING = "protecting"  # its count may be large: it is hidden so that a small one cannot be worked out


@dataclass(frozen=True)
class Cell:
    """One published number, or a hidden one (``value`` None, with the reason in ``hidden``)."""

    value: int | None
    hidden: Hidden | None = None

    def __post_init__(self) -> None:
        if (self.value is None) == (self.hidden is None):
            raise ValueError("a cell holds either a value or the reason it is hidden")

    @property
    def published(self) -> bool:
        return self.value is not None


SUPPRESSED = Cell(None, Hidden.SMALL)
PROTECTING = Cell(None, Hidden.PROTECTING)


def _shown_alone(value: int, threshold: int) -> bool:
    """A count may be published on its own: zero (nobody) or at least the threshold."""
    return value == 0 or value >= threshold


def protect_group(total: int, parts: Sequence[int], threshold: int, *,
                  hidden_remainder: bool = False) -> tuple[Cell, list[Cell]]:
    """Protect a total and its parts together.

    :param parts: counts that add up to ``total`` — or, with ``hidden_remainder``, to at most
        ``total``, the rest being a part that is never shown (e.g. "started, not completed").
    :returns: the total's cell and the parts' cells, in order.
    """
    if total == 0:
        return Cell(0), [Cell(0)] * len(parts)
    if total < threshold:
        # Every part is at most the total, so each one is small (or a zero that would tell about a small group).
        return SUPPRESSED, [SUPPRESSED] * len(parts)
    published = [_shown_alone(value, threshold) for value in parts]
    small = [not shown for shown in published]
    remainder = total - sum(parts) if hidden_remainder else 0

    def hidden_sum() -> int:
        return remainder + sum(value for value, shown in zip(parts, published, strict=True) if not shown)

    while 0 < hidden_sum() < threshold:
        # Hiding a zero would not change the hidden sum: the smallest shown non-zero part goes.
        candidates = [index for index, shown in enumerate(published) if shown and parts[index]]
        if not candidates:
            break  # the shown parts are all 0: hidden_sum() == total >= threshold, so this cannot happen
        smallest = min(candidates, key=lambda index: parts[index])
        published[smallest] = False
    return Cell(total), [Cell(value) if shown else (SUPPRESSED if is_small else PROTECTING)
                         for value, shown, is_small in zip(parts, published, small, strict=True)]


def protect_pair(whole: int, part: int, threshold: int) -> tuple[Cell, Cell]:
    """A count and a subset of it (started/completed, answered/correct): the difference stays hidden."""
    whole_cell, (part_cell,) = protect_group(whole, [part], threshold, hidden_remainder=True)
    return whole_cell, part_cell


def protect_series(values: Sequence[int], threshold: int) -> list[Cell]:
    """Counts of one thing over time (weeks): protected as parts of their total, which another
    view (a date range covering the same weeks) may show."""
    return protect_group(sum(values), values, threshold)[1]


def protect_count(value: int, threshold: int) -> Cell:
    """A count shown alone: published when 0 or at least the threshold."""
    return Cell(value) if _shown_alone(value, threshold) else SUPPRESSED


def rate(numerator: Cell, denominator: Cell) -> float | None:
    """numerator / denominator, only when both are published (and the denominator is not 0)."""
    if numerator.value is None or not denominator.value:
        return None
    return numerator.value / denominator.value


def based_on_enough(statistic: float | None, learners: int, threshold: int) -> float | None:
    """A mean or median, only when at least ``threshold`` learners are behind it."""
    return statistic if learners >= threshold else None


# -- many tables at once: periods, languages, modules ------------------------------------------

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Group(Generic[K]):
    """A total and the parts it is made of, all in one published table (see ``protect_group``)."""

    total: K
    parts: tuple[K, ...]
    hidden_remainder: bool = False
    # The total adds up counts that may be of the same people (lessons of a module, quizzes of a course,
    # courses of the site): it may be large while fewer than k people are behind it, so it is shown only
    # when at least one part counts k or more.
    repeats_people: bool = False


def _closure(known: set[K], groups: Sequence[Group[K]]) -> set[K]:
    """Every cell a reader can work out from ``known`` ones: a group's only unknown member, again and again."""
    known = set(known)
    adding = [group for group in groups if not group.hidden_remainder]
    unknown_count = [sum(member not in known for member in (group.total, *group.parts)) for group in adding]
    member_groups: dict[K, list[int]] = {}
    for index, group in enumerate(adding):
        for member in (group.total, *group.parts):
            if member not in known:
                member_groups.setdefault(member, []).append(index)
    queue = [index for index, count in enumerate(unknown_count) if count == 1]
    while queue:
        group = adding[queue.pop()]
        for member in (group.total, *group.parts):
            if member in known:
                continue
            known.add(member)
            for index in member_groups.get(member, ()):
                unknown_count[index] -= 1
                if unknown_count[index] == 1:
                    queue.append(index)
    return known


def protect_tables(values: Mapping[K, int], groups: Sequence[Group[K]], threshold: int, *,
                   new: Collection[K], fixed_hidden: Mapping[K, Hidden] | None = None,
                   nested: Sequence[tuple[K, K]] = ()) -> dict[K, Hidden]:
    """Decide which of the ``new`` cells to hide, so that no pair of published cells that count the same
    thing over nested sets of people (a month and a week in it, one language and all of them, a module and
    its course) differs by 1 to ``threshold`` − 1, and no group gives a small count back.

    A reader knows the shown cells and whatever follows from them: a group's only unknown member
    (total minus the other parts), and from that the next, and so on. No group is left with a
    single unknown member, so nothing hidden can be worked out.

    Cells not in ``new`` were published before (``fixed_hidden`` says which of them are hidden): they are
    never changed, so what was published stays true; a conflict is always resolved by hiding a new cell.

    :param values: every cell's true value, old and new.
    :param groups: totals and parts (each group within one table).
    :param nested: pairs of cells counting the same figure where one set of people contains the other.
    :returns: the hidden cells among all (the old ones as they were), with why.
    """
    hidden: dict[K, Hidden] = dict(fixed_hidden or {})
    new_keys = set(new)
    for key in new_keys:
        if 0 < values[key] < threshold:
            hidden[key] = Hidden.SMALL
    # Each group lies within one table, so it is new when its total is.
    new_groups = [group for group in groups if group.total in new_keys]
    old_groups = [group for group in groups if group.total not in new_keys]
    for group in new_groups:
        total = values[group.total]
        if 0 < total < threshold:
            for key in (group.total, *group.parts):
                if key in new_keys:
                    hidden[key] = Hidden.SMALL
        elif group.repeats_people and total and group.total in new_keys and all(
                values[part] < threshold for part in group.parts):
            hidden[group.total] = Hidden.PROTECTING
    known_old = _closure({key for key in values if key not in new_keys and key not in hidden}, old_groups)
    groups_of: dict[K, list[Group[K]]] = {}
    for group in new_groups:
        for member in (group.total, *group.parts):
            groups_of.setdefault(member, []).append(group)

    def shown(key: K) -> bool:
        return key not in hidden

    def hide(key: K) -> None:
        hidden[key] = Hidden.PROTECTING if values[key] >= threshold else Hidden.SMALL

    def smallest_shown(members: Sequence[K]) -> K | None:
        candidates = [member for member in members if member in new_keys and shown(member) and values[member]]
        return min(candidates, key=lambda member: values[member]) if candidates else None

    changed = True
    while changed:
        changed = False
        for group in new_groups:
            if not shown(group.total):
                continue
            remainder = values[group.total] - sum(values[part] for part in group.parts) if group.hidden_remainder else 0
            while 0 < remainder + sum(values[part] for part in group.parts if not shown(part)) < threshold:
                smallest = smallest_shown(group.parts)
                if smallest is None:
                    break  # cannot happen: the shown parts would then add up to the total
                hide(smallest)
                changed = True
        known = _closure(known_old | {key for key in new_keys if shown(key)}, new_groups)
        # A hidden count that can be worked out is not hidden: hide another member of its groups too.
        for key in sorted((key for key in new_keys if key in known and not shown(key) and values[key]),
                          key=lambda key: values[key]):
            members = [member for group in groups_of.get(key, ()) if not group.hidden_remainder
                       for member in (group.total, *group.parts)]
            smallest = smallest_shown(members)
            if smallest is not None:
                hide(smallest)
                changed = True
        if changed:
            continue
        hidden_now: set[K] = set()
        for first, second in nested:
            if first not in known or second not in known or not 0 < abs(values[first] - values[second]) < threshold:
                continue
            # Hide the newer of the two (old cells stay as they were published), or what lets it be worked out.
            newer = first if first in new_keys else second
            if newer in hidden_now:
                continue  # hidden a moment ago, in this pass: ``known`` is a step behind
            hidden_now.add(newer)
            if shown(newer):
                hide(newer)
                changed = True
            elif newer in known:
                smallest = smallest_shown([member for group in groups_of.get(newer, ())
                                           for member in (group.total, *group.parts)])
                if smallest is not None:
                    hide(smallest)
                    changed = True
    return hidden
