"""Lesson media (video sizes, posters, subtitles, pictures): served with range requests, never kept.

Only files a loaded lesson publishes can be fetched: the name is looked up in that lesson's
list of media, so no path typed into the address can reach any other file. The file is
examined again as it is sent (a link may have appeared since the catalogue was loaded) and
opened without following links (see content/boundary.py).

Every answer is ``no-store`` (S11): a subtitle file is the whole lesson's transcript, a poster
shows its topic, and a phone's cache is exactly where a search would look.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from urllib.parse import quote

from flask import abort, current_app, request, send_file
from werkzeug.wrappers import Response

from ..content.boundary import OutsideBoundary, open_published
from ..content.video import MediaFile
from .blueprint import bp
from .lookup import find_course

log = logging.getLogger("course_app.media")


@bp.get("/media/<course_slug>/<lesson_slug>/<path:name>")
def media(course_slug: str, lesson_slug: str, name: str) -> Response:
    """A lesson's media file by readable address."""
    lesson = find_course(course_slug=course_slug).lessons_by_slug.get(lesson_slug)
    return send_media(lesson.media_file(name) if lesson is not None else None)


@bp.get("/media/c/<int:course_number>/<int:lesson_number>/<path:name>")
def media_numbered(course_number: int, lesson_number: int, name: str) -> Response:
    """A lesson's media file by neutral address."""
    course = find_course(course_number=course_number)
    lesson = next((lesson for lesson in course.lessons if lesson.number == lesson_number), None)
    return send_media(lesson.media_file_by_neutral_name(name) if lesson is not None else None)


def send_media(file: MediaFile | None) -> Response:
    """Send a published file (ranges and conditional requests work), or 404 if it may not be sent now."""
    if file is None:
        abort(404)
    try:
        opened = open_published(file.path, file.folder)
    except (OutsideBoundary, OSError) as refusal:
        # The educator's file changed under the running site; nothing about the client is logged.
        log.warning("refused to send %s: %s", file.name, refusal)
        abort(404)
    accel_prefix = current_app.config["MEDIA_ACCEL_REDIRECT"]
    if accel_prefix:
        opened.handle.close()
        response = Response(status=200, mimetype=file.mimetype)
        response.headers["X-Accel-Redirect"] = front_server_address(accel_prefix, opened.real_path)
    else:
        response = send_file(opened.handle, mimetype=file.mimetype, conditional=False, etag=False, max_age=None)
        response.content_length = opened.status.st_size
        response.last_modified = opened.status.st_mtime  # type: ignore[assignment]  # a timestamp is accepted
        response.set_etag(file.version)
        response = response.make_conditional(request.environ, accept_ranges=True,
                                             complete_length=opened.status.st_size)
    response.headers["Cache-Control"] = "no-store"
    return response


def front_server_address(prefix: str, real_path: Path) -> str:
    """The internal address nginx sends a checked file from (``X-Accel-Redirect``, see docs/deploy.md).

    nginx serves these addresses only as ``internal`` locations, so no address a client types
    reaches a media file without passing the checks above; ``lessons/…`` maps to LESSONS_DIR and
    ``media/…`` to MEDIA_DIR, both with ``disable_symlinks on``.
    """
    for kind, setting in (("lessons", "LESSONS_DIR"), ("media", "MEDIA_DIR")):
        base = current_app.config[setting]
        if base and real_path.is_relative_to(os.path.realpath(base)):
            relative = real_path.relative_to(os.path.realpath(base)).as_posix()
            return f"{prefix.rstrip('/')}/{kind}/{quote(relative)}"
    abort(404)
