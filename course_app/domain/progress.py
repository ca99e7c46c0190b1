"""Recording what a learner does, and reading it back for their own page.

Dates are days (no times). Answer counters for educators are anonymous: they are keyed by
question and answer only, and only a learner's first meeting with each question is counted
(with a question bank, a retry asks questions they have not met yet), so the counters describe
what people understood before seeing the explanations.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import Connection, Integer, bindparam, cast, literal, select, union_all, update
from sqlalchemy.orm import Session

from ..db import add_to_counters, insert_on_conflict, insert_or_ignore, table
from ..driver_statements import DriverStatement
from ..models import AnswerTally, Learner, LessonProgress, QuizProgress
from ..models.answers import tally_day
from . import aggregates
from .grading import QuestionResult, QuizResult

ANSWERED = "answered"
CORRECT = "correct"


_LESSONS, _QUIZZES = table(LessonProgress).c, table(QuizProgress).c
# A union takes its columns' types from its first part: a flag that shares a column with a number is a number.
_completed = cast(_LESSONS.completed_on.is_not(None), Integer)


@dataclass(frozen=True)
class LessonPlace:
    """Which lesson an action is about, and how many lessons its course has (for "course completed")."""

    course_slug: str
    lesson_slug: str
    lesson_count: int


def record_lesson_reached(session: Session, learner: Learner, place: LessonPlace, lang: str,
                          today: date) -> LessonProgress:
    """Note that the learner opened a lesson (once; later visits change nothing)."""
    learner.touch(today)
    key = (learner.id, place.course_slug, place.lesson_slug)
    row = session.get(LessonProgress, key)
    if row is None:
        # Two tabs may open the same lesson at once: insert-or-ignore, then read what is there.
        inserted = session.execute(insert_on_conflict(session, LessonProgress).values(
            learner_id=learner.id, course_slug=place.course_slug, lesson_slug=place.lesson_slug, lang=lang,
            reached_on=today, completed_on=None).on_conflict_do_nothing()).rowcount  # type: ignore[attr-defined]  # an INSERT's result is a CursorResult
        row = session.get(LessonProgress, key, populate_existing=True)
        assert row is not None
        if inserted:
            aggregates.lesson_changed(session, None, aggregates.LessonSnapshot.of(row))
            aggregates.refresh_course_progress(session, learner.id, place.course_slug, place.lesson_count)
    return row


def record_lesson_completed(session: Session, learner: Learner, place: LessonPlace, lang: str,
                            today: date) -> LessonProgress:
    """Mark a lesson done (the first day it was done is kept)."""
    row = record_lesson_reached(session, learner, place, lang, today)
    if row.completed_on is None:
        before = aggregates.LessonSnapshot.of(row)
        row.completed_on = today
        session.flush()
        aggregates.lesson_changed(session, before, aggregates.LessonSnapshot.of(row))
        aggregates.refresh_course_progress(session, learner.id, place.course_slug, place.lesson_count)
    return row


def record_quiz_attempt(session: Session, learner_id: str, place: LessonPlace, lang: str,
                        result: QuizResult, today: date, *, new_learner: bool = False) -> None:
    """Count an attempt, keep the best score, and complete the lesson when the quiz is passed.

    The questions the learner meets for the first time feed the anonymous answer counters (in the quiz's own
    language). Every write is one plain statement — the lesson row, the quiz row, each kind of counter at once —
    since a submission holds the database's write lock (SQLite has one) from its first write to its commit.
    Two tabs answering at once each count exactly once: rows are inserted if absent, a lesson is completed only
    where it is not yet, and a quiz row is changed only as it was read (else it is read again).

    :param new_learner: the learner was created in this transaction (they have no rows yet, none is read).
    """
    connection = session.connection()
    keys = {"learner_id": learner_id, "course_slug": place.course_slug, "lesson_slug": place.lesson_slug}
    lesson_row = None if new_learner else _LESSON_ROW.first(connection, keys)
    lesson_changes: list[tuple[aggregates.LessonSnapshot | None, aggregates.LessonSnapshot]] = []
    if lesson_row is None:
        completed_on = today if result.passed else None
        if insert_or_ignore(session, LessonProgress).run(connection, {
                **keys, "lang": lang, "reached_on": today, "completed_on": completed_on}):
            lesson_changes.append((None, aggregates.LessonSnapshot(place.course_slug, place.lesson_slug, lang, today,
                                                                   completed_on)))
        elif result.passed:  # another tab made the row a moment ago
            lesson_row = _LESSON_ROW.first(connection, keys)
    if lesson_row is not None and result.passed and lesson_row.completed_on is None:
        completed = _COMPLETE_LESSON.first(connection, {**_row_of(keys), "today": today})
        if completed is not None:
            reached = aggregates.LessonSnapshot(place.course_slug, place.lesson_slug, completed.lang,
                                                completed.reached_on, None)
            lesson_changes.append((reached, replace(reached, completed_on=today)))
    before, after, first_meetings = _count_attempt(session, keys, lang, result, today, new_learner)
    tally_answers(session, place.course_slug, place.lesson_slug, result.quiz.lang, first_meetings, today)
    aggregates.add_lesson_changes(session, lesson_changes)
    aggregates.quiz_changed(session, before, after)
    if lesson_changes:
        known = [(after_row.reached_on, place.lesson_slug, after_row.lang, after_row.completed_on)
                 for _before, after_row in lesson_changes[-1:]] if new_learner else None
        aggregates.refresh_course_progress(session, learner_id, place.course_slug, place.lesson_count, known)


def _count_attempt(session: Session, keys: dict[str, str], lang: str, result: QuizResult, today: date,
                   new_learner: bool) -> tuple[aggregates.QuizSnapshot | None, aggregates.QuizSnapshot,
                                               list[QuestionResult]]:
    """Add the attempt to the learner's quiz row (made if absent): the row before and after, and the questions
    met for the first time."""
    connection = session.connection()
    asked = {item.question.id for item in result.questions}
    passed_on = today if result.passed else None
    row = None if new_learner else _QUIZ_ROW.first(connection, keys)
    while True:
        if row is None:
            if insert_or_ignore(session, QuizProgress).run(connection, {
                    **keys, "lang": lang, "attempts": 1, "best_score": result.score, "first_attempt_on": today,
                    "last_attempt_on": today, "passed_on": passed_on, "met_questions": " ".join(sorted(asked))
            }):
                after = aggregates.QuizSnapshot(keys["course_slug"], keys["lesson_slug"], lang, today, 1,
                                                result.passed, result.score)
                return None, after, list(result.questions)
        else:
            met = set(row.met_questions.split())
            best = max(row.best_score, result.score)
            if _UPDATE_QUIZ.run(connection, {
                    **_row_of(keys), "attempts_read": row.attempts, "best_score": best, "today": today,
                    "passed_on": row.passed_on or passed_on, "met_questions": " ".join(sorted(met | asked))
            }):
                before = aggregates.QuizSnapshot(keys["course_slug"], keys["lesson_slug"], row.lang,
                                                 row.first_attempt_on, row.attempts, row.passed_on is not None,
                                                 row.best_score)
                after = replace(before, attempts=row.attempts + 1, best_score=best,
                                passed=before.passed or result.passed)
                return before, after, [item for item in result.questions if item.question.id not in met]
        row = _QUIZ_ROW.first(connection, keys)  # another tab changed it meanwhile: as it is now


_KEYS = (_LESSONS.learner_id == bindparam("learner_id"), _LESSONS.course_slug == bindparam("course_slug"),
         _LESSONS.lesson_slug == bindparam("lesson_slug"))
_QUIZ_KEYS = (_QUIZZES.learner_id == bindparam("learner_id"), _QUIZZES.course_slug == bindparam("course_slug"),
              _QUIZZES.lesson_slug == bindparam("lesson_slug"))
# An UPDATE keeps its table's column names for the values it sets: its WHERE names the row otherwise.
_ROW_OF = {"row_learner": "learner_id", "row_course": "course_slug", "row_lesson": "lesson_slug"}
_LESSON_ROW_KEYS = tuple(_LESSONS[column] == bindparam(name) for name, column in _ROW_OF.items())
_QUIZ_ROW_KEYS = tuple(_QUIZZES[column] == bindparam(name) for name, column in _ROW_OF.items())
_LESSON_ROW = DriverStatement(select(_LESSONS.lang, _LESSONS.reached_on, _LESSONS.completed_on).where(*_KEYS))
_COMPLETE_LESSON = DriverStatement(update(table(LessonProgress)).where(
    *_LESSON_ROW_KEYS, _LESSONS.completed_on.is_(None)).values(completed_on=bindparam("today")).returning(
    _LESSONS.lang, _LESSONS.reached_on))
_QUIZ_ROW = DriverStatement(select(_QUIZZES.lang, _QUIZZES.attempts, _QUIZZES.best_score, _QUIZZES.first_attempt_on,
                                   _QUIZZES.passed_on, _QUIZZES.met_questions).where(*_QUIZ_KEYS))
# Changed only as it was read (the same number of attempts), so two tabs' attempts are each counted once.
_UPDATE_QUIZ = DriverStatement(update(table(QuizProgress)).where(
    *_QUIZ_ROW_KEYS, _QUIZZES.attempts == bindparam("attempts_read")).values(
    attempts=_QUIZZES.attempts + 1, best_score=bindparam("best_score"), last_attempt_on=bindparam("today"),
    passed_on=bindparam("passed_on"), met_questions=bindparam("met_questions")))


def _row_of(keys: dict[str, str]) -> dict[str, str]:
    """A row's key as an UPDATE's WHERE names it."""
    return {name: keys[column] for name, column in _ROW_OF.items()}


def tally_answers(session: Session, course_slug: str, lesson_slug: str, lang: str,
                  results: Iterable[QuestionResult], today: date) -> None:
    """Add one to the counter of each answer given, in the span of days of ``today`` (``tally_day``), in one
    statement; nothing links a counter to a learner."""
    add_to_counters(session, AnswerTally, (
        ({"course_slug": course_slug, "lesson_slug": lesson_slug, "question_id": question_result.question.id,
          "lang": lang, "answer_key": key[:200], "day": tally_day(today)}, {"count": 1})
        for question_result in results
        for key in [ANSWERED, *([CORRECT] if question_result.correct else []),
                    *(f"a:{key}" for key in question_result.answer_keys)]))


@dataclass(frozen=True)
class LearnerProgress:
    """Everything one learner has done, for their own page and the lesson marks."""

    lessons: dict[tuple[str, str], LessonProgress]
    quizzes: dict[tuple[str, str], QuizProgress]

    def lesson(self, course_slug: str, lesson_slug: str) -> LessonProgress | None:
        return self.lessons.get((course_slug, lesson_slug))

    def quiz(self, course_slug: str, lesson_slug: str) -> QuizProgress | None:
        return self.quizzes.get((course_slug, lesson_slug))

    def courses(self) -> set[str]:
        return {course for course, _ in self.lessons}

    def completed_in(self, course_slug: str, lesson_slugs: Iterable[str]) -> int:
        return sum(1 for slug in lesson_slugs
                   if (row := self.lessons.get((course_slug, slug))) is not None and row.completed_on is not None)

    @property
    def is_empty(self) -> bool:
        return not self.lessons and not self.quizzes


EMPTY_PROGRESS = LearnerProgress({}, {})


@dataclass(frozen=True)
class LessonStanding:
    """Where one learner stands on one lesson: reached, completed, and the quiz's best score if they tried it."""

    reached: bool
    completed: bool
    best_score: int | None


