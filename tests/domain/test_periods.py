"""Closed periods: which exist, that their figures stay fixed, and that no two published tables can be
combined to give a count below the threshold (a property test over random synthetic data)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date, timedelta

from flask import Flask
from sqlalchemy import insert, select

from course_app.content import current_catalogue
from course_app.db import get_session
from course_app.domain.learners import delete_learner
from course_app.domain.periods import (ALL, COURSE, CellKey, CourseShape, Period, closed_periods, fix_closed_periods,
                                       item_parents, last_closed_month, parse_period, table_groups)
from course_app.domain.suppression import Hidden
from course_app.models import Learner, LessonReadDay, StatsCell
from course_app.synthetic import generate_progress

K = 5
TODAY = date(2026, 12, 2)  # a Wednesday


def test_only_ended_weeks_months_and_lives_exist() -> None:
    assert parse_period("2026-11", TODAY) == Period(date(2026, 11, 30), 1, date(2026, 11, 1), "month", "2026-11")
    assert parse_period("2026-W48", TODAY).start == date(2026, 11, 23)  # type: ignore[union-attr]
    assert parse_period("life-2026-11", TODAY).end == date(2026, 11, 30)  # type: ignore[union-attr]
    # Still running, or not a period at all: nothing.
    for key in ("2026-12", "2026-W49", "life-2026-12", "2027-01", "2026-13", "2026-W54", "2026-11-01", "",
                "2026-11 ", "life-2026-W40", "9999-99", "2026-00"):
        assert parse_period(key, TODAY) is None, key
    assert last_closed_month(TODAY).key == "2026-11"
    periods = closed_periods(date(2026, 10, 28), TODAY)
    assert [period.key for period in periods] == [
        "2026-10", "life-2026-10", "2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48", "2026-11",
        "life-2026-11"]


def fill(app: Flask, seed: int, learners: int) -> None:
    """Random synthetic learners over ten weeks, and random reads, written through the real code."""
    rng = random.Random(seed)
    with app.app_context():
        session = get_session()
        generate_progress(session, current_catalogue().courses, learners=learners, lesson_rows=learners * 4,
                          today=TODAY - timedelta(days=1), days=70, seed=seed)
        course = current_catalogue().courses[0]
        reads = {}
        for _ in range(learners * 2):
            key = (course.slug, TODAY - timedelta(days=rng.randrange(1, 70)),
                   rng.choice(course.lessons).slug, rng.choice(course.languages))
            reads[key] = reads.get(key, 0) + rng.randrange(1, 4)
        session.execute(insert(LessonReadDay), [
            {"course_slug": c, "day": d, "lesson_slug": s, "lang": lang, "reads": n} for (c, d, s, lang), n in reads.items()])
        session.commit()


def fixed_cells(app: Flask) -> dict[CellKey, tuple[int, Hidden | None]]:
    with app.app_context():
        return {(row.period_key, row.course_slug, row.lang, row.figure, row.item):
                (row.value, Hidden(row.hidden) if row.hidden else None)
                for row in get_session().scalars(select(StatsCell))}


def test_a_fixed_period_does_not_change_when_learners_delete_everything(app: Flask) -> None:
    fill(app, 1, 80)
    with app.app_context():
        session = get_session()
        langs = app.config["LANGUAGES"]
        assert fix_closed_periods(session, current_catalogue(), langs, TODAY, K) > 0
        session.commit()
    before = fixed_cells(app)
    assert any(value for value, _ in before.values())
    with app.app_context():
        session = get_session()
        for learner in session.scalars(select(Learner)).all():
            delete_learner(session, learner)
        session.commit()
        assert fix_closed_periods(session, current_catalogue(), langs, TODAY, K) == 0  # nothing new has ended
        session.commit()
    assert fixed_cells(app) == before
    # A week later one more week has ended: it is fixed from what is left (nobody), the others stay.
    with app.app_context():
        session = get_session()
        assert fix_closed_periods(session, current_catalogue(), langs, TODAY + timedelta(days=7), K) == 1
        session.commit()
    after = fixed_cells(app)
    assert {key: cell for key, cell in after.items() if key in before} == before


def contains(big: CellKey, small: CellKey, periods: Mapping[str, Period],
             parents: Mapping[tuple[str, str], tuple[str, ...]]) -> bool:
    """Whether ``big`` counts (the same figure for) a set of people that includes ``small``'s — written
    from the definitions, not with the code under test."""
    period_b, course_b, lang_b, figure_b, item_b = big
    period_s, course_s, lang_s, figure_s, item_s = small
    if big == small or figure_b != figure_s or not periods[period_b].contains(periods[period_s]):
        return False
    if lang_b not in (ALL, lang_s):
        return False
    if course_b == ALL:
        return course_s == ALL or (lang_b == ALL and item_b == "")
    return course_b == course_s and (item_b == item_s or item_b in parents.get((course_s, item_s), ()))


def known_values(cells: Mapping[CellKey, tuple[int, Hidden | None]], groups: list) -> dict[CellKey, int]:  # type: ignore[type-arg]
    """What a reader of every published table can know: the shown cells, and a hidden one that is the only
    unknown of a group whose parts add up to its total."""
    known = {key: value for key, (value, why) in cells.items() if why is None}
    found = True
    while found:
        found = False
        for group in groups:
            if group.hidden_remainder:
                continue
            unknown = [member for member in (group.total, *group.parts) if member not in known]
            if len(unknown) == 1:
                others = sum(known[part] for part in group.parts if part != unknown[0])
                known[unknown[0]] = others if unknown[0] == group.total else known[group.total] - others
                found = True
    return known


def test_no_two_published_tables_give_a_small_count_away(app: Flask) -> None:
    """Random synthetic data, every ended period fixed: for any two published cells of the same figure where
    one counts a subset of the other's people (a week in a month or in a course's life, one language in
    all, a lesson in its module or course, a course in the site), the difference is 0 or at least 5; and
    every hidden cell says truly why."""
    for seed in range(4):
        fill(app, seed, learners=[30, 60, 120, 250][seed])
        with app.app_context():
            session = get_session()
            catalogue, langs = current_catalogue(), list(app.config["LANGUAGES"])
            fix_closed_periods(session, catalogue, langs, TODAY, K)
            session.commit()
            shapes = [CourseShape.of(course) for course in catalogue.courses]
        cells = fixed_cells(app)
        periods = {key: parse_period(key, TODAY) for key in {cell[0] for cell in cells}}
        assert all(periods.values())
        groups = [group for key in periods for group in table_groups(key, shapes, langs)]
        known = known_values(cells, groups)
        parents = item_parents(shapes)
        for key, (value, why) in cells.items():
            if key[3] in ("median10", "score_sum"):
                continue
            assert why is not Hidden.SMALL or value < K, key
            assert why is not Hidden.PROTECTING or value >= K, key
            assert key not in known or known[key] == 0 or known[key] >= K, key
        by_figure: dict[str, list[CellKey]] = {}
        for key in known:
            by_figure.setdefault(key[3], []).append(key)
        checked = 0
        for figure, keys in by_figure.items():
            if figure in ("median10", "score_sum"):
                continue
            for big in keys:
                for small in keys:
                    if contains(big, small, periods, parents):  # type: ignore[arg-type]
                        difference = known[big] - known[small]
                        assert difference == 0 or difference >= K, (big, small, known[big], known[small])
                        checked += 1
        for group in groups:
            if group.total in known:
                hidden_sum = known[group.total] - sum(known.get(part, 0) for part in group.parts)
                if all(part in known for part in group.parts) or not group.hidden_remainder:
                    assert hidden_sum == 0 or hidden_sum >= K, group
        assert checked > 1000
        assert any(why is Hidden.PROTECTING for _, why in cells.values())
        # Start again from nothing for the next seed.
        from tests.conftest import clear_tables
        clear_tables(app)
