"""Closed periods: which exist, that their figures stay fixed, and that no two published tables can be
combined to give a count below the threshold (a property test over random synthetic data)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import insert, select

from course_app.content import current_catalogue
from course_app.content.model import Catalogue
from course_app.db import get_session
from course_app.domain.learners import delete_learner
from course_app.domain.periods import (
    ALL,
    COURSE,
    LIFE_START,
    CellKey,
    CourseShape,
    Period,
    closed_periods,
    fix_closed_periods,
    fix_closed_periods_once,
    fixed_periods,
    item_parents,
    last_closed_month,
    life,
    month,
    parse_period,
    table_groups,
    week,
)
from course_app.domain.suppression import Hidden
from course_app.domain.synthetic import generate_progress
from course_app.models import (
    CourseProgress,
    Learner,
    LessonDay,
    LessonProgress,
    LessonReadDay,
    QuizDay,
    QuizProgress,
    StatsCell,
    StatsPeriod,
)
from tests.conftest import STARTER_LESSON_SLUGS

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
            {"course_slug": c, "day": d, "lesson_slug": s, "lang": lang, "reads": n}
            for (c, d, s, lang), n in reads.items()])
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


def test_a_period_holds_exactly_its_days_and_is_closed_the_day_after_it_ends() -> None:
    assert parse_period("2026-W48", TODAY) == Period(date(2026, 11, 29), 0, date(2026, 11, 23), "week", "2026-W48")
    assert parse_period("life-2026-11", TODAY) == Period(date(2026, 11, 30), 2, LIFE_START, "life", "life-2026-11")
    # Every month runs from its 1st, the month of the first data day included.
    assert [(period.key, period.start, period.end) for period in closed_periods(date(2026, 10, 28), TODAY)
            if period.kind == "month"] == [("2026-10", date(2026, 10, 1), date(2026, 10, 31)),
                                           ("2026-11", date(2026, 11, 1), date(2026, 11, 30))]
    # The week of 23 to 29 November closes on Monday the 30th, not on its own Sunday; November closes on
    # 1 December, not on its last day.
    assert closed_periods(date(2026, 11, 23), date(2026, 11, 29)) == []
    assert [period.key for period in closed_periods(date(2026, 11, 23), date(2026, 11, 30))] == ["2026-W48"]
    assert parse_period("2026-11", date(2026, 11, 30)) is None


def test_a_week_ending_on_a_months_last_day_is_nested_in_it_and_fixed_before_it() -> None:
    """31 May 2026 is a Sunday: the week, the month and its life end on the same day."""
    periods = closed_periods(date(2026, 5, 25), date(2026, 6, 1))
    assert [period.key for period in periods] == ["2026-W22", "2026-05", "life-2026-05"]
    week_22, may, life_of_may = periods
    assert may.contains(week_22) and life_of_may.contains(may) and life_of_may.contains(week_22)
    # A week starting on the 1st is in its month; every life contains the lives before it.
    assert month(date(2026, 6, 1)).contains(week(date(2026, 6, 1)))
    assert life(date(2026, 6, 1)).contains(life_of_may) and not life_of_may.contains(life(date(2026, 6, 1)))


# -- known figures: rows written straight into the aggregates, every figure checked -----------------

SLUG = "trade-unions"
NOVEMBER = "2026-11"
IN_NOVEMBER = date(2026, 11, 4)   # a Wednesday, in 2026-W45
_learner_ids = itertools.count()


def add_rows(app: Flask, model: type, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    with app.app_context():
        session = get_session()
        session.execute(insert(model), rows)
        session.commit()


def add_starters(app: Flask, count: int, day: date = IN_NOVEMBER, *, lang: str = "en", lessons_done: int = 0,
                 completed_on: date | None = None, course: str = SLUG) -> list[str]:
    """``count`` learners who started a course on ``day`` (their course standing only)."""
    ids = [f"learner-{next(_learner_ids)}" for _ in range(count)]
    add_rows(app, Learner, [{"id": id_, "code_hash": None, "created_on": day, "last_seen_on": day} for id_ in ids])
    add_rows(app, CourseProgress, [{"learner_id": id_, "course_slug": course, "lang": lang, "started_on": day,
                                    "lessons_done": lessons_done, "completed_on": completed_on} for id_ in ids])
    return ids


def fix(app: Flask, today: date = TODAY,
        catalogue: Catalogue | None = None) -> dict[CellKey, tuple[int, Hidden | None]]:
    """Fix every period ended before ``today`` and return every fixed cell."""
    with app.app_context():
        session = get_session()
        fix_closed_periods(session, catalogue or current_catalogue(), app.config["LANGUAGES"], today, K)
        session.commit()
    return fixed_cells(app)


def values_of(cells: Mapping[CellKey, tuple[int, Hidden | None]], period: str, figure: str, item: str = "",
              course: str = SLUG) -> dict[str, int]:
    """A figure's true value in all languages together ("all") and in each one."""
    return {lang or "all": cells[(period, course, lang, figure, item)][0] for lang in (ALL, "en", "ru", "be")}


