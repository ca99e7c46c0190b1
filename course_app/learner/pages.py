"""Reading: the list of courses, a course's contents, and a lesson page.

A reader's page is the same for every reader, so it is marked shareable (page_cache.py) and
the next reader gets it from memory; a learner's page shows their progress and is rendered
for them. Every lesson page read counts one anonymous read (reads.py).
"""

from __future__ import annotations

from flask import abort, current_app, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..clock import clock
from ..content import current_catalogue
from ..content.model import Course
from ..db import get_session
from ..domain.progress import NOT_REACHED, LessonStanding, lesson_standing, record_lesson_reached
from ..i18n import browser_language, get_locale
from ..templating import ShownProblem, shown_problems
from .blueprint import bp
from .identity import browser_session, current_learner
from .lookup import BeingUpdated, LessonView, find_course
from .page_cache import mark_shareable
from .page_parts import (
    LESSON_TEMPLATE,
    best_score_key,
    lesson_actions_key,
    lesson_page_key,
    messages_part,
    personal_part,
    slotted_page,
)
from .reads import count_read
from .routing import lesson_route


def shared_page(html: str, read: tuple[str, str, str] | None = None, *, query_checked: bool = False) -> Response:
    """A reader's page, marked shareable when its address holds nothing but what was checked."""
    response = make_response(html)
    if query_checked or not request.query_string:
        mark_shareable(response, read)
    return response


@bp.errorhandler(BeingUpdated)
def being_updated(error: BeingUpdated) -> Response:
    """What readers get of a course, lesson or glossary held back by errors in its files (the preview lists them)."""
    catalogue = current_catalogue()
    base = catalogue.root.parent if catalogue.root else None
    problems = shown_problems(error.problems, base) if current_app.config.get("PREVIEW") else ()
    response = make_response(render_template("learner/being_updated.html", what=error.what, course=error.course,
                                             lesson=error.lesson, problems=problems,
                                             error_page=True), 503)
    # Retry-After tells a browser or a crawler that this is for a while, not for good.
    response.headers["Retry-After"] = "300"
    return response


@bp.get("/")
def index() -> Response:
    """Send the visitor to the course list in their browser's language (never kept: it depends on the browser)."""
    response = redirect(url_for("learner.catalogue", lang=browser_language()))
    response.headers["Vary"] = "Accept-Language"
    return response


@bp.get("/<lang:lang>/")
def catalogue(lang: str) -> Response:
    """Every course, with its summary and the languages it is written in."""
    return shared_page(render_template("learner/catalogue.html", courses=current_catalogue().courses))


@bp.get("/<lang:lang>/<course_slug>/")
def course(lang: str, course_slug: str) -> Response:
    """A course's modules and lessons."""
    return _render_course(find_course(course_slug=course_slug))


@bp.get("/<lang:lang>/c/<int:course_number>/")
def course_numbered(lang: str, course_number: int) -> Response:
    """A course by number (neutral mode)."""
    return _render_course(find_course(course_number=course_number))


def _render_course(course: Course) -> Response:
    return shared_page(render_template("learner/course.html", course=course))


@bp.get("/<lang:lang>/<course_slug>/glossary")
def glossary(lang: str, course_slug: str) -> Response:
    """The course's terms and what they mean, in the reader's language (from the course's terms.yaml)."""
    return _render_glossary(find_course(course_slug=course_slug), lang)


@bp.get("/<lang:lang>/c/<int:course_number>/glossary")
def glossary_numbered(lang: str, course_number: int) -> Response:
    """A course's glossary by number (neutral mode)."""
    return _render_glossary(find_course(course_number=course_number), lang)


def _render_glossary(course: Course, lang: str) -> Response:
    if course.glossary is None and course.glossary_held_back:
        raise BeingUpdated("glossary", course, problems=course.glossary_held_back)
    if course.glossary is None:
        abort(404)
    entries = course.glossary.entries(course.language_order(lang))
    return shared_page(render_template("learner/glossary.html", course=course, entries=entries))


@lesson_route("", "lesson")
def lesson(view: LessonView) -> Response:
    """A lesson page: the text, its sections, its quiz, and the way on.

    A reader without a session stays nobody (nothing is written). A learner's first visit to a lesson is
    noted, by the day; a visit to a lesson they have reached before writes nothing.
    """
    standing = NOT_REACHED
    learner_id = browser_session().learner_id
    if learner_id is not None:
        standing = lesson_standing(get_session(), learner_id, view.course.slug, view.lesson.slug)
        learner = current_learner() if not standing.reached else None
        if learner is not None:
            record_lesson_reached(get_session(), learner, view.place, view.wanted_lang, clock().today())
            get_session().commit()
            standing = LessonStanding(True, False, standing.best_score)
    count_read(current_app, view.course.slug, view.lesson.slug, view.text.lang, request.headers.get("User-Agent", ""))
    return render_lesson(view, standing)


def chosen_size(view: LessonView) -> str | None:
    """The video size asked for in the address, if the lesson has a video of that size; else None."""
    wanted = request.args.get("size")
    if wanted is None:
        return None
    sizes = {size.key for video in view.text.videos for size in video.sizes}
    return wanted if wanted in sizes else None


def _wanted_text_problems(view: LessonView) -> tuple[ShownProblem, ...]:
    """In the educators' preview: why the wanted language's text is not shown, if it is broken."""
    if not current_app.config.get("PREVIEW") or not view.is_fallback:
        return ()
    wanted = view.lesson.path / f"{view.wanted_lang}.md"
    catalogue = current_catalogue()
    base = catalogue.root.parent if catalogue.root else None
    return shown_problems((problem for problem in catalogue.problems if problem.path == wanted and problem.is_error),
                          base)


def render_lesson(view: LessonView, standing: LessonStanding) -> Response:
    """The lesson page: the text, then the way to its quiz and to the next lesson.

    The page is rendered once per generation (page_parts.py); the learner's parts — the "done" mark or its
    form, the quiz's best score, a message — are put in. A reader gets the same page with a reader's parts.
    The quiz has a page of its own, so a lesson's first view stays small on a slow connection.
    """
    before, after = view.course.neighbours(view.lesson)
    size = chosen_size(view)
    lang = get_locale()
    page = slotted_page(lesson_page_key(request.path, size, bool(request.query_string)), LESSON_TEMPLATE, lambda: {
        "view": view, "course": view.course, "lesson": view.lesson, "text": view.text, "before": before,
        "after": after, "quiz": view.quiz, "size": size, "wanted_problems": _wanted_text_problems(view)})
    html = page.fill({
        "messages": messages_part(),
        "best_score": "" if standing.best_score is None else
        personal_part(best_score_key(lang, standing.best_score), "best_score", standing.best_score),
        "lesson_actions": personal_part(lesson_actions_key(lang, view.course.slug, view.lesson.slug,
                                                           standing.completed),
                                        "lesson_actions", standing.completed, view.course, view.lesson, after),
    })
    checked = request.args.keys() <= {"size"} and len(request.args.getlist("size")) <= 1 and \
        (size is not None or "size" not in request.args)
    return shared_page(html, (view.course.slug, view.lesson.slug, view.text.lang), query_checked=checked)
