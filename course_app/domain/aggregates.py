"""Keeping the dashboard's aggregates equal to what the progress rows say.

Every change to a learner's progress rows goes with a call here: ``lesson_changed`` and
``quiz_changed`` move the anonymous daily counters by the difference between a row's old
and new state; ``refresh_course_progress`` recomputes one learner's standing in one course.
Deleting or merging a learner first ``retract``s everything their rows contributed.
``rebuild_all`` recomputes every aggregate from the rows (for repairs and generated data).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select
from sqlalchemy.orm import Session

from ..db import add_to_counter, add_to_counters, insert_or_replace, table
from ..driver_statements import DriverStatement
from ..models import CourseProgress, LessonDay, LessonProgress, QuizDay, QuizProgress


@dataclass(frozen=True)
class LessonSnapshot:
    course_slug: str
    lesson_slug: str
    lang: str
    reached_on: date
    completed_on: date | None

    @classmethod
    def of(cls, row: LessonProgress) -> LessonSnapshot:
        return cls(row.course_slug, row.lesson_slug, row.lang, row.reached_on, row.completed_on)


@dataclass(frozen=True)
class QuizSnapshot:
    course_slug: str
    lesson_slug: str
    lang: str
    first_attempt_on: date
    attempts: int
    passed: bool
    best_score: int

    @classmethod
    def of(cls, row: QuizProgress) -> QuizSnapshot:
        return cls(row.course_slug, row.lesson_slug, row.lang, row.first_attempt_on, row.attempts,
                   row.passed_on is not None, row.best_score)


def _lesson_deltas(snapshot: LessonSnapshot, sign: int) -> Iterable[tuple[dict[str, Any], dict[str, int]]]:
    base = {"course_slug": snapshot.course_slug, "lesson_slug": snapshot.lesson_slug, "lang": snapshot.lang}
    yield {**base, "day": snapshot.reached_on}, {"reached": sign}
    if snapshot.completed_on is not None:
        yield {**base, "day": snapshot.completed_on}, {"completed": sign}


def _quiz_deltas(snapshot: QuizSnapshot, sign: int) -> Iterable[tuple[dict[str, Any], dict[str, int]]]:
    key = {"course_slug": snapshot.course_slug, "lesson_slug": snapshot.lesson_slug, "lang": snapshot.lang,
           "day": snapshot.first_attempt_on}
    yield key, {"learners": sign, "attempts": sign * snapshot.attempts, "passed": sign * int(snapshot.passed),
                "best_score_sum": sign * snapshot.best_score}


def lesson_changed(session: Session, before: LessonSnapshot | None, after: LessonSnapshot | None) -> None:
    """Move the lesson counters from a row's old state to its new one (None: no row), in one statement."""
    add_lesson_changes(session, [(before, after)])


def add_lesson_changes(session: Session,
                       changes: Sequence[tuple[LessonSnapshot | None, LessonSnapshot | None]]) -> None:
    """Move the lesson counters for several rows' changes at once, in one statement."""
    deltas = [delta for before, after in changes
              for delta in (*(_lesson_deltas(before, -1) if before else ()),
                            *(_lesson_deltas(after, +1) if after else ()))]
    add_to_counters(session, LessonDay, deltas)


def quiz_changed(session: Session, before: QuizSnapshot | None, after: QuizSnapshot | None) -> None:
    """Move the quiz counters from a row's old state to its new one (None: no row), in one statement."""
    changes = [*(_quiz_deltas(before, -1) if before else ()), *(_quiz_deltas(after, +1) if after else ())]
    add_to_counters(session, QuizDay, changes)


_LESSONS = table(LessonProgress).c
_COURSE_LESSONS = DriverStatement(select(
    _LESSONS.reached_on, _LESSONS.lesson_slug, _LESSONS.lang, _LESSONS.completed_on).where(
    _LESSONS.learner_id == bindparam("learner_id"), _LESSONS.course_slug == bindparam("course_slug")))


def refresh_course_progress(session: Session, learner_id: str, course_slug: str, lesson_count: int,
                            rows: Sequence[tuple[date, str, str, date | None]] | None = None) -> None:
    """Recompute one learner's standing in one course from their lesson rows (read here unless given:
    reached day, lesson, language and completed day of each)."""
    session.flush()
    connection = session.connection()
    if rows is None:
        rows = [tuple(row) for row in _COURSE_LESSONS.rows(
            connection, {"learner_id": learner_id, "course_slug": course_slug})]
    if not rows:
        connection.execute(delete(CourseProgress).where(CourseProgress.learner_id == learner_id,
                                                        CourseProgress.course_slug == course_slug))
        return
    reached_on, _lesson, lang, _done = min(rows, key=lambda row: (row[0], row[1]))
    done = [row[3] for row in rows if row[3] is not None]
    standing = {"lang": lang, "started_on": reached_on, "lessons_done": len(done),
                "completed_on": max(done) if done and len(done) >= lesson_count else None}
    insert_or_replace(session, CourseProgress, ("learner_id", "course_slug"), tuple(standing)).run(
        connection, {"learner_id": learner_id, "course_slug": course_slug, **standing})
    # Rows this session loaded before are stale now.
    current = session.identity_map.get(session.identity_key(CourseProgress, (learner_id, course_slug)))
    if current is not None:
        session.expire(current)