def test_started_completed_and_median_lessons_done_count_every_language(app: Flask) -> None:
    add_starters(app, 3, lessons_done=1)
    add_starters(app, 1, lessons_done=5)
    add_starters(app, 2, lessons_done=8, completed_on=date(2026, 11, 20))
    # Completion is stored as it was recorded, not worked out from lessons_done again (a course can gain
    # or lose lessons): this learner has done 8 lessons without having completed the course.
    add_starters(app, 1, lessons_done=8)
    add_starters(app, 2, lang="ru", lessons_done=1)
    add_starters(app, 4, date(2026, 10, 14), lessons_done=8, completed_on=date(2026, 10, 20))  # October's
    cells = fix(app)
    assert values_of(cells, NOVEMBER, "started") == {"all": 9, "en": 7, "ru": 2, "be": 0}
    assert values_of(cells, NOVEMBER, "completed") == {"all": 2, "en": 2, "ru": 0, "be": 0}
    # Medians, times ten: all 1,1,1,1,1,5,8,8,8 -> 1; en 1,1,1,5,8,8,8 -> 5; ru 1,1 -> 1.
    assert {lang: cells[(NOVEMBER, SLUG, lang, "median10", "")][0] for lang in (ALL, "en", "ru")} == {
        ALL: 10, "en": 50, "ru": 10}
    assert (NOVEMBER, SLUG, "be", "median10", "") not in cells  # nobody started in it: no median
    # The site's figures add up its courses (here, one).
    assert [cells[(NOVEMBER, ALL, ALL, figure, "")][0] for figure in ("started", "completed")] == [9, 2]
    assert cells[("life-2026-11", ALL, ALL, "started", "")][0] == 13


