"""Synthetic progress, for benchmarks only: many random learners working through the courses.

``course-app stats generate`` refuses to run on a database that already holds learners, so
made-up rows can never mix with real ones.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from .content.model import Course
from .domain.aggregates import rebuild_all
from .models import Learner, LessonProgress, QuizProgress


class DatabaseNotEmpty(RuntimeError):
    """Synthetic learners are only ever written into an empty database."""


@dataclass(frozen=True)
class GeneratedCounts:
    learners: int
    lesson_rows: int
    quiz_rows: int


def generate_progress(session: Session, courses: Sequence[Course], *, learners: int, lesson_rows: int,
                      today: date, days: int = 365, seed: int = 1) -> GeneratedCounts:
    """Write about ``lesson_rows`` lesson rows for ``learners`` learners, then rebuild the aggregates."""
    if session.scalar(select(func.count()).select_from(Learner)):
        raise DatabaseNotEmpty("the database already has learners: generate synthetic data only into an empty one")
    rng = random.Random(seed)
    per_learner = lesson_rows / max(learners, 1)
    course_lessons = [(course, [lesson.slug for lesson in course.lessons],
                       {lesson.slug for lesson in course.lessons if any(t.quiz for t in lesson.texts.values())},
                       list(course.languages)) for course in courses if course.lessons]
    learner_batch: list[dict[str, Any]] = []
    lesson_batch: list[dict[str, Any]] = []
    quiz_batch: list[dict[str, Any]] = []
    totals = [0, 0, 0]

    def flush(final: bool = False) -> None:
        if not final and len(lesson_batch) < 20_000:
            return
        # Learners first: progress rows refer to them.
        for model, batch, index in ((Learner, learner_batch, 0), (LessonProgress, lesson_batch, 1),
                                    (QuizProgress, quiz_batch, 2)):
            if batch:
                session.execute(insert(model), batch)
                totals[index] += len(batch)
                batch.clear()

    for _ in range(learners):
        learner_id = secrets.token_urlsafe(16)
        started = today - timedelta(days=rng.randrange(days))
        learner_batch.append({"id": learner_id, "code_hash": None, "created_on": started, "last_seen_on": started})
        budget = rng.randint(1, max(1, round(2 * per_learner) - 1))  # mean: per_learner
        for course, slugs, quizzed, languages in rng.sample(course_lessons, len(course_lessons)):
            if budget <= 0:
                break
            lang = rng.choice(languages)
            reached = min(budget, len(slugs))
            budget -= reached
            day = started
            for index, slug in enumerate(slugs[:reached]):
                day = min(today, day + timedelta(days=rng.randrange(3)))
                completed = day if index < reached - 1 or rng.random() < 0.6 else None
                lesson_batch.append({"learner_id": learner_id, "course_slug": course.slug, "lesson_slug": slug,
                                     "lang": lang, "reached_on": day, "completed_on": completed})
                if slug in quizzed and completed is not None:
                    attempts = 1 + int(rng.random() < 0.3)
                    score = rng.choice((40, 60, 80, 100))
                    quiz_batch.append({"learner_id": learner_id, "course_slug": course.slug, "lesson_slug": slug,
                                       "lang": lang, "attempts": attempts, "best_score": score,
                                       "first_attempt_on": day, "last_attempt_on": day,
                                       "passed_on": day if score >= 60 else None})
        flush()
    flush(final=True)
    rebuild_all(session, {course.slug: len(course.lessons) for course in courses})
    return GeneratedCounts(*totals)
