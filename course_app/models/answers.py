"""Anonymous answer counters for educators: how often each answer was given, never by whom."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from .types import LanguageCode, Slug


class AnswerTally(Base):
    """One counter per (question, answer given). It has no learner, no date: it cannot be linked back."""

    __tablename__ = "answer_tally"

    course_slug: Mapped[Slug] = mapped_column(primary_key=True)
    lesson_slug: Mapped[Slug] = mapped_column(primary_key=True)
    question_id: Mapped[Slug] = mapped_column(primary_key=True)
    lang: Mapped[LanguageCode] = mapped_column(primary_key=True)
    # "answered", "correct", or the answer given: a choice id, "true"/"false", an order or a pairing.
    answer_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
