"""Ended periods: which exist, that their figures stay fixed, and the true value of every stored figure of the
registry on hand-built data with known answers (rounding is applied when figures are published: see
test_disclosure.py and tests/staff/test_dashboard.py)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import insert, select

from course_app.content import current_catalogue
from course_app.db import get_session
from course_app.domain.figures import STORED
from course_app.domain.learners import delete_learner
from course_app.domain.periods import (
    ALL,
    COURSE,
    LIFE_START,
    CellKey,
    Period,
    closed_periods,
    first_figures_day,
    fix_closed_periods,
    fix_closed_periods_once,
    fixed_periods,
    last_closed_month,
    life,
    month,
    parse_period,
    week,
)
from course_app.domain.synthetic import generate_progress
from course_app.models import (
    AnswerTally,
    CourseProgress,
    Learner,
    LessonDay,
    LessonProgress,
    LessonReadDay,
    QuizProgress,
    StatsCell,
    StatsPeriod,
)
from course_app.models.answers import tally_day
from tests.conftest import STARTER_LESSON_SLUGS

TODAY = date(2026, 12, 2)  # a Wednesday


def test_only_ended_weeks_months_and_lives_exist() -> None:
    assert parse_period("2026-11", TODAY) == Period(date(2026, 11, 30), 1, date(2026, 11, 1), "month", "2026-11")
    assert parse_period("2026-W48", TODAY).start == date(2026, 11, 23)  # type: ignore[union-attr]
    assert parse_period("life-2026-11", TODAY).end == date(2026, 11, 30)  # type: ignore[union-attr]
    # Still running, or not a period at all: nothing.
    for key in ("2026-12", "2026-W49", "life-2026-12", "2027-01", "2026-13", "2026-W54", "2026-11-01", "",
                "2026-11 ", "life-2026-W40", "9999-99", "2026-00", "until-upgrade"):
        assert parse_period(key, TODAY) is None, key
    assert last_closed_month(TODAY).key == "2026-11"
    periods = closed_periods(date(2026, 10, 28), TODAY)
    assert [period.key for period in periods] == [
        "2026-10", "life-2026-10", "2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48", "2026-11",
        "life-2026-11"]


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
    assert month(date(2026, 6, 1)).contains(week(date(2026, 6, 1)))
    assert life(date(2026, 6, 1)).contains(life_of_may) and not life_of_may.contains(life(date(2026, 6, 1)))


def test_a_new_site_is_told_the_day_its_first_figures_appear() -> None:
    """The day after the first week or month holding activity ends, whichever ends first."""
    assert first_figures_day(date(2026, 12, 2), TODAY) == date(2026, 12, 7)  # Wednesday: the week ends on Sunday
    assert first_figures_day(date(2026, 11, 30), TODAY) == date(2026, 12, 1)  # a Monday, the month's last day
    assert first_figures_day(None, date(2026, 12, 29)) == date(2027, 1, 1)  # nobody yet: as if they came today


def test_answer_counters_count_spans_of_days_within_one_week_and_one_month() -> None:
    """An answer is counted under the first day of its span: a Monday, or the 1st of a month inside a week."""
    assert tally_day(date(2026, 11, 26)) == date(2026, 11, 23)  # a Thursday: its week's Monday
    assert tally_day(date(2026, 11, 30)) == date(2026, 11, 30)  # Monday 30 November: its week starts in November…
    assert tally_day(date(2026, 12, 2)) == date(2026, 12, 1)    # …but from 1 December on, December's span
    assert tally_day(date(2026, 12, 6)) == date(2026, 12, 1)
    assert tally_day(date(2026, 12, 7)) == date(2026, 12, 7)


# -- fixed once ----------------------------------------------------------------------------------------

def fixed_cells(app: Flask) -> dict[CellKey, int]:
    with app.app_context():
        return {(row.period_key, row.course_slug, row.lang, row.figure, row.item, row.question, row.answer): row.value
                for row in get_session().scalars(select(StatsCell))}


def fill(app: Flask, seed: int, learners: int) -> None:
    """Random synthetic learners over ten weeks, written through the real code, and random reads."""
    rng = random.Random(seed)
    with app.app_context():
        session = get_session()
        generate_progress(session, current_catalogue().courses, learners=learners, lesson_rows=learners * 6,
                          today=TODAY - timedelta(days=1), days=70, seed=seed)
        course = current_catalogue().courses[0]
        reads: dict[tuple[str, date, str, str], int] = {}
        for _ in range(learners * 2):
            key = (course.slug, TODAY - timedelta(days=rng.randrange(1, 70)), rng.choice(course.lessons).slug,
                   rng.choice(course.languages))
            reads[key] = reads.get(key, 0) + rng.randrange(1, 4)
        session.execute(insert(LessonReadDay), [{"course_slug": c, "day": d, "lesson_slug": s, "lang": lang,
                                                 "reads": n} for (c, d, s, lang), n in reads.items()])
        session.commit()


def test_a_fixed_period_does_not_change_when_learners_delete_everything(app: Flask) -> None:
    fill(app, 1, 80)
    with app.app_context():
        session = get_session()
        langs = app.config["LANGUAGES"]
        assert fix_closed_periods(session, current_catalogue(), langs, TODAY) > 0
        session.commit()
    before = fixed_cells(app)
    assert {key[3] for key in before} >= {figure.name for figure in STORED}  # every stored figure of the registry
    with app.app_context():
        session = get_session()
        for learner in session.scalars(select(Learner)).all():
            delete_learner(session, learner)
        session.commit()
        assert fix_closed_periods(session, current_catalogue(), langs, TODAY) == 0  # nothing new has ended
        session.commit()
    assert fixed_cells(app) == before
    # A week later one more week has ended: it is fixed from what is left (nobody), the others stay.
    with app.app_context():
        session = get_session()
        assert fix_closed_periods(session, current_catalogue(), langs, TODAY + timedelta(days=7)) == 1
        session.commit()
    after = fixed_cells(app)
    assert {key: value for key, value in after.items() if key in before} == before


def test_random_data_keeps_every_part_within_its_whole(app: Flask) -> None:
    """Over random learners, in every fixed period and language: completed ≤ started, done ≤ reached, the
    period's starters who reached a lesson ≤ started, passed ≤ learners, bands add up to learners, right ≤
    answered; so no share the page shows can be above 100 %."""
    fill(app, 3, 250)
    with app.app_context():
        fix_closed_periods(get_session(), current_catalogue(), app.config["LANGUAGES"], TODAY)
        get_session().commit()
    cells = fixed_cells(app)

    def value(key: tuple[str, ...], figure: str, item: str = "", question: str = "") -> int:
        period, course, lang = key
        return cells.get((period, course, lang, figure, item, question, ""), 0)

    places = {key[:3] for key in cells if key[1]}
    lessons = {key[4] for key in cells if key[3] == "reached" and key[4] not in ("", COURSE)}
    assert len(places) > 50 and lessons
    for place in places:
        assert value(place, "completed") <= value(place, "started")
        for lesson in lessons:
            assert value(place, "done", lesson) <= value(place, "reached", lesson)
            assert value(place, "cohort_reached", lesson) <= value(place, "started")
            assert value(place, "passed", lesson) <= value(place, "learners", lesson)
            assert sum(value(place, f"band{index}", lesson) for index in range(3)) == value(place, "learners", lesson)
    questions = {key[4:6] for key in cells if key[3] == "answered"}
    assert questions
    for place in places:
        for lesson, question in questions:
            assert value(place, "correct", lesson, question) <= value(place, "answered", lesson, question)


# -- known figures: rows written straight into the tables the sources read ---------------------------------

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


def add_lessons(app: Flask, ids: list[str], lesson: str, reached: date, completed: date | None = None, *,
                lang: str = "en", course: str = SLUG) -> None:
    add_rows(app, LessonProgress, [{"learner_id": id_, "course_slug": course, "lesson_slug": lesson, "lang": lang,
                                    "reached_on": reached, "completed_on": completed} for id_ in ids])


def fix(app: Flask, today: date = TODAY) -> dict[CellKey, int]:
    """Fix every period ended before ``today`` and return every fixed cell."""
    with app.app_context():
        session = get_session()
        fix_closed_periods(session, current_catalogue(), app.config["LANGUAGES"], today)
        session.commit()
    return fixed_cells(app)


def values_of(cells: Mapping[CellKey, int], period: str, figure: str, item: str = "", course: str = SLUG,
              question: str = "", answer: str = "") -> dict[str, int]:
    """A figure's true value in all languages together ("all") and in each one (0 when not stored)."""
    return {lang or "all": cells.get((period, course, lang, figure, item, question, answer), 0)
            for lang in (ALL, "en", "ru", "be")}


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
    # Medians, times ten: all 1,1,1,1,1,5,8,8,8 -> 1; en 1,1,1,5,8,8,8 -> 5; ru 1,1 -> 1; be: nobody, no median.
    assert values_of(cells, NOVEMBER, "median_lessons") == {"all": 10, "en": 50, "ru": 10, "be": 0}
    # The site's figures add up its courses (here, one), and keep the largest course as their fewest people.
    assert [cells[(NOVEMBER, ALL, ALL, figure, "", "", "")] for figure in ("started", "completed", "started.most")
            ] == [9, 2, 9]
    assert cells[("life-2026-11", ALL, ALL, "started", "", "", "")] == 13


