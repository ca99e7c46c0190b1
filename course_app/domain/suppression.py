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

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum


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
