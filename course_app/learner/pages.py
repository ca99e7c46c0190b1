"""Reading: the list of courses, a course's contents, and a lesson page."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..content import current_catalogue
from ..content.model import Course
from ..clock import clock
from ..db import get_session
from ..domain.progress import record_lesson_reached
from ..i18n import browser_language
from . import bp
from .forms import ActionForm
from .identity import current_learner
from .lookup import LessonView, find_course
from .page_cache import render_cached
from .routing import lesson_route
from .standing import learner_progress


@bp.get("/")
def index() -> Response:
    """Send the visitor to the course list in their browser's language."""
    response = redirect(url_for("learner.catalogue", lang=browser_language()))
    response.headers["Vary"] = "Accept-Language"
    return response


@bp.get("/<lang:lang>/")
def catalogue(lang: str) -> str:
    """Every course, with its summary and the languages it is written in."""
    return render_cached(("catalogue", lang), lambda part: render_template(
        "learner/catalogue.html", courses=current_catalogue().courses), {})


@bp.get("/<lang:lang>/<course_slug>/")
def course(lang: str, course_slug: str) -> str:
    """A course's modules and lessons."""
    return _render_course(find_course(course_slug=course_slug))


@bp.get("/<lang:lang>/c/<int:course_number>/")
def course_numbered(lang: str, course_number: int) -> str:
    """A course by number (neutral mode)."""
    return _render_course(find_course(course_number=course_number))


def _render_course(course: Course) -> str:
    return render_cached(("course", request.path), lambda part: render_template("learner/course.html", course=course),
                         {})


@lesson_route("", "lesson")
def lesson(view: LessonView) -> str:
    """A lesson page: the text, its sections, its quiz, and the way on.

    A reader without a session stays nobody (nothing is written); a learner's visit is noted, by the day.
    """
    learner = current_learner()
    if learner is not None:
        record_lesson_reached(get_session(), learner, view.place, view.wanted_lang, clock().today())
        get_session().commit()
    return render_lesson(view)


def render_lesson(view: LessonView) -> str:
    """The lesson page: the text, then the way to its quiz and to the next lesson.

    The quiz has a page of its own, so a lesson's first view stays small on a slow connection.
    """
    before, after = view.course.neighbours(view.lesson)
    progress = learner_progress()
    lesson_progress = progress.lesson(view.course.slug, view.lesson.slug)

    def actions() -> str:
        return render_template("learner/_lesson_actions.html", course=view.course, lesson=view.lesson,
                               after=after, lesson_progress=lesson_progress, done_form=ActionForm())

    return render_cached(
        ("lesson", request.path, request.args.get("size")),
        lambda part: render_template(
            "learner/lesson.html", view=view, course=view.course, lesson=view.lesson, text=view.text,
            before=before, after=after, quiz=view.quiz, actions=part("actions"),
            quiz_progress=progress.quiz(view.course.slug, view.lesson.slug)),
        {"actions": actions},
    )
