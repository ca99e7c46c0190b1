"""Pseudonymous learners and their codes.

A learner is a random id. A learner code is 24 random digits (about 80 bits), shown once and
never stored: the database keeps only HMAC-SHA256(pepper, digits), and the pepper lives
outside the database (environment or instance folder). Digits are easy to type on any
phone keyboard, Cyrillic or Latin, and cannot be confused with one another.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session, make_transient_to_detached

from ..db import table
from ..driver_statements import DriverStatement
from ..models import CourseProgress, Learner, LessonProgress, QuizProgress
from . import aggregates

CODE_DIGITS = 24
CODE_GROUP = 4
# log2(10**24) ≈ 79.7 bits: guessing one code in a billion tries per second takes ~20 million years.


class CodeFormatError(ValueError):
    """What was typed cannot be a learner code (the message says why, in plain words)."""

    def __init__(self, digits_found: int) -> None:
        super().__init__(f"a learner code has {CODE_DIGITS} digits; {digits_found} were typed")
        self.digits_found = digits_found


@dataclass(frozen=True)
class LearnerCode:
    """A freshly made code, to show once and forget."""

    digits: str

    def grouped(self) -> str:
        """``1234 5678 …``: groups of four, easier to copy by hand."""
        return " ".join(self.digits[i:i + CODE_GROUP] for i in range(0, len(self.digits), CODE_GROUP))


def new_learner_id() -> str:
    return secrets.token_urlsafe(16)


_INSERT_LEARNER = DriverStatement(insert(table(Learner)))


def create_learner(session: Session, today: date) -> Learner:
    """A new learner with a random id; nothing about the person is recorded."""
    learner = Learner(id=new_learner_id(), code_hash=None, created_on=today, last_seen_on=today)
    # The object joins the session as the row it will be (nothing for the session to flush), then a plain INSERT
    # writes the row: the first write of a transaction, so it comes last (on SQLite it takes the writers' turn).
    make_transient_to_detached(learner)
    session.add(learner)
    _INSERT_LEARNER.run(session.connection(), {"id": learner.id, "code_hash": None, "created_on": today,
                                               "last_seen_on": today})
    return learner


def generate_code() -> LearnerCode:
    return LearnerCode("".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS)))


def normalise_code(typed: str) -> str:
    """The digits of a typed code, ignoring spaces and dashes.

    :raises CodeFormatError: when the result is not exactly 24 digits.
    """
    digits = "".join(ch for ch in typed if ch.isdigit() and ch.isascii())
    others = [ch for ch in typed if not (ch.isdigit() and ch.isascii()) and not ch.isspace() and ch not in "-–—."]
    if len(digits) != CODE_DIGITS or others:
        raise CodeFormatError(len(digits))
    return digits


def code_hash(digits: str, pepper: str) -> str:
    """The keyed hash stored for a code: useless without the pepper, which is not in the database."""
    return hmac.new(pepper.encode(), digits.encode(), hashlib.sha256).hexdigest()


def issue_code(session: Session, learner: Learner, pepper: str) -> LearnerCode:
    """Give ``learner`` a new code (replacing any old one, which stops working)."""
    while True:
        code = generate_code()
        digest = code_hash(code.digits, pepper)
        # A collision in 10**24 codes is practically impossible; checking costs one indexed query.
        if session.scalar(select(Learner.id).where(Learner.code_hash == digest)) is None:
            break
    learner.code_hash = digest
    session.flush()
    return code


def find_learner_by_code(session: Session, typed: str, pepper: str) -> Learner | None:
    """The learner whose code this is, or None.

    :raises CodeFormatError: when ``typed`` is not shaped like a code.
    """
    digest = code_hash(normalise_code(typed), pepper)
    return session.scalar(select(Learner).where(Learner.code_hash == digest))


def merge_into(session: Session, source: Learner, target: Learner, lesson_counts: Mapping[str, int]) -> None:
    """Move ``source``'s progress into ``target`` (keeping the better of each), then delete ``source``.

    :param lesson_counts: lessons per course, to tell whether a merged course is now completed.
    """
    if source.id == target.id:
        return
    aggregates.retract_learner(session, source.id)
    aggregates.retract_learner(session, target.id)
    lessons = {(p.course_slug, p.lesson_slug): p for p in
               session.scalars(select(LessonProgress).where(LessonProgress.learner_id == target.id))}
    for row in session.scalars(select(LessonProgress).where(LessonProgress.learner_id == source.id)):
        existing = lessons.get((row.course_slug, row.lesson_slug))
        if existing is None:
            session.add(LessonProgress(learner_id=target.id, course_slug=row.course_slug, lesson_slug=row.lesson_slug,
                                       lang=row.lang, reached_on=row.reached_on, completed_on=row.completed_on))
            continue
        existing.reached_on = min(existing.reached_on, row.reached_on)
        if row.completed_on is not None:
            existing.completed_on = min(filter(None, (existing.completed_on, row.completed_on)))
    quizzes = {(q.course_slug, q.lesson_slug): q for q in
               session.scalars(select(QuizProgress).where(QuizProgress.learner_id == target.id))}
    for quiz_row in session.scalars(select(QuizProgress).where(QuizProgress.learner_id == source.id)):
        _merge_quiz(session, target, quiz_row, quizzes.get((quiz_row.course_slug, quiz_row.lesson_slug)))
    target.created_on = min(target.created_on, source.created_on)
    target.last_seen_on = max(target.last_seen_on, source.last_seen_on)
    session.flush()
    _delete_rows(session, source)
    aggregates.contribute_learner(session, target.id, lesson_counts)
    session.flush()


def _merge_quiz(session: Session, target: Learner, row: QuizProgress, existing: QuizProgress | None) -> None:
    """Fold one quiz's progress into the target learner's: attempts add up, the best score and dates win."""
    if existing is None:
        session.add(QuizProgress(learner_id=target.id, course_slug=row.course_slug, lesson_slug=row.lesson_slug,
                                 lang=row.lang, attempts=row.attempts, best_score=row.best_score,
                                 first_attempt_on=row.first_attempt_on, last_attempt_on=row.last_attempt_on,
                                 passed_on=row.passed_on, met_questions=row.met_questions))
        return
    existing.met_questions = " ".join(sorted(set(existing.met_questions.split()) | set(row.met_questions.split())))
    existing.attempts += row.attempts
    existing.best_score = max(existing.best_score, row.best_score)
    existing.first_attempt_on = min(existing.first_attempt_on, row.first_attempt_on)
    existing.last_attempt_on = max(existing.last_attempt_on, row.last_attempt_on)
    if row.passed_on is not None:
        existing.passed_on = min(filter(None, (existing.passed_on, row.passed_on)))


def delete_learner(session: Session, learner: Learner) -> None:
    """Remove the learner and every row about them, at once and for good (the aggregates follow)."""
    aggregates.retract_learner(session, learner.id)
    _delete_rows(session, learner)


def _delete_rows(session: Session, learner: Learner) -> None:
    learner_id = learner.id
    for model in (LessonProgress, QuizProgress, CourseProgress):
        session.execute(delete(model).where(model.learner_id == learner_id))
    session.execute(delete(Learner).where(Learner.id == learner_id))
    session.expunge(learner)
    session.flush()
