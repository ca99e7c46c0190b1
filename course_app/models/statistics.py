"""Aggregates kept up to date as learners progress, so the coordinators' dashboard never scans
every progress row. Each table can be rebuilt from the progress rows (course-app stats rebuild).

``CourseProgress`` has one row per learner and course and is deleted with the learner. The
daily counters have no learner at all: they are sums, adjusted when a learner's rows change
or are deleted, so they always equal what the remaining rows say.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from .types import Day, LanguageCode, LearnerId, Slug


class CourseProgress(Base):
    """Where one learner stands in one course: started, lessons done, completed."""

    __tablename__ = "course_progress"
    __table_args__ = (
        # Covering indexes: the dashboard's cohort and trend queries read only the index.
        Index("ix_course_progress_started", "course_slug", "started_on", "lang", "lessons_done", "completed_on"),
        Index("ix_course_progress_completed", "course_slug", "completed_on", "lang"),
    )

    learner_id: Mapped[LearnerId] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"), primary_key=True)
    course_slug: Mapped[Slug] = mapped_column(primary_key=True)
    lang: Mapped[LanguageCode]
    started_on: Mapped[Day]
    lessons_done: Mapped[int] = mapped_column(Integer, default=0)
    completed_on: Mapped[date | None] = mapped_column()


class LessonDay(Base):
    """How many learners first opened, and completed, a lesson on a day (in a language)."""

    __tablename__ = "lesson_day"

    course_slug: Mapped[Slug] = mapped_column(primary_key=True)
    day: Mapped[Day] = mapped_column(primary_key=True)
    lesson_slug: Mapped[Slug] = mapped_column(primary_key=True)
    lang: Mapped[LanguageCode] = mapped_column(primary_key=True)
    reached: Mapped[int] = mapped_column(Integer, default=0)
    completed: Mapped[int] = mapped_column(Integer, default=0)


class QuizDay(Base):
    """Quiz results of the learners whose first attempt was on a day (in a language)."""

    __tablename__ = "quiz_day"

    course_slug: Mapped[Slug] = mapped_column(primary_key=True)
    day: Mapped[Day] = mapped_column(primary_key=True)
    lesson_slug: Mapped[Slug] = mapped_column(primary_key=True)
    lang: Mapped[LanguageCode] = mapped_column(primary_key=True)
    learners: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    passed: Mapped[int] = mapped_column(Integer, default=0)
    best_score_sum: Mapped[int] = mapped_column(Integer, default=0)


class LessonReadDay(Base):
    """How many times a lesson page was read on a day, in a language: a bare count, with no reader at all.

    Reading creates no learner (S5), so this is the only trace of a reader who never acts. It
    is counted in memory and written in batches (learner/reads.py); pages a front server's
    cache answers are not counted.
    """

    __tablename__ = "lesson_read_day"

    course_slug: Mapped[Slug] = mapped_column(primary_key=True)
    day: Mapped[Day] = mapped_column(primary_key=True)
    lesson_slug: Mapped[Slug] = mapped_column(primary_key=True)
    lang: Mapped[LanguageCode] = mapped_column(primary_key=True)
    reads: Mapped[int] = mapped_column(Integer, default=0)


class SiteEvent(Base):
    """A day on which the meaning of a figure changed, to mark on the dashboard (e.g. how "started" is counted)."""

    __tablename__ = "site_event"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    day: Mapped[Day]


class StatsPeriod(Base):
    """An ended period (a calendar week or month, the whole life up to a month, or everything answered until
    answers were counted by day) whose figures are fixed.

    Its cells are written once, the first time it is published (or at the daily purge, whichever
    comes first), and never changed: a learner deleted later stays in them, as an anonymous count.
    """

    __tablename__ = "stats_period"

    key: Mapped[str] = mapped_column(String(16), primary_key=True)  # "2026-11", "2026-W47", "life-2026-11"
    kind: Mapped[str] = mapped_column(String(8))
    start: Mapped[Day]
    end: Mapped[Day]
    fixed_on: Mapped[Day]


class StatsCell(Base):
    """The true value of one figure of the registry (domain/figures.py) in an ended period, as fixed.

    ``course_slug`` "" is the whole site; ``lang`` "" every language; ``item`` a lesson or a module
    ("m:1") or the whole course ("*"), or "" for a course's own figures; ``question`` and ``answer`` a
    quiz question and an answer given to it, for the question insights. A cell that is not stored is
    0. Staff never see a value as it is here: ``disclosure`` rounds it when it is published. No learner here.
    """

    __tablename__ = "stats_cell"

    period_key: Mapped[str] = mapped_column(String(16), ForeignKey("stats_period.key", ondelete="CASCADE"),
                                            primary_key=True)
    course_slug: Mapped[Slug] = mapped_column(primary_key=True)
    lang: Mapped[LanguageCode] = mapped_column(primary_key=True)
    figure: Mapped[str] = mapped_column(String(24), primary_key=True)
    item: Mapped[Slug] = mapped_column(primary_key=True)
    question: Mapped[Slug] = mapped_column(primary_key=True, default="")
    answer: Mapped[str] = mapped_column(String(200), primary_key=True, default="")
    value: Mapped[int] = mapped_column(Integer)