def test_lesson_reads_and_quiz_figures_add_up_the_days_of_the_period(app: Flask) -> None:
    def lesson_day(lesson: str, day: date, lang: str, reached: int, completed: int) -> dict[str, Any]:
        return {"course_slug": SLUG, "lesson_slug": lesson, "day": day, "lang": lang, "reached": reached,
                "completed": completed}

    add_rows(app, LessonDay, [
        lesson_day("study-safely", IN_NOVEMBER, "en", 10, 8), lesson_day("study-safely", IN_NOVEMBER, "ru", 2, 0),
        # Six learners reached the second lesson in October and completed it in November: in November it
        # was reached by nobody and completed 6 times.
        lesson_day("what-is-a-union", date(2026, 10, 14), "en", 6, 0),
        lesson_day("what-is-a-union", IN_NOVEMBER, "en", 0, 6)])
    add_rows(app, LessonReadDay, [
        {"course_slug": course, "lesson_slug": lesson, "day": day, "lang": lang, "reads": reads}
        for course, lesson, day, lang, reads in (
            (SLUG, "study-safely", IN_NOVEMBER, "en", 7), (SLUG, "study-safely", date(2026, 11, 11), "en", 3),
            (SLUG, "study-safely", date(2026, 10, 14), "en", 20),
            (SLUG, "freedom-of-association", date(2026, 11, 18), "ru", 4),
            # A course no longer offered, with a lesson of the same name: not counted anywhere.
            ("labour-history", "study-safely", IN_NOVEMBER, "en", 5))])
    add_rows(app, QuizDay, [
        {"course_slug": SLUG, "lesson_slug": "study-safely", "day": day, "lang": lang, "learners": learners,
         "attempts": attempts, "passed": passed, "best_score_sum": score_sum}
        for day, lang, learners, attempts, passed, score_sum in (
            (IN_NOVEMBER, "en", 6, 9, 4, 420), (date(2026, 11, 11), "ru", 2, 3, 0, 80),
            # What learners who have since deleted everything leave behind: a day counting nobody.
            (date(2026, 11, 18), "be", 0, 0, 0, 0))])
    # The score bands count each learner's best score, at the edges of the bands: 0-49, 50-79, 80-100.
    ids = [f"learner-{next(_learner_ids)}" for _ in range(6)]
    add_rows(app, Learner, [{"id": id_, "code_hash": None, "created_on": IN_NOVEMBER, "last_seen_on": IN_NOVEMBER}
                            for id_ in ids])
    add_rows(app, QuizProgress, [
        {"learner_id": id_, "course_slug": SLUG, "lesson_slug": "study-safely", "lang": "en", "attempts": 1,
         "best_score": score, "first_attempt_on": IN_NOVEMBER, "last_attempt_on": IN_NOVEMBER,
         "passed_on": IN_NOVEMBER if score >= 60 else None}
        for id_, score in zip(ids, (0, 49, 50, 79, 80, 100), strict=True)])
    cells = fix(app)

    nobody = {"all": 0, "en": 0, "ru": 0, "be": 0}
    assert values_of(cells, NOVEMBER, "reached", "study-safely") == {"all": 12, "en": 10, "ru": 2, "be": 0}
    assert values_of(cells, NOVEMBER, "done", "study-safely") == {"all": 8, "en": 8, "ru": 0, "be": 0}
    assert values_of(cells, NOVEMBER, "reached", "what-is-a-union") == nobody
    assert values_of(cells, NOVEMBER, "done", "what-is-a-union") == {"all": 6, "en": 6, "ru": 0, "be": 0}
    assert values_of(cells, NOVEMBER, "reached", COURSE) == {"all": 12, "en": 10, "ru": 2, "be": 0}
    assert values_of(cells, NOVEMBER, "done", "m:2") == {"all": 6, "en": 6, "ru": 0, "be": 0}
    assert values_of(cells, NOVEMBER, "reads", "study-safely") == {"all": 10, "en": 10, "ru": 0, "be": 0}
    assert values_of(cells, NOVEMBER, "reads", "freedom-of-association") == {"all": 4, "en": 0, "ru": 4, "be": 0}
    assert values_of(cells, NOVEMBER, "reads", "m:2") == {"all": 4, "en": 0, "ru": 4, "be": 0}
    assert values_of(cells, NOVEMBER, "reads", COURSE) == {"all": 14, "en": 10, "ru": 4, "be": 0}
    assert values_of(cells, "2026-10", "reads", COURSE) == {"all": 20, "en": 20, "ru": 0, "be": 0}
    for item in ("study-safely", COURSE):
        assert values_of(cells, NOVEMBER, "learners", item) == {"all": 8, "en": 6, "ru": 2, "be": 0}
        assert values_of(cells, NOVEMBER, "attempts", item) == {"all": 12, "en": 9, "ru": 3, "be": 0}
        assert values_of(cells, NOVEMBER, "passed", item) == {"all": 4, "en": 4, "ru": 0, "be": 0}
        assert [values_of(cells, NOVEMBER, f"band{index}", item)["en"] for index in range(3)] == [2, 2, 2]
    assert values_of(cells, NOVEMBER, "score_sum", "study-safely") == {"all": 500, "en": 420, "ru": 80, "be": 0}


