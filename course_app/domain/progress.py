"""Recording what a learner does, and reading it back for their own page.

Dates are days (no times). Answer counters for educators are anonymous: they are keyed by
question and answer only, and only a learner's first meeting with each question is counted
(with a question bank, a retry asks questions they have not met yet), so the counters describe
what people understood before seeing the explanations.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Integer, bindparam, cast, literal, select, union_all
from sqlalchemy.orm import Session

from ..db import add_to_counter, insert_on_conflict, table
from ..models import AnswerTally, Learner, LessonProgress, QuizProgress
from ..models.answers import tally_day
from . import aggregates
from .grading import QuestionResult, QuizResult

ANSWERED = "answered"
CORRECT = "correct"


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


def record_quiz_attempt(session: Session, learner: Learner, place: LessonPlace, lang: str,
                        result: QuizResult, today: date) -> QuizProgress:
    """Count an attempt, keep the best score, and complete the lesson when the quiz is passed.

    The questions the learner meets for the first time feed the anonymous answer counters (in
    the quiz's own language).
    """
    record_lesson_reached(session, learner, place, lang, today)
    row = session.get(QuizProgress, (learner.id, place.course_slug, place.lesson_slug))
    before = None
    if row is None:
        row = QuizProgress(learner_id=learner.id, course_slug=place.course_slug, lesson_slug=place.lesson_slug,
                           lang=lang, attempts=0, best_score=0, first_attempt_on=today, last_attempt_on=today,
                           passed_on=None, met_questions="")
        session.add(row)
    else:
        before = aggregates.QuizSnapshot.of(row)
    met = set(row.met_questions.split())
    first_meetings = [item for item in result.questions if item.question.id not in met]
    tally_answers(session, place.course_slug, place.lesson_slug, result.quiz.lang, first_meetings, today)
    row.met_questions = " ".join(sorted(met | {item.question.id for item in result.questions}))
    row.attempts += 1
    row.best_score = max(row.best_score, result.score)
    row.last_attempt_on = today
    if result.passed and row.passed_on is None:
        row.passed_on = today
    session.flush()
    aggregates.quiz_changed(session, before, aggregates.QuizSnapshot.of(row))
    if result.passed:
        record_lesson_completed(session, learner, place, lang, today)
    return row


def tally_answers(session: Session, course_slug: str, lesson_slug: str, lang: str,
                  results: Iterable[QuestionResult], today: date) -> None:
    """Add one to the counter of each answer given, in the span of days of ``today`` (``tally_day``);
    nothing links a counter to a learner."""
    for question_result in results:
        keys = [ANSWERED, *([CORRECT] if question_result.correct else []),
                *(f"a:{key}" for key in question_result.answer_keys)]
        for key in keys:
            add_to_counter(session, AnswerTally, {"course_slug": course_slug, "lesson_slug": lesson_slug,
                                                  "question_id": question_result.question.id, "lang": lang,
                                                  "answer_key": key[:200], "day": tally_day(today)},
                           {"count": 1})


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


_LESSONS, _QUIZZES = table(LessonProgress).c, table(QuizProgress).c
# A union takes its columns' types from its first part: a flag that shares a column with a number is a number.
_completed = cast(_LESSONS.completed_on.is_not(None), Integer)
# Built once: a learner's every lesson page asks it, and building a statement costs more than running it.
_STANDING = union_all(
    select(literal(0), _completed).where(
        _LESSONS.learner_id == bindparam("learner_id"), _LESSONS.course_slug == bindparam("course_slug"),
        _LESSONS.lesson_slug == bindparam("lesson_slug")),
    select(literal(1), _QUIZZES.best_score).where(
        _QUIZZES.learner_id == bindparam("learner_id"), _QUIZZES.course_slug == bindparam("course_slug"),
        _QUIZZES.lesson_slug == bindparam("lesson_slug")),
)


def lesson_standing(session: Session, learner_id: str, course_slug: str, lesson_slug: str) -> LessonStanding:
    """One learner's standing on one lesson, in one look-up (their lesson row and their quiz row, if any)."""
    rows = session.connection().execute(_STANDING, {"learner_id": learner_id, "course_slug": course_slug,
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
_SUMMARY = union_all(
    select(literal(0), literal(""), literal(""), cast(_LEARNERS.code_hash.is_not(None), Integer), literal(0)).where(
        _LEARNERS.id == bindparam("learner_id")),
    select(literal(1), _LESSONS.course_slug, _LESSONS.lesson_slug, _completed, literal(0))
    .where(_LESSONS.learner_id == bindparam("learner_id")),
    select(literal(2), _QUIZZES.course_slug, _QUIZZES.lesson_slug, _QUIZZES.best_score, _QUIZZES.attempts)
    .where(_QUIZZES.learner_id == bindparam("learner_id")),
)


def progress_summary(session: Session, learner_id: str) -> ProgressSummary:
    """Everything a learner's own page shows of them, in one look-up."""
    lessons: dict[tuple[str, str], bool] = {}
    quizzes: dict[tuple[str, str], tuple[int, int]] = {}
    has_code = False
    for kind, course_slug, lesson_slug, first, second in session.connection().execute(
            _SUMMARY, {"learner_id": learner_id}):
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