NOT_REACHED = LessonStanding(False, False, None)
# Built once: a learner's every lesson page asks it, and building a statement costs more than running it.
_STANDING = DriverStatement(union_all(
    select(literal(0), _completed).where(
        _LESSONS.learner_id == bindparam("learner_id"), _LESSONS.course_slug == bindparam("course_slug"),
        _LESSONS.lesson_slug == bindparam("lesson_slug")),
    select(literal(1), _QUIZZES.best_score).where(
        _QUIZZES.learner_id == bindparam("learner_id"), _QUIZZES.course_slug == bindparam("course_slug"),
        _QUIZZES.lesson_slug == bindparam("lesson_slug")),
))


def lesson_standing(session: Session, learner_id: str, course_slug: str, lesson_slug: str) -> LessonStanding:
    """One learner's standing on one lesson, in one look-up (their lesson row and their quiz row, if any)."""
    rows = _STANDING.rows(session.connection(), {"learner_id": learner_id, "course_slug": course_slug,
                                                 "lesson_slug": lesson_slug})
    found: dict[int, int] = {kind: value for kind, value in rows}
    return LessonStanding(0 in found, bool(found.get(0)), int(found[1]) if 1 in found else None)


@dataclass(frozen=True)
class ProgressSummary:
    """What a learner's own page shows: each lesson reached (and whether completed), each quiz's best score and
    attempts, and whether their progress is saved under a code."""

    lessons: dict[tuple[str, str], bool]
    quizzes: dict[tuple[str, str], tuple[int, int]]
    has_code: bool

    def courses(self) -> set[str]:
        return {course for course, _ in self.lessons}


