"""Template helpers for learner pages: the site menu and where the learner stands in a course."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, url_for
from flask_babel import gettext as _

from ..i18n import get_locale
from .standing import course_next_lesson, lesson_state


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    url: str
    label: str


def learner_nav_items() -> list[NavItem]:
    """The learner menu after "Courses"."""
    lang = get_locale()
    return [
        NavItem("learner.progress", url_for("learner.progress", lang=lang), _("My progress")),
        NavItem("learner.safety", url_for("learner.safety", lang=lang), _("Study safely")),
    ]


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        learner_nav_items=learner_nav_items,
        lesson_state=lesson_state,
        course_next_lesson=course_next_lesson,
    )
