"""Synthetic progress, for benchmarks only: many random learners working through the courses.

Their first quiz attempts fill the answer counters too, each question with a difficulty of its
own (a few look too hard, a few too easy), so that question insights can be judged.

``course-app stats generate`` refuses to run on a database that already holds learners, so
made-up rows can never mix with real ones.
"""

from __future__ import annotations

import random
import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from ..content.model import Course
from ..content.quiz import Quiz
from ..models import AnswerTally, Learner, LessonProgress, QuizProgress
from ..models.answers import tally_day
from .aggregates import rebuild_all
from .progress import ANSWERED, CORRECT

# How likely a made-up learner is to answer a question right: most questions are fair, some are
# hard, some too easy. Each question draws one.
DIFFICULTIES = (0.25, 0.55, 0.7, 0.8, 0.85, 0.9, 0.98)
# The share of a quiz's questions one attempt asks (quizzes may draw from a larger bank).
ASKED_SHARE = 0.7


class DatabaseNotEmpty(RuntimeError):
    """Synthetic learners are only ever written into an empty database."""


@dataclass(frozen=True)
class GeneratedCounts:
    learners: int
    lesson_rows: int
    quiz_rows: int
    answers: int = 0


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
    quizzes = {(course.slug, lesson.slug, lang): quiz for course in courses for lesson in course.lessons
               for lang in course.languages if (quiz := course.quiz_of(lesson, lang)) is not None}
    tallies: Counter[tuple[str, str, str, str, str, date]] = Counter()
    difficulty: dict[tuple[str, str, str], float] = {}

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
                    if (quiz := quizzes.get((course.slug, slug, lang))) is not None:
                        _first_attempt(rng, course.slug, slug, lang, day, quiz, difficulty, tallies)
        flush()
    flush(final=True)
    rows = [{"course_slug": course_slug, "lesson_slug": lesson_slug, "question_id": question_id, "lang": lang,
             "answer_key": key[:200], "day": span, "count": count}
            for (course_slug, lesson_slug, question_id, lang, key, span), count in tallies.items()]
    for start in range(0, len(rows), 5000):
        session.execute(insert(AnswerTally), rows[start:start + 5000])
    rebuild_all(session, {course.slug: len(course.lessons) for course in courses})
    answers = sum(count for key, count in tallies.items() if key[4] == ANSWERED)
    return GeneratedCounts(totals[0], totals[1], totals[2], answers)


def _first_attempt(rng: random.Random, course_slug: str, lesson_slug: str, lang: str, day: date, quiz: Quiz,
                   difficulty: dict[tuple[str, str, str], float],
                   tallies: Counter[tuple[str, str, str, str, str, date]]) -> None:
    """Count one made-up learner's answers at their first attempt (on ``day``), judged as a real attempt is."""
    for question in quiz.questions:
        if rng.random() >= ASKED_SHARE:
            continue
        share_right = difficulty.setdefault((course_slug, lesson_slug, question.id), rng.choice(DIFFICULTIES))
        answer = question.kind.sample_answer(question, rng, rng.random() < share_right)
        correct, keys = question.kind.judge(question, answer)
        span = tally_day(day)
        tallies[(course_slug, lesson_slug, question.id, lang, ANSWERED, span)] += 1
        if correct:
            tallies[(course_slug, lesson_slug, question.id, lang, CORRECT, span)] += 1
        for key in keys:
            tallies[(course_slug, lesson_slug, question.id, lang, f"a:{key}", span)] += 1