def test_a_course_or_language_no_longer_offered_does_not_mix_into_the_figures_of_those_that_are(app: Flask) -> None:
    """Learners of a course no longer offered, who started on the same day in the same language, with a lesson
    of the same name and as many lessons done as some of this course's; and learners in a language the site no
    longer offers. None of them is counted in this course, nor stored for their own."""
    ids = [*add_starters(app, 1, lessons_done=0), *add_starters(app, 1, lessons_done=5),
           *add_starters(app, 1, lessons_done=9)]
    add_lessons(app, ids, "study-safely", IN_NOVEMBER)
    gone = add_starters(app, 2, lessons_done=0, course="labour-history")
    add_lessons(app, gone, "study-safely", IN_NOVEMBER, course="labour-history")
    add_starters(app, 2, lang="de", lessons_done=0)
    cells = fix(app)
    assert values_of(cells, NOVEMBER, "started") == {"all": 3, "en": 3, "ru": 0, "be": 0}
    # 0, 5 and 9 lessons done: a median of 5 (times ten). With the others it would read 0 (0, 0, 0, 5, 9).
    assert values_of(cells, NOVEMBER, "median_lessons") == {"all": 50, "en": 50, "ru": 0, "be": 0}
    assert values_of(cells, NOVEMBER, "cohort_reached", "study-safely") == {"all": 3, "en": 3, "ru": 0, "be": 0}
    assert [key for key in cells if "labour-history" in key or "de" in key] == []


