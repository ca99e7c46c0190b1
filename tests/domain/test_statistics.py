"""Every dashboard metric on hand-built data with known answers; aggregates equal a rebuild."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from course_app.db import get_session
from course_app.domain import aggregates, statistics
from course_app.domain.learners import create_learner, delete_learner, merge_into
from course_app.domain.progress import LessonPlace, record_lesson_completed, record_lesson_reached, record_quiz_attempt
from course_app.domain.grading import grade
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
    record_quiz_attempt(session, create_learner(session, day), place("l1", "other"), "en", grade(QUIZ, RIGHT), day)


def test_course_figures_funnel_and_median(session) -> None:  # type: ignore[no-untyped-def]
    jan = date(2026, 1, 5)
    learner_doing(session, jan, 3, 3)                    # completes on Jan 7
    learner_doing(session, jan, 3, 1)
    learner_doing(session, jan + timedelta(days=1), 1, 0, lang="ru")
    learner_doing(session, date(2026, 3, 1), 2, 2)       # outside January
    someone_in_another_course(session, jan)
    session.commit()
    january = statistics.Filters(date(2026, 1, 1), date(2026, 1, 31))
    figures = statistics.course_figures(session, COURSE, january)
    assert (figures.started, figures.completed) == (3, 1)
    assert figures.median_lessons_done == 1  # lessons done: 3, 1, 0
    assert statistics.course_figures(session, COURSE, statistics.Filters(date(2026, 1, 1), date(2026, 1, 31), "ru")
                                     ).started == 1
    funnel = statistics.lesson_funnel(session, COURSE, LESSONS, january)
    assert [(f.lesson_slug, f.reached, f.completed) for f in funnel] == [("l1", 3, 2), ("l2", 2, 1), ("l3", 2, 1)]
    russian = statistics.Filters(date(2026, 1, 1), date(2026, 1, 31), "ru")
    assert [(f.reached, f.completed) for f in statistics.lesson_funnel(session, COURSE, LESSONS, russian)
            ] == [(1, 0), (0, 0), (0, 0)]
    assert [(w.started, w.completed) for w in statistics.weekly_trend(session, COURSE, date(2026, 1, 31), "ru")
            if w.started or w.completed] == [(1, 0)]
    whole_year = statistics.Filters(date(2026, 1, 1), date(2026, 12, 31))
    assert statistics.course_figures(session, COURSE, whole_year).started == 4
    assert statistics.course_figures(session, COURSE, whole_year).median_lessons_done == 1.5  # 0,1,2,3


def test_median_helper() -> None:
    assert statistics.median([]) is None
    assert statistics.median([(4, 1)]) == 4
    assert statistics.median([(1, 2), (5, 1)]) == 1
    assert statistics.median([(1, 2), (5, 2)]) == 3


def test_weekly_trend(session) -> None:  # type: ignore[no-untyped-def]
    today = date(2026, 4, 15)  # a Wednesday
    learner_doing(session, today - timedelta(days=1), 3, 3)       # this week: starts; completes Apr 16 (future)
    learner_doing(session, today - timedelta(days=14), 3, 3)      # two weeks ago, completes 2 days later
    learner_doing(session, today - timedelta(days=200), 1, 0)     # long before
    someone_in_another_course(session, today - timedelta(days=14))
    session.commit()
    weeks = statistics.weekly_trend(session, COURSE, today, None)
    assert len(weeks) == 12 and weeks[-1].week_start == date(2026, 4, 13)
    assert [(w.started, w.completed) for w in weeks][-3:] == [(1, 1), (0, 0), (1, 0)]
    assert sum(w.started for w in weeks) == 2


def test_quiz_figures(session) -> None:  # type: ignore[no-untyped-def]
    day = date(2026, 2, 2)
    wrong = {**RIGHT, "one": "b", "tf": "true", "many": []}  # 2 of 5: 40%
    first = create_learner(session, day)
    record_quiz_attempt(session, first, place("l1"), "en", grade(QUIZ, wrong), day)
    record_quiz_attempt(session, first, place("l1"), "en", grade(QUIZ, RIGHT), day + timedelta(days=3))
    second = create_learner(session, day)
    record_quiz_attempt(session, second, place("l1"), "en", grade(QUIZ, wrong), day)
    session.commit()
    record_quiz_attempt(session, create_learner(session, day), place("l1"), "be", grade(QUIZ, RIGHT), day)
    someone_in_another_course(session, day)
    session.commit()
    [figure] = statistics.quiz_figures(session, COURSE, ["l1"], statistics.Filters(day, day, "en"))
    assert (figure.learners, figure.attempts, figure.passed) == (2, 3, 1)
    assert figure.mean_best_score == 70  # best scores 100 and 40
    [every_language] = statistics.quiz_figures(session, COURSE, ["l1"], statistics.Filters(day, day))
    assert (every_language.learners, every_language.attempts, every_language.passed) == (3, 4, 2)


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
            record_quiz_attempt(session, learner, place(lesson), "be", grade(QUIZ, answers), day)
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