def test_active_learners_of_a_month_count_anyone_who_reached_completed_or_tried_a_quiz_in_it(app: Flask) -> None:
    def learners_who(count: int, reached: date, completed: date | None = None,
                     quiz: tuple[date, date] | None = None) -> None:
        ids = add_starters(app, count, reached)
        add_rows(app, LessonProgress, [{"learner_id": id_, "course_slug": SLUG, "lesson_slug": "study-safely",
                                        "lang": "en", "reached_on": reached, "completed_on": completed} for id_ in ids])
        if quiz:
            add_rows(app, QuizProgress, [
                {"learner_id": id_, "course_slug": SLUG, "lesson_slug": "study-safely", "lang": "en", "attempts": 2,
                 "best_score": 80, "first_attempt_on": quiz[0], "last_attempt_on": quiz[1], "passed_on": quiz[1]}
                for id_ in ids])

    october = date(2026, 10, 14)
    learners_who(3, reached=IN_NOVEMBER)                                    # reached a lesson in November
    learners_who(2, reached=october, completed=IN_NOVEMBER)                 # completed it in November
    learners_who(4, reached=october, completed=october, quiz=(october, IN_NOVEMBER))  # tried its quiz again
    learners_who(8, reached=IN_NOVEMBER, completed=IN_NOVEMBER, quiz=(IN_NOVEMBER, IN_NOVEMBER))  # all three
    learners_who(5, reached=october, completed=october)                     # October only
    # Reads in September make it a period of its own, with nobody active.
    add_rows(app, LessonReadDay, [{"course_slug": SLUG, "lesson_slug": "study-safely", "day": date(2026, 9, 9),
                                   "lang": "en", "reads": 9}])
    cells = fix(app)
    assert {period: cells[(period, ALL, ALL, "active", "")][0] for period in ("2026-09", "2026-10", NOVEMBER)} == {
        "2026-09": 0, "2026-10": 11, NOVEMBER: 17}


@pytest.mark.parametrize("figures", ["course starts", "lesson days", "reads"])
def test_periods_are_fixed_from_the_first_day_any_figure_counts(app: Flask, figures: str) -> None:
    with app.app_context():
        session = get_session()
        assert fix_closed_periods(session, current_catalogue(), app.config["LANGUAGES"], TODAY, K) == 0  # nothing yet
        assert session.scalars(select(StatsPeriod)).all() == []
    row = {"course_slug": SLUG, "lesson_slug": "study-safely", "day": IN_NOVEMBER, "lang": "en"}
    if figures == "course starts":
        add_starters(app, 6)
    elif figures == "lesson days":  # e.g. all that is left of learners who have deleted everything
        add_rows(app, LessonDay, [{**row, "reached": 6, "completed": 6}])
    else:  # readers who never did anything else
        add_rows(app, LessonReadDay, [{**row, "reads": 6}])
    with app.app_context():
        session = get_session()
        # 2026-W45 (the week of 4 November) to 2026-W48, November and its life.
        assert fix_closed_periods(session, current_catalogue(), app.config["LANGUAGES"], TODAY, K) == 6


def test_fixing_once_commits_what_it_fixed(app: Flask) -> None:
    add_starters(app, 6)
    with app.app_context():
        session = get_session()
        assert fix_closed_periods_once(session, current_catalogue(), app.config["LANGUAGES"], TODAY, K) == 6
        session.rollback()
        assert len(session.scalars(select(StatsPeriod)).all()) == 6
        assert fix_closed_periods_once(session, current_catalogue(), app.config["LANGUAGES"], TODAY, K) == 0


def test_fixed_periods_are_listed_newest_first_a_life_before_its_month_before_its_last_week(app: Flask) -> None:
    add_starters(app, 6, date(2026, 5, 27))
    fix(app, today=date(2026, 6, 2))
    with app.app_context():
        assert fixed_periods(get_session()) == [life(date(2026, 5, 1)), month(date(2026, 5, 1)),
                                                week(date(2026, 5, 25))]


