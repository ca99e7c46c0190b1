"""Small-cell protection for everything staff see (safety invariant S7).

A count below the threshold k (default 5) is never published: it is shown as "fewer than k".
Hiding small cells is not enough when a total is shown too, because total − visible parts
gives the hidden part back. So counts are protected in **groups**: a total and the parts it is
made of (some parts may never be shown at all, like "started but not completed"). In a group
whose total is published, the hidden parts together must add up to 0 or to at least k; while
they do not, the smallest published part is hidden as well (complementary suppression).

A rate is published only when both its numerator and its denominator are; a mean or median
only when it is based on at least k learners.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Cell:
    """One published number, or a suppressed one (``value`` None)."""

    value: int | None

    @property
    def published(self) -> bool:
        return self.value is not None


SUPPRESSED = Cell(None)


def protect_group(total: int, parts: Sequence[int], threshold: int, *,
                  hidden_remainder: bool = False) -> tuple[Cell, list[Cell]]:
    """Protect a total and its parts together.

    :param parts: counts that add up to ``total`` — or, with ``hidden_remainder``, to at most
        ``total``, the rest being a part that is never shown (e.g. "started, not completed").
    :returns: the total's cell and the parts' cells, in order.
    """
    if total < threshold:
        return SUPPRESSED, [SUPPRESSED] * len(parts)
    published = [value >= threshold for value in parts]
    remainder = total - sum(parts) if hidden_remainder else 0

    def hidden_sum() -> int:
        return remainder + sum(value for value, shown in zip(parts, published, strict=True) if not shown)

    while 0 < hidden_sum() < threshold:
        candidates = [index for index, shown in enumerate(published) if shown]
        if not candidates:
            break  # everything is hidden: hidden_sum() == total >= threshold, so this cannot happen
        smallest = min(candidates, key=lambda index: parts[index])
        published[smallest] = False
    return Cell(total), [Cell(value) if shown else SUPPRESSED for value, shown in zip(parts, published, strict=True)]


def protect_pair(whole: int, part: int, threshold: int) -> tuple[Cell, Cell]:
    """A count and a subset of it (started/completed, answered/correct): the difference stays hidden."""
    whole_cell, (part_cell,) = protect_group(whole, [part], threshold, hidden_remainder=True)
    return whole_cell, part_cell


def protect_series(values: Sequence[int], threshold: int) -> list[Cell]:
    """Counts of one thing over time (weeks): protected as parts of their total, which another
    view (a date range covering the same weeks) may show."""
    return protect_group(sum(values), values, threshold)[1]


def protect_count(value: int, threshold: int) -> Cell:
    return Cell(value) if value >= threshold else SUPPRESSED


def rate(numerator: Cell, denominator: Cell) -> float | None:
    """numerator / denominator, only when both are published (and the denominator is not 0)."""
    if numerator.value is None or not denominator.value:
        return None
    return numerator.value / denominator.value


def based_on_enough(statistic: float | None, learners: int, threshold: int) -> float | None:
    """A mean or median, only when at least ``threshold`` learners are behind it."""
    return statistic if learners >= threshold else None
