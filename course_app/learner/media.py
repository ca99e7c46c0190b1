"""Lesson media (video sizes, posters, subtitles, pictures): served with range requests.

Only files a loaded lesson publishes can be fetched: the name is looked up in that lesson's
list of media, so no path typed into the address can reach any other file.
"""

from __future__ import annotations

from flask import abort, request, send_file
from werkzeug.wrappers import Response

from ..content.video import MediaFile
from ..headers import ONE_YEAR
from . import bp
from .lookup import find_course


@bp.get("/media/<course_slug>/<lesson_slug>/<path:name>")
def media(course_slug: str, lesson_slug: str, name: str) -> Response:
    """A lesson's media file by readable address."""
    lesson = find_course(course_slug=course_slug).lessons_by_slug.get(lesson_slug)
    return _send(lesson.media_file(name) if lesson is not None else None)


@bp.get("/media/c/<int:course_number>/<int:lesson_number>/<path:name>")
def media_numbered(course_number: int, lesson_number: int, name: str) -> Response:
    """A lesson's media file by neutral address."""
    course = find_course(course_number=course_number)
    lesson = next((lesson for lesson in course.lessons if lesson.number == lesson_number), None)
    return _send(lesson.media_file_by_neutral_name(name) if lesson is not None else None)


def _send(file: MediaFile | None) -> Response:
    if file is None:
        abort(404)
    response = send_file(file.path, mimetype=file.mimetype, conditional=True, etag=file.version, max_age=0)
    if request.args.get("v") == file.version:
        # The address names this exact version, so it may be kept for a year.
        response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    response.headers["Accept-Ranges"] = "bytes"
    return response