def test_lesson_figures_follow_the_learners_who_reached_a_lesson_in_the_period(app: Flask) -> None:
    """Reached counts who first opened a lesson in the period; completed, those of them who have completed it
    since (so never more than reached); reads are anonymous openings, by day."""
    ten, two, six = add_starters(app, 10), add_starters(app, 2, lang="ru"), add_starters(app, 6, date(2026, 10, 14))
    add_lessons(app, ten[:8], "study-safely", IN_NOVEMBER, IN_NOVEMBER)
    add_lessons(app, ten[8:], "study-safely", IN_NOVEMBER)
    add_lessons(app, two, "study-safely", date(2026, 11, 11), lang="ru")
    # Six learners reached the second lesson in October and completed it in November: November counts them
    # nowhere (they reached it before), October counts them reached and completed.
    add_lessons(app, six, "what-is-a-union", date(2026, 10, 14), IN_NOVEMBER)
    add_rows(app, LessonReadDay, [
        {"course_slug": course, "lesson_slug": lesson, "day": day, "lang": lang, "reads": reads}
        for course, lesson, day, lang, reads in (
            (SLUG, "study-safely", IN_NOVEMBER, "en", 7), (SLUG, "study-safely", date(2026, 11, 11), "en", 3),
            (SLUG, "study-safely", date(2026, 10, 14), "en", 20),
            (SLUG, "freedom-of-association", date(2026, 11, 18), "ru", 4),
            # A course no longer offered, with a lesson of the same name: not counted anywhere.
            ("labour-history", "study-safely", IN_NOVEMBER, "en", 5))])
    cells = fix(app)
    nobody = {"all": 0, "en": 0, "ru": 0, "be": 0}
    assert values_of(cells, NOVEMBER, "reached", "study-safely") == {"all": 12, "en": 10, "ru": 2, "be": 0}
    assert values_of(cells, NOVEMBER, "done", "study-safely") == {"all": 8, "en": 8, "ru": 0, "be": 0}
    assert values_of(cells, NOVEMBER, "reached", "what-is-a-union") == nobody
    assert values_of(cells, NOVEMBER, "done", "what-is-a-union") == nobody
    assert values_of(cells, "2026-10", "done", "what-is-a-union") == {"all": 6, "en": 6, "ru": 0, "be": 0}
    # Modules and the course add up their lessons, and keep the largest lesson as their fewest people.
    assert values_of(cells, "2026-10", "done", "m:2") == {"all": 6, "en": 6, "ru": 0, "be": 0}
    assert values_of(cells, NOVEMBER, "reached", COURSE) == {"all": 12, "en": 10, "ru": 2, "be": 0}
    assert values_of(cells, "life-2026-11", "reached", COURSE)["all"] == 18
    assert values_of(cells, "life-2026-11", "reached.most", COURSE)["all"] == 12
    assert values_of(cells, NOVEMBER, "reads", "study-safely") == {"all": 10, "en": 10, "ru": 0, "be": 0}
    assert values_of(cells, NOVEMBER, "reads", "m:2") == {"all": 4, "en": 0, "ru": 4, "be": 0}
    assert values_of(cells, NOVEMBER, "reads", COURSE) == {"all": 14, "en": 10, "ru": 4, "be": 0}
    assert values_of(cells, "2026-10", "reads", COURSE) == {"all": 20, "en": 20, "ru": 0, "be": 0}
    # The period's starters who reached each lesson (in the course's language).
    assert values_of(cells, NOVEMBER, "cohort_reached", "study-safely") == {"all": 12, "en": 10, "ru": 2, "be": 0}
    assert values_of(cells, "2026-10", "cohort_reached", "what-is-a-union")["all"] == 6


