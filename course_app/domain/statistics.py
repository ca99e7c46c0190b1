"""Aggregate statistics for coordinators, read from the maintained aggregates (never per learner).

Definitions (also in docs/statistics.md):

- a learner **started** a course on the day they first opened one of its lessons;
- a learner **completed** a course when every lesson it has was completed (on the last one's day);
- the **cohort** of a date range is the learners who started the course within it; "completed",
  "completion rate" and "median lessons done" describe that cohort as it stands today;
- a lesson was **reached** on the day a learner first opened it and **completed** on the day it
  was marked done or its quiz passed; the funnel counts those days within the range;
- a quiz's figures describe the learners whose first attempt fell within the range: how many,
  their attempts, how many have passed, and the mean of their best scores;
- the language of a learner's course is the language of the first lesson they opened in it;
- a **read** is one opening of a lesson page, by anyone (crawlers that say so excepted), counted
  with no reader attached; since reading creates no learner, "started" means a learner's first
  action in the course from the day ``reading_change_day`` returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from typing import Any, TypeVar, Unpack

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.orm import Session

from ..models import CourseProgress, LessonDay, LessonReadDay, QuizDay, SiteEvent

TREND_WEEKS = 12
S = TypeVar("S", bound="Select[Unpack[tuple[Any, ...]]]")


@dataclass(frozen=True)
class Filters:
    """What a coordinator asked for: a date range (inclusive) and perhaps one language."""

    start: date
    end: date
    lang: str | None = None


@dataclass(frozen=True)
class CourseFigures:
    started: int
    completed: int
    median_lessons_done: float | None


@dataclass(frozen=True)
class LessonFigures:
    lesson_slug: str
    reached: int
    completed: int


@dataclass(frozen=True)
class QuizFigures:
    lesson_slug: str
    learners: int
    attempts: int
    passed: int
    best_score_sum: int

    @property
    def mean_best_score(self) -> float | None:
        return self.best_score_sum / self.learners if self.learners else None


@dataclass(frozen=True)
class WeekFigures:
    week_start: date
    started: int
    completed: int


def _language(statement: S, column: ColumnElement[str] | InstrumentedAttribute[str], lang: str | None) -> S:
    """``statement`` limited to one language, when one is chosen."""
    return statement.where(column == lang) if lang else statement


def median(distribution: Sequence[tuple[int, int]]) -> float | None:
    """The median of values given as (value, how many) pairs."""
    total = sum(count for _, count in distribution)
    if total == 0:
        return None
    ordered = sorted(distribution)
    positions = ((total - 1) // 2, total // 2)
    found = []
    seen = 0
    for value, count in ordered:
        for position in positions:
            if seen <= position < seen + count:
                found.append(value)
        seen += count
    return sum(found) / len(found)


def course_figures(session: Session, course_slug: str, filters: Filters) -> CourseFigures:
    """The cohort that started in the range: how many, how many completed, median lessons done."""
    statement = _language(
        select(CourseProgress.lessons_done, CourseProgress.completed_on.is_not(None), func.count())
        .where(CourseProgress.course_slug == course_slug,
               CourseProgress.started_on.between(filters.start, filters.end))
        .group_by(CourseProgress.lessons_done, CourseProgress.completed_on.is_not(None)),
        CourseProgress.lang, filters.lang)
    rows = session.execute(statement).all()
    started = sum(count for _, _, count in rows)
    completed = sum(count for _, done, count in rows if done)
    distribution: dict[int, int] = {}
    for lessons_done, _, count in rows:
        distribution[lessons_done] = distribution.get(lessons_done, 0) + count
    return CourseFigures(started, completed, median(list(distribution.items())))


def lesson_funnel(session: Session, course_slug: str, lesson_slugs: Sequence[str],
                  filters: Filters) -> list[LessonFigures]:
    """Per lesson, in course order: learners who first reached it, and who completed it, in the range."""
    statement = _language(
        select(LessonDay.lesson_slug, func.sum(LessonDay.reached), func.sum(LessonDay.completed))
        .where(LessonDay.course_slug == course_slug, LessonDay.day.between(filters.start, filters.end))
        .group_by(LessonDay.lesson_slug),
        LessonDay.lang, filters.lang)
    found = {slug: (int(reached or 0), int(completed or 0)) for slug, reached, completed in session.execute(statement)}
    return [LessonFigures(slug, *found.get(slug, (0, 0))) for slug in lesson_slugs]


def lesson_reads(session: Session, course_slug: str, filters: Filters) -> dict[str, int]:
    """Per lesson: how many times its page was read on days in the range (anonymous counts)."""
    statement = _language(
        select(LessonReadDay.lesson_slug, func.sum(LessonReadDay.reads))
        .where(LessonReadDay.course_slug == course_slug, LessonReadDay.day.between(filters.start, filters.end))
        .group_by(LessonReadDay.lesson_slug),
        LessonReadDay.lang, filters.lang)
    return {slug: int(reads or 0) for slug, reads in session.execute(statement)}


READING_CHANGE = "reading-creates-no-learner"


def reading_change_day(session: Session) -> date | None:
    """The day from which reading alone no longer creates a learner (the upgrade that made it so)."""
    return session.scalar(select(SiteEvent.day).where(SiteEvent.name == READING_CHANGE))


def quiz_figures(session: Session, course_slug: str, lesson_slugs: Sequence[str],
                 filters: Filters) -> list[QuizFigures]:
    """Per quiz, in course order: the learners whose first attempt fell in the range."""
    statement = _language(
        select(QuizDay.lesson_slug, func.sum(QuizDay.learners), func.sum(QuizDay.attempts), func.sum(QuizDay.passed),
               func.sum(QuizDay.best_score_sum))
        .where(QuizDay.course_slug == course_slug, QuizDay.day.between(filters.start, filters.end))
        .group_by(QuizDay.lesson_slug),
        QuizDay.lang, filters.lang)
    found = {row[0]: tuple(int(value or 0) for value in row[1:]) for row in session.execute(statement)}
    return [QuizFigures(slug, *found.get(slug, (0, 0, 0, 0))) for slug in lesson_slugs]


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly_trend(session: Session, course_slug: str, today: date, lang: str | None,
                 weeks: int = TREND_WEEKS) -> list[WeekFigures]:
    """Starts and completions per week (Monday to Sunday), the last ``weeks`` weeks up to today."""
    first = week_start(today) - timedelta(weeks=weeks - 1)
    starts = session.execute(_language(
        select(CourseProgress.started_on, func.count())
        .where(CourseProgress.course_slug == course_slug, CourseProgress.started_on.between(first, today))
        .group_by(CourseProgress.started_on), CourseProgress.lang, lang)).all()
    completions = session.execute(_language(
        select(CourseProgress.completed_on, func.count())
        .where(CourseProgress.course_slug == course_slug, CourseProgress.completed_on.between(first, today))
        .group_by(CourseProgress.completed_on), CourseProgress.lang, lang)).all()
    started: dict[date, int] = {}
    completed: dict[date, int] = {}
    for start_day, count in starts:
        started[week_start(start_day)] = started.get(week_start(start_day), 0) + count
    for completion_day, count in completions:
        if completion_day is not None:
            completed[week_start(completion_day)] = completed.get(week_start(completion_day), 0) + count
    mondays = [first + timedelta(weeks=index) for index in range(weeks)]
    return [WeekFigures(monday, started.get(monday, 0), completed.get(monday, 0)) for monday in mondays]
