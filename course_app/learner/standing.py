"""The current learner's progress, read once per request, for pages and templates."""

from __future__ import annotations

from flask import g

from ..content.model import Course, Lesson
from ..db import get_session
from ..domain.progress import EMPTY_PROGRESS, LearnerProgress, load_progress
from .identity import current_learner


def learner_progress() -> LearnerProgress:
    """This request's learner's progress (empty for a visitor with no record)."""
    if "learner_progress" not in g:
        learner = current_learner()
        g.learner_progress = load_progress(get_session(), learner) if learner is not None else EMPTY_PROGRESS
    progress: LearnerProgress = g.learner_progress
    return progress


def forget_cached_progress() -> None:
    g.pop("learner_progress", None)


def lesson_state(course: Course, lesson: Lesson) -> str | None:
    """'completed', 'reached' or None, for marks in the course contents."""
    row = learner_progress().lesson(course.slug, lesson.slug)
    if row is None:
        return None
    return "completed" if row.completed_on is not None else "reached"


def course_next_lesson(course: Course) -> Lesson | None:
    """Where to continue: the first lesson not completed (the first lesson for a newcomer)."""
    for lesson in course.lessons:
        if lesson_state(course, lesson) != "completed":
            return lesson
    return course.lessons[0] if course.lessons else None