def test_the_median_counts_the_starters_of_a_periods_first_and_last_day(app: Flask) -> None:
    """2026-W45 runs from Monday 2 to Sunday 8 November."""
    add_starters(app, 1, date(2026, 11, 2), lessons_done=9)
    add_starters(app, 1, IN_NOVEMBER, lessons_done=0)
    add_starters(app, 1, date(2026, 11, 8), lessons_done=9)
    cells = fix(app)
    # 0, 9, 9: a median of 9 (times ten); without either end of the week it would read 4.5.
    assert values_of(cells, "2026-W45", "median_lessons") == {"all": 90, "en": 90, "ru": 0, "be": 0}


def test_lesson_figures_of_two_languages_on_the_same_day_stay_apart(app: Flask) -> None:
    english, russian = add_starters(app, 5), add_starters(app, 3, lang="ru")
    add_lessons(app, english, "study-safely", IN_NOVEMBER, IN_NOVEMBER)
    add_lessons(app, russian, "study-safely", IN_NOVEMBER, IN_NOVEMBER, lang="ru")
    cells = fix(app)
    for figure in ("reached", "done"):
        assert values_of(cells, NOVEMBER, figure, "study-safely") == {"all": 8, "en": 5, "ru": 3, "be": 0}


@pytest.fixture()
def week_of_second_lessons(app: Flask) -> dict[CellKey, int]:
    """W45's 49 starters all reached the first lesson; in W46 they and 2 of W44's starters reached the second."""
    earlier = add_starters(app, 2, date(2026, 10, 28))
    starters = add_starters(app, 49, date(2026, 11, 2))
    add_lessons(app, earlier, "study-safely", date(2026, 10, 28), date(2026, 10, 28))
    add_lessons(app, starters, "study-safely", date(2026, 11, 2), date(2026, 11, 2))
    add_lessons(app, starters + earlier, "what-is-a-union", date(2026, 11, 4))
    return fix(app)


