"""The one disclosure rule for everything staff see (safety invariant S7): rounding, as official statistics do.

Every figure published on a staff page, in a chart or in a CSV file passes through ``publish``,
which applies the rule for the figure's kind (declared once, in ``figures``):

- a **count** (or a band of best scores, which is a count) is rounded to the nearest multiple of
  the base (``ROUNDING_BASE``, default 5; halves up); 1 to base − 1 reads "fewer than 5"; a true
  0 reads 0. A total is rounded after adding, so rounded rows may not add up to it;
- a **rate** (a percentage) comes from the unrounded counts, to the whole percent, and is shown
  only when at least 23 people are behind it (HESA: "fewer than 22.5 individuals" suppressed);
- a **mean** or **median** comes from unrounded values and is shown only when more than 7 people
  are behind it (HESA: "7 or fewer" suppressed).

Nothing else is ever published: a figure reads a rounded number, a percentage, an average, or the
reason it is not shown. Any sum or difference of published counts is then a multiple of the base,
never an exact small count. The rule is HESA's standard rounding methodology with Ofqual's "fewer
than 5" for 1 to 4 (docs/statistics.md cites both).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum
from typing import Protocol

# HESA: percentages based on fewer than 22.5 individuals are suppressed, so a whole number of people: 23.
RATE_PEOPLE = 23
# HESA: averages based on 7 or fewer individuals are suppressed.
AVERAGE_PEOPLE = 8


class Kind(Enum):
    """What a figure is, which decides how it is published."""

    COUNT = "count"
    BAND = "band"      # how many learners have a best score in a band: a count
    RATE = "rate"
    MEAN = "mean"
    MEDIAN = "median"

    @property
    def is_count(self) -> bool:
        """Counts and bands are rounded; the others are computed from unrounded counts."""
        return self in (Kind.COUNT, Kind.BAND)


class Withheld(Enum):
    """Why a figure reads words instead of a number."""

    FEWER_THAN_BASE = "fewer"         # a count of 1 to base − 1
    FEW_FOR_RATE = "few-for-rate"     # a rate with fewer than 23 people behind it
    FEW_FOR_AVERAGE = "few-for-mean"  # a mean or median with 7 or fewer people behind it


@dataclass(frozen=True)
class Published:
    """A figure as staff see it: a number (rounded count, whole percent, average) or why there is none."""

    kind: Kind
    value: float | None
    withheld: Withheld | None = None

    def __post_init__(self) -> None:
        if (self.value is None) == (self.withheld is None):
            raise ValueError("a published figure holds either a value or the reason it is withheld")


def round_to_base(value: int, base: int) -> int:
    """``value`` to the nearest multiple of ``base``, halves up (2.5 → 5 for a base of 5; 5 → 10 for 10)."""
    return (2 * value + base) // (2 * base) * base


@dataclass(frozen=True)
class DisclosureRule:
    """The rule, for one rounding base (``ROUNDING_BASE``)."""

    base: int = 5

    def __post_init__(self) -> None:
        if self.base < 2:
            raise ValueError("the rounding base must be at least 2")

    def count(self, true_value: int) -> Published:
        """A count: 0, or 1 to base − 1 as "fewer than base", or rounded to the nearest multiple of base."""
        if true_value < 0:
            raise ValueError(f"a count cannot be negative: {true_value}")
        if 0 < true_value < self.base:
            return Published(Kind.COUNT, None, Withheld.FEWER_THAN_BASE)
        return Published(Kind.COUNT, round_to_base(true_value, self.base))

    def rate(self, numerator: int, denominator: int, people: int | None = None) -> Published:
        """numerator ÷ denominator in whole percent (halves up), from unrounded counts, when at least 23
        people are behind it (``people``: the denominator unless it counts some people more than once)."""
        behind = denominator if people is None else people
        if behind < RATE_PEOPLE or denominator <= 0:
            return Published(Kind.RATE, None, Withheld.FEW_FOR_RATE)
        if not 0 <= numerator <= denominator:
            raise ValueError(f"a share of {numerator} in {denominator} is not a percentage")
        return Published(Kind.RATE, (200 * numerator + denominator) // (2 * denominator))

    def mean(self, total: int, people: int) -> Published:
        """total ÷ people to one decimal, when more than 7 people are behind it."""
        if people < AVERAGE_PEOPLE:
            return Published(Kind.MEAN, None, Withheld.FEW_FOR_AVERAGE)
        return Published(Kind.MEAN, round(total / people, 1))

    def median(self, value: float | None, people: int) -> Published:
        """A median, when more than 7 people are behind it."""
        if people < AVERAGE_PEOPLE or value is None:
            return Published(Kind.MEDIAN, None, Withheld.FEW_FOR_AVERAGE)
        return Published(Kind.MEDIAN, round(value, 1))

    def publish(self, figure: FigureSpec, read: Callable[[str], int]) -> Published:
        """The one place the rule is applied: a figure of the registry (``figures.FIGURES``), from the true
        values stored for it and the figures it is made of (``read`` gives one by name)."""
        kind = figure.kind
        if kind.is_count:
            return replace(self.count(read(figure.name)), kind=kind)
        if kind is Kind.RATE:
            return self.rate(read(figure.numerator), read(figure.denominator),
                             read(figure.people) if figure.people else None)
        if kind is Kind.MEAN:
            return self.mean(read(figure.name), read(figure.people))
        return self.median(read(figure.name) / MEDIAN_SCALE, read(figure.people))


class FigureSpec(Protocol):
    """What the rule needs to know of a figure (``figures.Figure`` is one)."""

    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> Kind: ...
    @property
    def numerator(self) -> str: ...
    @property
    def denominator(self) -> str: ...
    @property
    def people(self) -> str: ...


# Medians are stored as whole numbers, ten times the median (a median may end in .5).
MEDIAN_SCALE = 10

