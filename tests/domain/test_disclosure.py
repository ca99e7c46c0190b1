"""The disclosure rule: rounding to the base, "fewer than" for 1 to base − 1, rates and averages only over
enough people; known answers at every edge, and properties over any values."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_app.domain.disclosure import (
    AVERAGE_PEOPLE,
    RATE_PEOPLE,
    DisclosureRule,
    Kind,
    Published,
    Withheld,
    round_to_base,
)
from course_app.domain.figures import BY_NAME

FIVE = DisclosureRule(5)
FEWER = Published(Kind.COUNT, None, Withheld.FEWER_THAN_BASE)


@pytest.mark.parametrize(("true_value", "shown"), [
    (0, 0),          # nobody: a true zero
    (1, None), (2, None), (3, None), (4, None),  # "fewer than 5"
    (5, 5), (7, 5), (8, 10), (22, 20), (23, 25),
    (42, 40), (43, 45), (2502, 2500), (2503, 2505),
])
def test_counts_with_a_base_of_five(true_value: int, shown: int | None) -> None:
    expected = FEWER if shown is None else Published(Kind.COUNT, shown)
    assert FIVE.count(true_value) == expected


@pytest.mark.parametrize(("true_value", "shown"), [
    (0, 0), (1, None), (9, None), (10, 10), (14, 10), (15, 20), (16, 20), (24, 20), (25, 30), (105, 110),
])
def test_counts_with_a_base_of_ten_round_halves_up(true_value: int, shown: int | None) -> None:
    expected = FEWER if shown is None else Published(Kind.COUNT, shown)
    assert DisclosureRule(10).count(true_value) == expected


def test_a_base_of_three_and_the_rounding_itself() -> None:
    three = DisclosureRule(3)
    assert [three.count(value).value for value in (0, 1, 2, 3, 4, 5, 6)] == [0, None, None, 3, 3, 6, 6]
    # Halves up, whatever the base: 2.5 → 5 and 7.5 → 10 (base 5), 5 → 10 (base 10).
    assert [round_to_base(value, 10) for value in (4, 5, 14, 15)] == [0, 10, 10, 20]
    with pytest.raises(ValueError, match="^the rounding base must be at least 2$"):
        DisclosureRule(1)
    with pytest.raises(ValueError, match="negative"):
        FIVE.count(-1)


def test_rates_need_23_people_and_come_from_unrounded_counts() -> None:
    assert RATE_PEOPLE == 23
    # 22 people: not shown; 23: shown, 96 % of 23 is 22 of them (the residual risk docs/statistics.md states).
    assert FIVE.rate(21, 22) == Published(Kind.RATE, None, Withheld.FEW_FOR_RATE)
    assert FIVE.rate(22, 23) == Published(Kind.RATE, 96)
    # From the true counts, to the whole percent, halves up: 1 of 8 is 12.5 % → 13 %; 42 of 84 is 50 %.
    assert FIVE.rate(3, 24).value == 13 and FIVE.rate(42, 84).value == 50
    # Rounded counts would say 40 of 45 (89 %); the true 42 of 43 is 98 %.
    assert FIVE.rate(42, 43).value == 98
    assert FIVE.rate(0, 30).value == 0 and FIVE.rate(30, 30).value == 100
    assert FIVE.rate(0, 0).withheld is Withheld.FEW_FOR_RATE
    # The people behind it may be fewer than the denominator (a module adds up lessons of the same people).
    assert FIVE.rate(20, 40, people=22).withheld is Withheld.FEW_FOR_RATE
    assert FIVE.rate(20, 40, people=23).value == 50
    with pytest.raises(ValueError, match="not a percentage"):
        FIVE.rate(31, 30)


def test_a_rate_over_nobody_reads_not_shown_whatever_people_are_said_to_be_behind_it() -> None:
    """A denominator of 0 never divides, even when ``people`` (read from another stored figure) says 23."""
    assert FIVE.rate(0, 0, people=23) == Published(Kind.RATE, None, Withheld.FEW_FOR_RATE)


def test_means_and_medians_need_more_than_7_people() -> None:
    assert AVERAGE_PEOPLE == 8
    assert FIVE.mean(7 * 60, 7) == Published(Kind.MEAN, None, Withheld.FEW_FOR_AVERAGE)
    assert FIVE.mean(8 * 60 + 1, 8) == Published(Kind.MEAN, 60.1)
    assert FIVE.median(2.5, 7) == Published(Kind.MEDIAN, None, Withheld.FEW_FOR_AVERAGE)
    assert FIVE.median(2.5, 8) == Published(Kind.MEDIAN, 2.5)
    assert FIVE.median(None, 30) == Published(Kind.MEDIAN, None, Withheld.FEW_FOR_AVERAGE)


@pytest.mark.parametrize(("value", "withheld"), [(None, None), (5, Withheld.FEWER_THAN_BASE)])
def test_a_published_figure_is_a_value_or_the_reason_it_is_withheld_never_both_nor_neither(
        value: float | None, withheld: Withheld | None) -> None:
    with pytest.raises(ValueError, match="^a published figure holds either a value or the reason it is withheld$"):
        Published(Kind.COUNT, value, withheld)


def values(**stored: int):  # type: ignore[no-untyped-def]
    return lambda name: stored.get(name, 0)


def test_publish_applies_each_figures_kind_from_the_registry() -> None:
    assert FIVE.publish(BY_NAME["started"], values(started=42)) == Published(Kind.COUNT, 40)
    assert FIVE.publish(BY_NAME["band1"], values(band1=3)) == Published(Kind.BAND, None, Withheld.FEWER_THAN_BASE)
    assert FIVE.publish(BY_NAME["completion_rate"], values(started=42, completed=21)) == Published(Kind.RATE, 50)
    assert FIVE.publish(BY_NAME["completion_rate"], values(started=22, completed=21)).value is None
    # A module's rate counts its people by the largest lesson: 3 people reaching 8 lessons are 24 reaches.
    assert FIVE.publish(BY_NAME["done_share"], values(reached=24, done=24, **{"reached.most": 3})).value is None
    # ... and is shown once that largest lesson has 23 people, from the module's true counts (20 of 40).
    assert FIVE.publish(BY_NAME["done_share"], values(reached=40, done=20, **{"reached.most": 23})) == Published(
        Kind.RATE, 50)
    assert FIVE.publish(BY_NAME["done_share"], values(reached=40, done=20, **{"reached.most": 22})).value is None
    assert FIVE.publish(BY_NAME["mean_score"], values(mean_score=8 * 75, learners=8)) == Published(Kind.MEAN, 75.0)
    assert FIVE.publish(BY_NAME["median_lessons"], values(median_lessons=35, started=8)) == Published(
        Kind.MEDIAN, 3.5)


@settings(max_examples=500, deadline=None)
@given(st.integers(min_value=0, max_value=100_000), st.integers(min_value=0, max_value=100_000),
       st.integers(min_value=2, max_value=20))
def test_published_counts_and_their_differences_are_never_an_exact_small_count(first: int, second: int,
                                                                               base: int) -> None:
    rule = DisclosureRule(base)
    for true_value in (first, second):
        shown = rule.count(true_value)
        assert (shown.value is None) == (0 < true_value < base)
        if shown.value is not None:
            assert shown.value % base == 0 and abs(shown.value - true_value) <= base / 2
    numbers = [rule.count(value).value for value in (first, second)]
    if None not in numbers:
        assert (numbers[0] - numbers[1]) % base == 0  # type: ignore[operator]


@settings(max_examples=500, deadline=None)
@given(st.integers(min_value=0, max_value=5000), st.integers(min_value=0, max_value=5000))
def test_rates_are_whole_percents_within_0_and_100(part: int, whole: int) -> None:
    part, whole = min(part, whole), max(part, whole)
    shown = FIVE.rate(part, whole)
    assert (shown.value is None) == (whole < RATE_PEOPLE)
    if shown.value is not None:
        assert 0 <= shown.value <= 100 and shown.value == int(shown.value)
        assert abs(shown.value - 100 * part / whole) <= 0.5