def test_the_share_of_starters_of_a_week_cannot_pass_100_percent(
        app: Flask, week_of_second_lessons: dict[CellKey, int]) -> None:
    """Why a week once read "share of starters 102 %": it divided the learners who reached a lesson *in the week*
    by those who reached the *first* lesson in the same week, and learners who had started the week before went
    on to the later lesson this week. The share is now of the week's own starters, who cannot be more."""
    cells = week_of_second_lessons
    w45 = "2026-W45"
    # Learners who reached each lesson in the week: 49 the first, 51 the second — 104 % of the first.
    assert values_of(cells, w45, "reached", "study-safely")["all"] == 49
    assert values_of(cells, w45, "reached", "what-is-a-union")["all"] == 51
    # The share of starters is the week's 49 starters who reached it: 49 of 49, never 51 of 49.
    assert values_of(cells, w45, "started")["all"] == 49
    assert values_of(cells, w45, "cohort_reached", "what-is-a-union")["all"] == 49


def test_quiz_figures_and_bands_count_the_learners_first_trying_in_the_period(app: Flask) -> None:
    ids = add_starters(app, 8)
    scores = (0, 49, 50, 79, 80, 100, 60, 60)
    add_rows(app, QuizProgress, [
        {"learner_id": id_, "course_slug": SLUG, "lesson_slug": "study-safely", "lang": "en" if index < 6 else "ru",
         "attempts": 1 + index % 2, "best_score": score, "first_attempt_on": IN_NOVEMBER,
         "last_attempt_on": IN_NOVEMBER, "passed_on": IN_NOVEMBER if score >= 60 else None}
        for index, (id_, score) in enumerate(zip(ids, scores, strict=True))])
    cells = fix(app)
    for item in ("study-safely", COURSE):
        assert values_of(cells, NOVEMBER, "learners", item) == {"all": 8, "en": 6, "ru": 2, "be": 0}
        assert values_of(cells, NOVEMBER, "attempts", item) == {"all": 12, "en": 9, "ru": 3, "be": 0}
        assert values_of(cells, NOVEMBER, "passed", item) == {"all": 5, "en": 3, "ru": 2, "be": 0}
    # The score bands count each learner's best score, at the edges of the bands: 0-49, 50-79, 80-100.
    assert [values_of(cells, NOVEMBER, f"band{index}", "study-safely")["en"] for index in range(3)] == [2, 2, 2]
    # A mean is stored as the sum of the best scores (the rule divides by the learners when it publishes).
    assert values_of(cells, NOVEMBER, "mean_score", "study-safely") == {"all": 478, "en": 358, "ru": 120, "be": 0}
    # The site adds up every quiz of every course.
    assert cells[(NOVEMBER, ALL, ALL, "learners", "", "", "")] == 8