def test_periods_fixed_on_an_earlier_day_still_protect_the_new_ones(app: Flask) -> None:
    """The lives of October and November are fixed on different days; they differ by 3 starters."""
    add_starters(app, 10, date(2026, 9, 9))
    add_starters(app, 10, date(2026, 10, 14))
    fix(app, today=date(2026, 11, 2))
    add_starters(app, 3, IN_NOVEMBER)
    cells = fix(app)
    for course in (SLUG, ALL):
        assert cells[("life-2026-10", course, ALL, "started", "")] == (20, None)
        assert cells[("life-2026-11", course, ALL, "started", "")] == (23, Hidden.PROTECTING)


def test_a_count_is_not_hidden_for_the_sake_of_counts_that_are_hidden_themselves(app: Flask) -> None:
    """Two weeks of November with 3 starters each: the weeks are hidden, November's 6 is shown."""
    add_starters(app, 3, IN_NOVEMBER)
    add_starters(app, 3, date(2026, 11, 18))
    cells = fix(app)
    assert cells[("2026-W45", SLUG, ALL, "started", "")] == cells[("2026-W47", SLUG, ALL, "started", "")] == (
        3, Hidden.SMALL)
    assert cells[(NOVEMBER, SLUG, ALL, "started", "")] == cells[("life-2026-11", SLUG, ALL, "started", "")] == (6, None)


# -- no table gives a small count away: each kind of total and its parts ---------------------------

def why_hidden(cells: Mapping[CellKey, tuple[int, Hidden | None]], figure: str, item: str = "", course: str = SLUG,
               lang: str = ALL) -> Hidden | None:
    return cells[(NOVEMBER, course, lang, figure, item)][1]


def shown_together(cells: Mapping[CellKey, tuple[int, Hidden | None]], *figures: tuple[str, str],
                   course: str = SLUG, lang: str = ALL) -> bool:
    """Whether all these (figure, item) cells of November are shown, so a reader can combine them."""
    return all(cells[(NOVEMBER, course, lang, figure, item)][1] is None for figure, item in figures)


def add_reads(app: Flask, **reads: int) -> None:
    """Reads in November, by lesson (reads of study-safely: ``study_safely=3``)."""
    add_rows(app, LessonReadDay, [{"course_slug": SLUG, "lesson_slug": lesson.replace("_", "-"), "day": IN_NOVEMBER,
                                   "lang": "en", "reads": count} for lesson, count in reads.items()])


def add_quiz_takers(app: Flask, ids: list[str], scores: list[int], *, lesson: str = "study-safely",
                    course: str = SLUG, lang: str = "en") -> None:
    """Learners who first tried a lesson's quiz in November, with their best scores (60 passes): their own
    rows and the day's counters."""
    add_rows(app, QuizProgress, [
        {"learner_id": id_, "course_slug": course, "lesson_slug": lesson, "lang": lang, "attempts": 1,
         "best_score": score, "first_attempt_on": IN_NOVEMBER, "last_attempt_on": IN_NOVEMBER,
         "passed_on": IN_NOVEMBER if score >= 60 else None}
        for id_, score in zip(ids, scores, strict=True)])
    add_rows(app, QuizDay, [{"course_slug": course, "lesson_slug": lesson, "day": IN_NOVEMBER, "lang": lang,
                             "learners": len(ids), "attempts": len(ids), "passed": sum(score >= 60 for score in scores),
                             "best_score_sum": sum(scores)}])


def test_started_but_not_completed_is_not_given_away(app: Flask) -> None:
    """In English 10 started and 3 of them did not complete; in Russian 5 started and completed."""
    add_starters(app, 7, lessons_done=8, completed_on=IN_NOVEMBER)
    add_starters(app, 3)
    add_starters(app, 5, lang="ru", lessons_done=8, completed_on=IN_NOVEMBER)
    cells = fix(app)
    for lang in (ALL, "en"):
        assert not shown_together(cells, ("started", ""), ("completed", ""), lang=lang)