NO_PROGRESS = ProgressSummary({}, {}, False)
_LEARNERS = table(Learner).c
# Built once, like _STANDING: the learner's code, lessons and quizzes in one look-up.
_SUMMARY = DriverStatement(union_all(
    select(literal(0), literal(""), literal(""), cast(_LEARNERS.code_hash.is_not(None), Integer), literal(0)).where(
        _LEARNERS.id == bindparam("learner_id")),
    select(literal(1), _LESSONS.course_slug, _LESSONS.lesson_slug, _completed, literal(0))
    .where(_LESSONS.learner_id == bindparam("learner_id")),
    select(literal(2), _QUIZZES.course_slug, _QUIZZES.lesson_slug, _QUIZZES.best_score, _QUIZZES.attempts)
    .where(_QUIZZES.learner_id == bindparam("learner_id")),
))


def progress_summary(connection: Connection, learner_id: str) -> ProgressSummary:
    """Everything a learner's own page shows of them, in one look-up (on the connection of a request's session,
    or of an answer made before Flask)."""
    lessons: dict[tuple[str, str], bool] = {}
    quizzes: dict[tuple[str, str], tuple[int, int]] = {}
    has_code = False
    for kind, course_slug, lesson_slug, first, second in _SUMMARY.rows(connection, {"learner_id": learner_id}):
        if kind == 0:
            has_code = bool(first)
        elif kind == 1:
            lessons[(course_slug, lesson_slug)] = bool(first)
        else:
            quizzes[(course_slug, lesson_slug)] = (int(first), int(second))
    return ProgressSummary(lessons, quizzes, has_code)


def load_progress(session: Session, learner: Learner) -> LearnerProgress:
    lessons = {(row.course_slug, row.lesson_slug): row for row in
               session.scalars(select(LessonProgress).where(LessonProgress.learner_id == learner.id))}
    quizzes = {(row.course_slug, row.lesson_slug): row for row in
               session.scalars(select(QuizProgress).where(QuizProgress.learner_id == learner.id))}
    return LearnerProgress(lessons, quizzes)