def test_quiz_figures_keep_days_and_lessons_apart_and_scores_of_0_add_nothing(app: Flask) -> None:
    """Learners alike in all but the day of their first attempt, or the lesson of the quiz, all scoring 0."""
    def tried(count: int, lesson: str, day: date) -> None:
        add_rows(app, QuizProgress, [
            {"learner_id": id_, "course_slug": SLUG, "lesson_slug": lesson, "lang": "en", "attempts": 1,
             "best_score": 0, "first_attempt_on": day, "last_attempt_on": day, "passed_on": None}
            for id_ in add_starters(app, count, day)])

    tried(2, "study-safely", IN_NOVEMBER)               # 2026-W45
    tried(3, "study-safely", date(2026, 11, 11))        # 2026-W46
    tried(4, "what-is-a-union", IN_NOVEMBER)
    cells = fix(app)
    assert [values_of(cells, week, "learners", "study-safely")["all"] for week in ("2026-W45", "2026-W46")] == [2, 3]
    assert values_of(cells, "2026-W45", "learners", "what-is-a-union")["all"] == 4
    assert values_of(cells, NOVEMBER, "band0", COURSE)["all"] == 9
    # A mean best score of 0 is a sum of 0: no cell is stored for it.
    assert [key for key in cells if key[3] == "mean_score"] == []


def test_answer_figures_count_the_spans_of_the_period(app: Flask) -> None:
    """Answer counters of a week and of a month: the week of 30 November to 6 December belongs to two months,
    and its two spans go to each."""
    add_starters(app, 1, date(2026, 11, 2))  # something to fix periods from
    rows = [("answered", date(2026, 11, 30), "en", 7), ("correct", date(2026, 11, 30), "en", 5),
            ("answered", date(2026, 12, 1), "ru", 4), ("a:b", date(2026, 12, 1), "ru", 3),
            ("answered", date(2026, 11, 2), "en", 10)]
    add_rows(app, AnswerTally, [{"course_slug": SLUG, "lesson_slug": "wages", "question_id": "q1", "lang": lang,
                                 "answer_key": key, "day": day, "count": count} for key, day, lang, count in rows])
    cells = fix(app, date(2027, 1, 2))
    assert values_of(cells, "2026-W49", "answered", "wages", question="q1") == {"all": 11, "en": 7, "ru": 4, "be": 0}
    assert values_of(cells, "2026-11", "answered", "wages", question="q1")["all"] == 17
    assert values_of(cells, "2026-12", "answered", "wages", question="q1")["all"] == 4
    assert values_of(cells, "2026-W49", "correct", "wages", question="q1")["all"] == 5
    assert values_of(cells, "2026-12", "chosen", "wages", question="q1", answer="b") == {
        "all": 3, "en": 0, "ru": 3, "be": 0}
    assert values_of(cells, "life-2026-12", "answered", "wages", question="q1")["all"] == 21


def test_active_learners_count_anyone_who_reached_completed_or_tried_a_quiz_once_per_period(app: Flask) -> None:
    def learners_who(count: int, reached: date, completed: date | None = None,
                     quiz: tuple[date, date] | None = None) -> None:
        ids = add_starters(app, count, reached)
        add_lessons(app, ids, "study-safely", reached, completed)
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
    learners_who(1, reached=date(2026, 11, 12))                             # another week of November
    # Reads in September make it a period of its own, with nobody active.
    add_rows(app, LessonReadDay, [{"course_slug": SLUG, "lesson_slug": "study-safely", "day": date(2026, 9, 9),
                                   "lang": "en", "reads": 9}])
    cells = fix(app)

    def active(period: str) -> int:
        return cells.get((period, ALL, ALL, "active", "", "", ""), 0)

    assert [active(period) for period in ("2026-09", "2026-10", NOVEMBER)] == [0, 11, 18]
    assert [active(period) for period in ("2026-W42", "2026-W45", "2026-W46")] == [11, 17, 1]
    assert [active(period) for period in ("life-2026-09", "life-2026-10", "life-2026-11")] == [0, 11, 23]


def active_in(cells: Mapping[CellKey, int], *periods: str) -> list[int]:
    return [cells.get((period, ALL, ALL, "active", "", "", ""), 0) for period in periods]