def test_reached_but_not_done_is_not_given_away(app: Flask) -> None:
    add_rows(app, LessonDay, [{"course_slug": SLUG, "lesson_slug": "study-safely", "day": IN_NOVEMBER, "lang": "en",
                               "reached": 10, "completed": 7}])
    cells = fix(app)
    for item in ("study-safely", "m:1", COURSE):
        assert not shown_together(cells, ("reached", item), ("done", item))


def test_a_few_failures_of_a_quiz_are_not_given_away(app: Flask) -> None:
    """In English 20 learners, 3 of whom failed (with 50 %); in Russian 5, who all failed."""
    add_quiz_takers(app, add_starters(app, 20), [50] * 3 + [60] * 7 + [100] * 10)
    add_quiz_takers(app, add_starters(app, 5, lang="ru"), [40] * 5, lang="ru")
    cells = fix(app)
    for item in ("study-safely", COURSE):  # the quiz, and all the course's quizzes
        assert not shown_together(cells, ("learners", item), ("passed", item), lang="en")


def test_a_small_band_of_best_scores_is_not_given_away(app: Flask) -> None:
    """20 learners: 3 scored 0-49 %, 7 scored 50-79 %, 10 scored 80-100 %."""
    add_quiz_takers(app, add_starters(app, 20), [40] * 3 + [55] * 4 + [60] * 3 + [100] * 10)
    cells = fix(app)
    for item in ("study-safely", COURSE):
        assert not shown_together(cells, ("learners", item), ("band1", item), ("band2", item))


def test_a_small_language_is_not_given_away_by_all_languages_less_the_others(app: Flask) -> None:
    add_starters(app, 10)
    add_starters(app, 7, lang="ru")
    add_starters(app, 3, lang="be")
    cells = fix(app)
    assert why_hidden(cells, "started", lang="be") is Hidden.SMALL
    assert not all(why_hidden(cells, "started", lang=lang) is None for lang in (ALL, "en", "ru"))


def test_a_small_module_is_not_given_away_by_the_course_less_the_other_modules(app: Flask) -> None:
    # Modules 1 to 3 count 3, 12 and 15 of the course's 30 reads; modules 4 and 5, none.
    add_reads(app, study_safely=3, what_is_a_union=6, freedom_of_association=6, forced_labour=8, wages=7)
    cells = fix(app)
    assert not shown_together(cells, ("reads", COURSE), ("reads", "m:2"), ("reads", "m:3"))


def test_small_lessons_are_not_given_away_by_the_course_less_the_other_lessons(app: Flask) -> None:
    # The course's 13 reads: 3 of the first lesson (module 1), 9 and 1 of the next two (module 2).
    add_reads(app, study_safely=3, what_is_a_union=9, freedom_of_association=1)
    cells = fix(app)
    assert not shown_together(cells, ("reads", COURSE), ("reads", "what-is-a-union"))


def test_a_small_lesson_is_not_given_away_by_its_module_less_its_other_lessons(app: Flask) -> None:
    # Module 2 counts 8 + 3 reads. Modules 3 and 4 (4 and 6) only make the hidden lessons of the whole
    # course add up to more than 4: what gives the 3 away here is module 2's own total.
    add_reads(app, what_is_a_union=8, freedom_of_association=3, forced_labour=4, ilo_supervision=6)
    cells = fix(app)
    assert not shown_together(cells, ("reads", "m:2"), ("reads", "what-is-a-union"))


def test_a_sum_over_lessons_is_hidden_when_fewer_than_k_may_be_behind_it(app: Flask) -> None:
    """3 learners reach every lesson: a module of two lessons counts 6, the course 24, all of the same 3."""
    add_rows(app, LessonDay, [{"course_slug": SLUG, "lesson_slug": lesson, "day": IN_NOVEMBER, "lang": "en",
                               "reached": 3, "completed": 0} for lesson in STARTER_LESSON_SLUGS])
    cells = fix(app)
    assert [why_hidden(cells, "reached", item) for item in ("m:1", "m:2", COURSE)] == [
        Hidden.SMALL, Hidden.PROTECTING, Hidden.PROTECTING]


