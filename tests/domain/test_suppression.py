"""Small-cell protection: no published cell, and no difference of published cells, reveals a
count below the threshold (property tests over random groups)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from course_app.domain.suppression import (
    PROTECTING,
    SUPPRESSED,
    Cell,
    Hidden,
    based_on_enough,
    protect_count,
    protect_group,
    protect_pair,
    protect_series,
    rate,
)

K = 5


def test_examples() -> None:
    assert protect_pair(3, 1, K) == (SUPPRESSED, SUPPRESSED)
    # 12 - 9 = 3 would show three dropped out: the 9 is hidden, to protect them (it is not "fewer than 5").
    assert protect_pair(12, 9, K) == (Cell(12), PROTECTING)
    assert protect_pair(12, 12, K) == (Cell(12), Cell(12))       # nobody dropped out: reveals no one
    assert protect_pair(20, 9, K) == (Cell(20), Cell(9))
    assert protect_pair(15, 12, K) == (Cell(15), Cell(None, Hidden.PROTECTING))
    # A true zero is shown: nobody completed, of twelve.
    assert protect_pair(12, 0, K) == (Cell(12), Cell(0))
    assert protect_pair(0, 0, K) == (Cell(0), Cell(0))
    # But not within a small group: "none of fewer than 5" says something about each of them.
    assert protect_pair(3, 0, K) == (SUPPRESSED, SUPPRESSED)
    # The 2 is hidden, and could be worked out from the total: the 7 is hidden too; the zero is shown.
    assert protect_series([7, 2, 9, 0], K) == [PROTECTING, SUPPRESSED, Cell(9), Cell(0)]
    assert protect_count(4, K) == SUPPRESSED and protect_count(5, K) == Cell(5) and protect_count(0, K) == Cell(0)
    # Exactly the threshold is shown: five learners are enough, in a group as alone.
    assert protect_group(10, [5, 5], K) == (Cell(10), [Cell(5), Cell(5)])
    assert protect_pair(10, 5, K) == (Cell(10), Cell(5))
    # A lone hidden 2 could be worked out from the total: the smallest shown part is hidden with it,
    # never a larger one (which would hide more than needed).
    assert protect_group(28, [20, 6, 2], K) == (Cell(28), [Cell(20), PROTECTING, SUPPRESSED])
    assert rate(Cell(6), Cell(12)) == 0.5 and rate(SUPPRESSED, Cell(12)) is None
    assert rate(Cell(6), PROTECTING) is None and rate(Cell(0), Cell(0)) is None and rate(Cell(0), Cell(7)) == 0
    assert based_on_enough(2.5, 4, K) is None and based_on_enough(2.5, 5, K) == 2.5


group = st.tuples(
    st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=8),
    st.integers(min_value=0, max_value=30),
    st.booleans(),
)


@settings(max_examples=2000, deadline=None)
@given(group, st.integers(min_value=2, max_value=10))
def test_protected_groups_reveal_no_small_count(case: tuple[list[int], int, bool], threshold: int) -> None:
    parts, extra, hidden = case
    total = sum(parts) + (extra if hidden else 0)
    total_cell, cells = protect_group(total, parts, threshold, hidden_remainder=hidden)
    published = [cell.value for cell in cells if cell.published]
    # 1. Nothing below the threshold is published (but a zero), and published values are true.
    assert all(value >= threshold or value == 0 for value in published)
    # Every hidden cell says truly why: "fewer than k" only for a small count, "to protect" only for a large one.
    for cell, part in zip(cells, parts, strict=True):
        if cell.hidden is Hidden.SMALL:
            assert part < threshold
        elif cell.hidden is Hidden.PROTECTING:
            assert part >= threshold
    assert all(cell.value in (None, part) for cell, part in zip(cells, parts, strict=True))
    if not total_cell.published:
        assert 0 < total < threshold and published == [] and total_cell.hidden is Hidden.SMALL
        return
    assert total_cell.value == total and (total >= threshold or total == 0)
    # 2. What the published cells leave over (total minus them) is 0 or at least the threshold:
    #    no difference of published cells gives away a small count.
    left_over = total - sum(published)
    assert left_over == 0 or left_over >= threshold
    # 3. With a single hidden cell and no hidden remainder its value would be exact: then it must not be small.
    hidden_cells = [part for cell, part in zip(cells, parts, strict=True) if not cell.published]
    if len(hidden_cells) == 1 and not (hidden and extra):
        assert hidden_cells[0] == 0 or hidden_cells[0] >= threshold


@settings(max_examples=500, deadline=None)
@given(st.integers(min_value=0, max_value=40), st.integers(min_value=0, max_value=40))
def test_pairs(whole: int, part: int) -> None:
    part = min(part, whole)
    whole_cell, part_cell = protect_pair(whole, part, K)
    if part_cell.published:
        assert whole_cell.published
        assert (part >= K or part == 0) and (whole - part == 0 or whole - part >= K)
