"""Template helpers for learner pages: the site menu and where the learner stands in a course."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, url_for
from flask_babel import gettext as _

from ..content.model import Course, Lesson
from ..i18n import get_locale


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    url: str
    label: str


def learner_nav_items() -> list[NavItem]:
    """The learner menu after "Courses"."""
    lang = get_locale()
    return [
        NavItem("learner.safety", url_for("learner.safety", lang=lang), _("Study safely")),
    ]


def lesson_state(course: Course, lesson: Lesson) -> str | None:
    """'completed', 'reached' or None for this learner (None until progress is kept)."""
    return None


def course_next_lesson(course: Course) -> Lesson | None:
    """The lesson to continue with: the first one not completed."""
    for lesson in course.lessons:
        if lesson_state(course, lesson) != "completed":
            return lesson
    return course.lessons[0] if course.lessons else None


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        learner_nav_items=learner_nav_items,
        lesson_state=lesson_state,
        course_next_lesson=course_next_lesson,
    )