def the_starter_course_and_copies(app: Flask, *slugs: str) -> Catalogue:
    """A catalogue of the starter course and copies of it under other names."""
    with app.app_context():
        course = current_catalogue().course(SLUG)
    assert course is not None
    return Catalogue((course, *(replace(course, slug=slug, number=number) for number, slug in enumerate(slugs, 2))))


def test_a_small_quiz_is_not_given_away_by_the_course_less_the_other_quizzes(app: Flask) -> None:
    """Every lesson has a quiz: 3 learners took the first lesson's, 10 the second's, nobody the others."""
    ids = add_starters(app, 10)
    add_quiz_takers(app, ids[:3], [80] * 3)
    add_quiz_takers(app, ids, [80] * 10, lesson="what-is-a-union")
    cells = fix(app)
    for figure in ("learners", "passed", "attempts"):
        assert not shown_together(cells, (figure, COURSE), (figure, "what-is-a-union")), figure


def test_a_sum_over_quizzes_is_hidden_when_fewer_than_k_may_be_behind_it(app: Flask) -> None:
    """3 learners take every lesson's quiz: the course counts 24 learners, all of the same 3."""
    ids = add_starters(app, 3)
    for lesson in STARTER_LESSON_SLUGS:
        add_quiz_takers(app, ids, [80] * 3, lesson=lesson)
    cells = fix(app)
    for figure in ("learners", "passed", "attempts"):
        assert cells[(NOVEMBER, SLUG, ALL, figure, COURSE)] == (24, Hidden.PROTECTING), figure


SITE_FIGURES = (("started", ""), ("completed", ""), ("learners", COURSE), ("passed", COURSE))


def add_course_finishers(app: Flask, course: str, finished: int, stopped: int = 0) -> None:
    """Learners who started a course in November: ``finished`` completed it and passed its first quiz, the
    others (``stopped``) did neither."""
    ids = add_starters(app, finished, lessons_done=8, completed_on=IN_NOVEMBER, course=course)
    ids += add_starters(app, stopped, course=course)
    add_quiz_takers(app, ids, [80] * finished + [40] * stopped, course=course)


def test_a_small_course_is_not_given_away_by_the_site_less_the_other_courses(app: Flask) -> None:
    for course, learners in ((SLUG, 3), ("second", 10), ("third", 10)):
        add_course_finishers(app, course, learners)
    cells = fix(app, catalogue=the_starter_course_and_copies(app, "second", "third"))
    for figure, item in SITE_FIGURES:
        assert why_hidden(cells, figure, item) is Hidden.SMALL
        shown = [why_hidden(cells, figure, "", course=ALL) is None] + [
            why_hidden(cells, figure, item, course=course) is None for course in ("second", "third")]
        assert not all(shown), figure


def test_a_site_figure_is_hidden_when_fewer_than_k_may_be_behind_it(app: Flask) -> None:
    """3 learners in each of three courses: the site counts 9, perhaps the same 3 people."""
    for course in (SLUG, "second", "third"):
        add_course_finishers(app, course, 3)
    cells = fix(app, catalogue=the_starter_course_and_copies(app, "second", "third"))
    for figure, _ in SITE_FIGURES:
        assert cells[(NOVEMBER, ALL, ALL, figure, "")] == (9, Hidden.PROTECTING), figure


def test_the_sites_learners_who_did_not_complete_or_pass_are_not_given_away(app: Flask) -> None:
    """30 learners in three courses, 3 of whom did not complete the course or pass its quiz."""
    add_course_finishers(app, SLUG, 10)
    add_course_finishers(app, "second", 7, stopped=3)
    add_course_finishers(app, "third", 10)
    cells = fix(app, catalogue=the_starter_course_and_copies(app, "second", "third"))
    for whole, part in (("started", "completed"), ("learners", "passed")):
        assert cells[(NOVEMBER, ALL, ALL, whole, "")] == (30, None)  # nothing small in it
        assert not shown_together(cells, (whole, ""), (part, ""), course=ALL)
