"""Anonymous answer counters for educators: how often each answer was given, never by whom."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from .types import Day, LanguageCode, Slug


def tally_day(today: date) -> date:
    """The day an answer given today is counted under: the first day of its span, the days of one ISO week
    within one calendar month (a Monday, or the 1st of a month). Every week and month is made of whole
    spans, so the figures of both stay exact, while a counter names a span of up to seven days, not the day
    a learner answered."""
    return max(today - timedelta(days=today.weekday()), today.replace(day=1))


class AnswerTally(Base):
    """One counter per (question, answer given, span of days). It has no learner: it cannot be linked back."""

    __tablename__ = "answer_tally"

    course_slug: Mapped[Slug] = mapped_column(primary_key=True)
    lesson_slug: Mapped[Slug] = mapped_column(primary_key=True)
    question_id: Mapped[Slug] = mapped_column(primary_key=True)
    lang: Mapped[LanguageCode] = mapped_column(primary_key=True)
    # "answered", "correct", or the answer given: a choice id, "true"/"false", an order or a pairing.
    answer_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    # The first day of the span the answers were given in (``tally_day``). Counters from before answers were
    # counted by day all carry 1 January 2000: they make the period "until the upgrade".
    day: Mapped[Day] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
