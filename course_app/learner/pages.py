"""Reading: the list of courses, a course's contents, and a lesson page."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from werkzeug.wrappers import Response

from ..content import current_catalogue
from ..i18n import browser_language
from . import bp
from .lookup import LessonView, find_course, find_lesson


@bp.get("/")
def index() -> Response:
    """Send the visitor to the course list in their browser's language."""
    response = redirect(url_for("learner.catalogue", lang=browser_language()))
    response.headers["Vary"] = "Accept-Language"
    return response


@bp.get("/<lang:lang>/")
def catalogue(lang: str) -> str:
    """Every course, with its summary and the languages it is written in."""
    return render_template("learner/catalogue.html", courses=current_catalogue().courses)


@bp.get("/<lang:lang>/<course_slug>/")
def course(lang: str, course_slug: str) -> str:
    """A course's modules and lessons."""
    return _render_course(lang, find_course(course_slug=course_slug))


@bp.get("/<lang:lang>/c/<int:course_number>/")
def course_numbered(lang: str, course_number: int) -> str:
    """A course by number (neutral mode)."""
    return _render_course(lang, find_course(course_number=course_number))


@bp.get("/<lang:lang>/<course_slug>/<lesson_slug>")
def lesson(lang: str, course_slug: str, lesson_slug: str) -> str:
    """A lesson page: the text, its sections, its quiz, and the way on."""
    return _render_lesson(find_lesson(lang, course_slug=course_slug, lesson_slug=lesson_slug))


@bp.get("/<lang:lang>/c/<int:course_number>/<int:lesson_number>")
def lesson_numbered(lang: str, course_number: int, lesson_number: int) -> str:
    """A lesson by numbers (neutral mode)."""
    return _render_lesson(find_lesson(lang, course_number=course_number, lesson_number=lesson_number))


def _render_course(lang: str, course) -> str:  # type: ignore[no-untyped-def]
    return render_template("learner/course.html", course=course)


def _render_lesson(view: LessonView) -> str:
    before, after = view.course.neighbours(view.lesson)
    return render_template("learner/lesson.html", view=view, course=view.course, lesson=view.lesson,
                           text=view.text, before=before, after=after)
