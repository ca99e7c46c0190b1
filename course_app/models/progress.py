"""What a learner has done: lessons reached and completed, quiz attempts and best scores."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from .types import Day, LanguageCode, LearnerId, Slug


class LessonProgress(Base):
    """A learner reached a lesson (opened it) and perhaps completed it."""

    __tablename__ = "lesson_progress"
    __table_args__ = (
        Index("ix_lesson_progress_course_reached", "course_slug", "reached_on"),
        Index("ix_lesson_progress_course_lesson", "course_slug", "lesson_slug"),
    )

    learner_id: Mapped[LearnerId] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"), primary_key=True)
    course_slug: Mapped[Slug] = mapped_column(primary_key=True)
    lesson_slug: Mapped[Slug] = mapped_column(primary_key=True)
    lang: Mapped[LanguageCode]
    reached_on: Mapped[Day]
    completed_on: Mapped[date | None] = mapped_column()

    @property
    def is_completed(self) -> bool:
        return self.completed_on is not None


class QuizProgress(Base):
    """A learner's attempts at one lesson's quiz: how many, the best score, when first passed."""

    __tablename__ = "quiz_progress"
    __table_args__ = (Index("ix_quiz_progress_course_lesson", "course_slug", "lesson_slug"),)

    learner_id: Mapped[LearnerId] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"), primary_key=True)
    course_slug: Mapped[Slug] = mapped_column(primary_key=True)
    lesson_slug: Mapped[Slug] = mapped_column(primary_key=True)
    lang: Mapped[LanguageCode]
    attempts: Mapped[int]
    best_score: Mapped[int]
    first_attempt_on: Mapped[Day]
    last_attempt_on: Mapped[Day]
    passed_on: Mapped[date | None] = mapped_column()
    # The ids of the questions this learner has met (a bank asks different ones each time), space-separated:
    # the anonymous answer counters take each learner's first meeting with each question only.
    met_questions: Mapped[str] = mapped_column(Text, default="", server_default="")

    @property
    def passed(self) -> bool:
        return self.passed_on is not None
