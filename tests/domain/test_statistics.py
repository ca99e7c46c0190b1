"""Every figure of a period on hand-built data with known answers; aggregates equal a rebuild."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from course_app.db import get_session
from course_app.domain import aggregates, statistics
from course_app.domain.grading import grade
from course_app.domain.learners import create_learner, delete_learner, merge_into
from course_app.domain.periods import ALL, CourseShape, Period, compute_cells, life, month, week
from course_app.domain.periods import COURSE as COURSE_ITEM
from course_app.domain.progress import LessonPlace, record_lesson_completed, record_lesson_reached, record_quiz_attempt
from course_app.models import CourseProgress, LessonDay, QuizDay
from tests.conftest import make_app
from tests.domain.test_grading import QUIZ, RIGHT

COURSE = "c"
LESSONS = ("l1", "l2", "l3")


def place(lesson: str, course: str = COURSE) -> LessonPlace:
    return LessonPlace(course, lesson, len(LESSONS))


@pytest.fixture()
def session(tmp_path: Path):  # type: ignore[no-untyped-def]
    app = make_app(tmp_path)
    with app.app_context():
        yield get_session()


def learner_doing(session, start: date, reached: int, completed: int, lang: str = "en",  # type: ignore[no-untyped-def]
                  course: str = COURSE):
    learner = create_learner(session, start)
    for index, lesson in enumerate(LESSONS[:reached]):
        record_lesson_reached(session, learner, place(lesson, course), lang, start + timedelta(days=index))
        if index < completed:
            record_lesson_completed(session, learner, place(lesson, course), lang, start + timedelta(days=index))
    return learner


def someone_in_another_course(session, day: date) -> None:  # type: ignore[no-untyped-def]
    """A learner of another course, on the same days: no figure of COURSE may count them."""
    learner_doing(session, day, 3, 3, course="other")
    record_quiz_attempt(session, create_learner(session, day).id, place("l1", "other"), "en", grade(QUIZ, RIGHT), day)


SHAPE = CourseShape(COURSE, (("m:1", LESSONS),))


def figures(session, period: Period, lang: str = ALL) -> dict[tuple[str, str], int]:  # type: ignore[no-untyped-def]
    """The course's true figures of a period, in one language (ALL: every one): (figure, item) → value (0 when no
    cell is stored)."""
    cells = compute_cells(session, [SHAPE], ["en", "ru", "be"], [period], None)
    return defaultdict(int, {(figure, item): value for (_, course, one_lang, figure, item, _q, _a), value
                             in cells.items() if course == COURSE and one_lang == lang})


def test_course_figures_funnel_and_median(session) -> None:  # type: ignore[no-untyped-def]
    jan = date(2026, 1, 5)
    learner_doing(session, jan, 3, 3)                    # completes on Jan 7
    learner_doing(session, jan, 3, 1)
    learner_doing(session, jan + timedelta(days=1), 1, 0, lang="ru")
    learner_doing(session, date(2026, 3, 1), 2, 2)       # outside January
    someone_in_another_course(session, jan)
    session.commit()
    january = figures(session, month(date(2026, 1, 1)))
    assert (january["started", ""], january["completed", ""]) == (3, 1)
    assert january["median_lessons", ""] == 10  # lessons done: 3, 1, 0
    assert figures(session, month(date(2026, 1, 1)), "ru")["started", ""] == 1
    assert [(january["reached", lesson], january["done", lesson]) for lesson in LESSONS] == [(3, 2), (2, 1), (2, 1)]
    assert (january["reached", "m:1"], january["reached", COURSE_ITEM]) == (7, 7)  # modules add up their lessons
    russian = figures(session, month(date(2026, 1, 1)), "ru")
    assert [(russian["reached", lesson], russian["done", lesson]) for lesson in LESSONS] == [(1, 0), (0, 0), (0, 0)]
    whole_year = figures(session, life(date(2026, 12, 1)))
    assert whole_year["started", ""] == 4
    assert whole_year["median_lessons", ""] == 15  # 0, 1, 2, 3


def test_median_helper() -> None:
    assert statistics.median([]) is None
    assert statistics.median([(4, 1)]) == 4
    assert statistics.median([(1, 2), (5, 1)]) == 1
    assert statistics.median([(1, 2), (5, 2)]) == 3


def test_weekly_figures(session) -> None:  # type: ignore[no-untyped-def]
    monday = date(2026, 4, 13)
    learner_doing(session, monday + timedelta(days=1), 3, 3)    # starts this week, completes Apr 16
    learner_doing(session, monday - timedelta(days=13), 3, 3)   # two weeks before: Mar 31, completes Apr 2
    learner_doing(session, monday - timedelta(days=200), 1, 0)  # long before
    someone_in_another_course(session, monday - timedelta(days=13))
    session.commit()
    weeks = [figures(session, week(monday - timedelta(weeks=back))) for back in (2, 1, 0)]
    assert [(one["started", ""], one["completed", ""]) for one in weeks] == [(1, 1), (0, 0), (1, 1)]


def test_quiz_figures(session) -> None:  # type: ignore[no-untyped-def]
    day = date(2026, 2, 2)
    wrong = {**RIGHT, "one": "b", "tf": "true", "many": []}  # 2 of 5: 40%
    first = create_learner(session, day)
    record_quiz_attempt(session, first.id, place("l1"), "en", grade(QUIZ, wrong), day)
    record_quiz_attempt(session, first.id, place("l1"), "en", grade(QUIZ, RIGHT), day + timedelta(days=3))
    second = create_learner(session, day)
    record_quiz_attempt(session, second.id, place("l1"), "en", grade(QUIZ, wrong), day)
    session.commit()
    record_quiz_attempt(session, create_learner(session, day).id, place("l1"), "be", grade(QUIZ, RIGHT), day)
    someone_in_another_course(session, day)
    session.commit()
    february = month(date(2026, 2, 1))
    english = figures(session, february, "en")
    assert (english["learners", "l1"], english["attempts", "l1"], english["passed", "l1"]) == (2, 3, 1)
    assert english["mean_score", "l1"] / english["learners", "l1"] == 70  # best scores 100 and 40
    assert [english[f"band{index}", "l1"] for index in range(3)] == [1, 0, 1]  # 40: 0–49; 100: 80–100
    every_language = figures(session, february)
    assert (every_language["learners", "l1"], every_language["attempts", "l1"], every_language["passed", "l1"]) == (
        3, 4, 2)


def _counters(session) -> tuple[list, list, list]:  # type: ignore[no-untyped-def]
    lessons = sorted((r.course_slug, r.day, r.lesson_slug, r.lang, r.reached, r.completed)
                     for r in session.scalars(select(LessonDay)) if r.reached or r.completed)
    quizzes = sorted((r.course_slug, r.day, r.lesson_slug, r.lang, r.learners, r.attempts, r.passed, r.best_score_sum)
                     for r in session.scalars(select(QuizDay)) if r.learners or r.attempts)
    courses = sorted((r.learner_id, r.course_slug, r.lang, r.started_on, r.lessons_done, r.completed_on)
                     for r in session.scalars(select(CourseProgress)))
    return lessons, quizzes, courses


def test_incremental_aggregates_equal_a_rebuild_after_any_mix_of_changes(session) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(7)
    base = date(2026, 5, 1)
    learners = [create_learner(session, base) for _ in range(12)]
    for _ in range(120):
        learner = rng.choice(learners)
        day = base + timedelta(days=rng.randrange(30))
        lesson = rng.choice(LESSONS)
        action = rng.random()
        if action < 0.4:
            record_lesson_reached(session, learner, place(lesson), rng.choice(["en", "ru"]), day)
        elif action < 0.7:
            record_lesson_completed(session, learner, place(lesson), "en", day)
        else:
            answers = RIGHT if rng.random() < 0.5 else {**RIGHT, "one": "c", "tf": "true", "many": []}
            record_quiz_attempt(session, learner.id, place(lesson), "be", grade(QUIZ, answers), day)
    merge_into(session, learners[0], learners[1], {COURSE: len(LESSONS)})
    merge_into(session, learners[2], learners[3], {COURSE: len(LESSONS)})
    delete_learner(session, learners[4])
    delete_learner(session, learners[1])
    session.commit()
    incremental = _counters(session)
    aggregates.rebuild_all(session, {COURSE: len(LESSONS)})
    session.commit()
    assert incremental == _counters(session)
    assert incremental[0] and incremental[1] and incremental[2]