def retract_learner(session: Session, learner_id: str) -> set[str]:
    """Take everything a learner's rows add to the daily counters back out; returns their courses."""
    lessons = session.scalars(select(LessonProgress).where(LessonProgress.learner_id == learner_id)).all()
    add_to_counters(session, LessonDay, (d for row in lessons for d in _lesson_deltas(LessonSnapshot.of(row), -1)))
    quizzes = session.scalars(select(QuizProgress).where(QuizProgress.learner_id == learner_id)).all()
    add_to_counters(session, QuizDay, (d for row in quizzes for d in _quiz_deltas(QuizSnapshot.of(row), -1)))
    return {row.course_slug for row in lessons}


def contribute_learner(session: Session, learner_id: str, lesson_counts: Mapping[str, int]) -> None:
    """Add a learner's rows to the daily counters and recompute their course standings."""
    lessons = session.scalars(select(LessonProgress).where(LessonProgress.learner_id == learner_id)).all()
    add_to_counters(session, LessonDay, (d for row in lessons for d in _lesson_deltas(LessonSnapshot.of(row), +1)))
    quizzes = session.scalars(select(QuizProgress).where(QuizProgress.learner_id == learner_id)).all()
    add_to_counters(session, QuizDay, (d for row in quizzes for d in _quiz_deltas(QuizSnapshot.of(row), +1)))
    session.execute(delete(CourseProgress).where(CourseProgress.learner_id == learner_id))
    for course_slug in {row.course_slug for row in lessons}:
        refresh_course_progress(session, learner_id, course_slug, lesson_counts.get(course_slug, 0))


def rebuild_all(session: Session, lesson_counts: Mapping[str, int]) -> None:
    """Recompute every aggregate from the progress rows, in bulk SQL."""
    session.execute(delete(LessonDay))
    session.execute(delete(QuizDay))
    session.execute(delete(CourseProgress))
    reached = select(LessonProgress.course_slug, LessonProgress.reached_on.label("day"), LessonProgress.lesson_slug,
                     LessonProgress.lang, func.count().label("reached"), func.sum(0).label("completed")
                     ).group_by(LessonProgress.course_slug, LessonProgress.reached_on, LessonProgress.lesson_slug,
                                LessonProgress.lang)
    session.execute(insert(LessonDay).from_select(
        ["course_slug", "day", "lesson_slug", "lang", "reached", "completed"], reached))
    completed = session.execute(
        select(LessonProgress.course_slug, LessonProgress.completed_on, LessonProgress.lesson_slug,
               LessonProgress.lang, func.count())
        .where(LessonProgress.completed_on.is_not(None))
        .group_by(LessonProgress.course_slug, LessonProgress.completed_on, LessonProgress.lesson_slug,
                  LessonProgress.lang)).all()
    for course_slug, day, lesson_slug, lang, count in completed:
        add_to_counter(session, LessonDay, {"course_slug": course_slug, "day": day, "lesson_slug": lesson_slug,
                                     "lang": lang}, {"completed": count})
    quizzes = select(QuizProgress.course_slug, QuizProgress.first_attempt_on.label("day"), QuizProgress.lesson_slug,
                     QuizProgress.lang, func.count(), func.sum(QuizProgress.attempts),
                     func.count(QuizProgress.passed_on), func.sum(QuizProgress.best_score)
                     ).group_by(QuizProgress.course_slug, QuizProgress.first_attempt_on, QuizProgress.lesson_slug,
                                QuizProgress.lang)
    session.execute(insert(QuizDay).from_select(
        ["course_slug", "day", "lesson_slug", "lang", "learners", "attempts", "passed", "best_score_sum"], quizzes))
    _rebuild_course_progress(session, lesson_counts)
    session.flush()


def _rebuild_course_progress(session: Session, lesson_counts: Mapping[str, int]) -> None:
    """One row per learner and course: first day, the language of the first lesson, lessons done."""
    per_learner = (
        select(LessonProgress.learner_id, LessonProgress.course_slug,
               func.min(LessonProgress.reached_on).label("started_on"),
               func.count(LessonProgress.completed_on).label("lessons_done"),
               func.max(LessonProgress.completed_on).label("last_done"))
        .group_by(LessonProgress.learner_id, LessonProgress.course_slug)
    ).subquery()
    ordered = select(
        LessonProgress.learner_id, LessonProgress.course_slug, LessonProgress.lang,
        func.row_number().over(partition_by=(LessonProgress.learner_id, LessonProgress.course_slug),
                               order_by=(LessonProgress.reached_on, LessonProgress.lesson_slug)).label("position"),
    ).subquery()
    first_lang = select(ordered.c.learner_id, ordered.c.course_slug, ordered.c.lang).where(
        ordered.c.position == 1).subquery()
    joined = select(per_learner, first_lang.c.lang).join(
        first_lang, (first_lang.c.learner_id == per_learner.c.learner_id)
        & (first_lang.c.course_slug == per_learner.c.course_slug))
    rows = []
    batch = 5000
    for row in session.execute(joined).all():
        total = lesson_counts.get(row.course_slug, 0)
        rows.append({"learner_id": row.learner_id, "course_slug": row.course_slug, "lang": row.lang,
                     "started_on": row.started_on, "lessons_done": row.lessons_done,
                     "completed_on": row.last_done if total and row.lessons_done >= total else None})
        if len(rows) >= batch:
            session.execute(insert(CourseProgress), rows)
            rows = []
    if rows:
        session.execute(insert(CourseProgress), rows)