def test_a_month_fixed_on_a_day_no_week_ends_still_counts_its_active_learners(app: Flask) -> None:
    """Monday 30 November fixes the week before it; Tuesday 1 December fixes November alone (and its life)."""
    add_lessons(app, add_starters(app, 4, date(2026, 11, 18)), "study-safely", date(2026, 11, 18))
    assert active_in(fix(app, date(2026, 11, 30)), "2026-W47", NOVEMBER) == [4, 0]
    assert active_in(fix(app, date(2026, 12, 1)), "2026-W47", NOVEMBER, "life-2026-11") == [4, 4, 4]


def test_a_week_two_months_share_counts_its_own_active_learners(app: Flask) -> None:
    """2026-W44 runs from Monday 26 October to Sunday 1 November: the week November starts in."""
    add_lessons(app, add_starters(app, 2, date(2026, 10, 30)), "study-safely", date(2026, 10, 30))
    add_lessons(app, add_starters(app, 3, date(2026, 11, 1)), "study-safely", date(2026, 11, 1))
    assert active_in(fix(app), "2026-W44", "2026-10", NOVEMBER, "life-2026-11") == [5, 2, 3, 5]


@pytest.mark.parametrize("figures", ["course starts", "lesson days", "reads"])
def test_periods_are_fixed_from_the_first_day_any_figure_counts(app: Flask, figures: str) -> None:
    with app.app_context():
        session = get_session()
        assert fix_closed_periods(session, current_catalogue(), app.config["LANGUAGES"], TODAY) == 0  # nothing yet
        assert session.scalars(select(StatsPeriod)).all() == []
    row = {"course_slug": SLUG, "lesson_slug": "study-safely", "day": IN_NOVEMBER, "lang": "en"}
    if figures == "course starts":
        add_starters(app, 6)
    elif figures == "lesson days":
        add_rows(app, LessonDay, [{**row, "reached": 6, "completed": 6}])
    else:  # readers who never did anything else
        add_rows(app, LessonReadDay, [{**row, "reads": 6}])
    with app.app_context():
        session = get_session()
        # 2026-W45 (the week of 4 November) to 2026-W48, November and its life.
        assert fix_closed_periods(session, current_catalogue(), app.config["LANGUAGES"], TODAY) == 6


def test_fixing_once_commits_what_it_fixed(app: Flask) -> None:
    add_starters(app, 6)
    with app.app_context():
        session = get_session()
        assert fix_closed_periods_once(session, current_catalogue(), app.config["LANGUAGES"], TODAY) == 6
        session.rollback()
        assert len(session.scalars(select(StatsPeriod)).all()) == 6
        assert fix_closed_periods_once(session, current_catalogue(), app.config["LANGUAGES"], TODAY) == 0


def test_fixed_periods_are_listed_newest_first_a_life_before_its_month_before_its_last_week(app: Flask) -> None:
    add_starters(app, 6, date(2026, 5, 27))
    fix(app, today=date(2026, 6, 2))
    with app.app_context():
        assert fixed_periods(get_session()) == [life(date(2026, 5, 1)), month(date(2026, 5, 1)),
                                                week(date(2026, 5, 25))]


def test_every_lesson_of_the_starter_course_gets_its_cells(app: Flask) -> None:
    ids = add_starters(app, 5)
    for lesson in STARTER_LESSON_SLUGS:
        add_lessons(app, ids, lesson, IN_NOVEMBER, IN_NOVEMBER)
    cells = fix(app)
    assert [values_of(cells, NOVEMBER, "done", lesson)["all"] for lesson in STARTER_LESSON_SLUGS] == [5] * len(
        STARTER_LESSON_SLUGS)
    assert values_of(cells, NOVEMBER, "done", COURSE)["all"] == 5 * len(STARTER_LESSON_SLUGS)
    assert values_of(cells, NOVEMBER, "done.most", COURSE)["all"] == 5
