"""A learner's lesson or progress page, when nothing about their session changes, answered from the kept parts
without Flask.

Most of a learner's page views change nothing: the lesson is one they reached before, their
session record was written today, the cookie is not due to be sealed again, and there is no
message to show. Such a view is the page kept for this generation (page_parts.py) with the
learner's own parts put in, and the same headers every response carries — so it is answered
here, before Flask runs, the way ReaderPages answers a reader: the cookie opened with the
server's key, the kept text joined with the kept parts, gzip when the browser accepts it. What
each of these addresses names (its language, its lesson) is found once per generation and kept
with it (``_steady_address``), since the URL map and the catalogue do not change within one. A
lesson page needs one look-up, which reads the session record and the learner's standing on the
lesson together; the progress page two, the session record and then everything the learner did
(``progress_summary``), whose parts come from the kept sections per course
(progress_parts.py, the same function the app draws them with).

Anything else goes through the app, which renders, writes and seals as needed: a lesson new to
the learner, the first page of a day, a cookie due to be sealed again, a message, a short-lived
value past its minutes, an address with a query, a page or part not drawn yet in this
generation, the preview, any error. ``tests/learner/test_learner_pages.py`` checks that both
ways give the same status, headers and bytes.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Flask
from sqlalchemy import and_, bindparam, select
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_accept_header

from ..content import catalogue_store
from ..content.store import Generation
from ..db import database, table
from ..domain.progress import progress_summary
from ..driver_statements import DriverStatement
from ..models import BrowserSession, LessonProgress, QuizProgress
from ..web.compression import MINIMUM_BYTES
from ..web.headers import security_headers
from ..web.sessions import OPEN_RECORD, SealedValue, ServerSessionInterface, token_hash
from .lookup import LessonView, find_lesson
from .page_parts import (
    LESSON_TEMPLATE,
    DrawnParts,
    KeptParts,
    NotDrawnYet,
    best_score_key,
    drawn_part,
    lesson_actions_key,
    lesson_page_key,
    rendered_page,
)
from .progress_parts import PROGRESS_TEMPLATE, progress_page_key, progress_parts
from .reads import count_read

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

LESSON_ENDPOINTS = frozenset({"learner.lesson", "learner.lesson_numbered"})
PROGRESS_ENDPOINT = "learner.progress"
_SESSIONS, _LESSONS, _QUIZZES = table(BrowserSession).c, table(LessonProgress).c, table(QuizProgress).c
# The session record and the learner's standing on the lesson, in one look-up.
_SESSION_AND_STANDING = DriverStatement(select(
    _SESSIONS.learner_id, _SESSIONS.remembered, _SESSIONS.last_seen_on, _SESSIONS.data,
    _LESSONS.learner_id.is_not(None).label("reached"), _LESSONS.completed_on.is_not(None).label("completed"),
    _QUIZZES.best_score,
).select_from(
    table(BrowserSession)
    .outerjoin(table(LessonProgress), and_(_LESSONS.learner_id == _SESSIONS.learner_id,
                                           _LESSONS.course_slug == bindparam("course_slug"),
                                           _LESSONS.lesson_slug == bindparam("lesson_slug")))
    .outerjoin(table(QuizProgress), and_(_QUIZZES.learner_id == _SESSIONS.learner_id,
                                         _QUIZZES.course_slug == bindparam("course_slug"),
                                         _QUIZZES.lesson_slug == bindparam("lesson_slug")))
).where(_SESSIONS.token_hash == bindparam("token_hash")))


def steady_page(app: Flask, environ: WSGIEnvironment, cookie: str) -> tuple[str, list[tuple[str, str]], bytes] | None:
    """Status, headers and body of a learner's lesson or progress page that changes nothing, or None (the app
    answers).

    :param cookie: the value of the site's cookie the request carries.
    """
    if environ.get("REQUEST_METHOD") != "GET" or environ.get("QUERY_STRING") or app.config.get("PREVIEW"):
        return None
    interface = app.session_interface
    if not cookie or not isinstance(interface, ServerSessionInterface):
        return None
    generation = catalogue_store(app).generation
    address = _steady_address(app, environ, generation)  # first: cheaper than opening the cookie, and most are not
    if address is None:
        return None
    sealed = interface.open_cookie(app, cookie)
    if sealed is None:
        return None
    path = environ.get("PATH_INFO", "")
    with app.app_context():
        if address.lesson is None:
            body = _steady_progress_page(app, interface, sealed, path, address.lang)
        else:
            body = _steady_lesson_page(app, interface, sealed, path, address.lesson,
                                       environ.get("HTTP_USER_AGENT", ""))
    if body is None or catalogue_store(app).generation is not generation:
        return None  # the lessons were published anew meanwhile: the page and its parts may be of two generations
    headers = [("Content-Type", "text/html; charset=utf-8")]
    if parse_accept_header(environ.get("HTTP_ACCEPT_ENCODING"))["gzip"] and len(body) >= MINIMUM_BYTES:
        body = gzip.compress(body, compresslevel=6, mtime=0)
        headers += [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding, Cookie")]
    else:
        headers.append(("Vary", "Cookie"))
    headers.append(("Content-Length", str(len(body))))
    headers += security_headers(app, secure=environ.get("wsgi.url_scheme") == "https", full_path=path, html=True)
    return "200 OK", headers, body


@dataclass(frozen=True)
class SteadyAddress:
    """What a lesson or progress address names: its language, and the lesson (None: the progress page)."""

    lang: str
    lesson: LessonView | None


def _steady_address(app: Flask, environ: WSGIEnvironment, generation: Generation) -> SteadyAddress | None:
    """The lesson or progress page an address names, or None (another address, or a lesson held back).

    The URL map and the catalogue are the same for every request of a generation, so what each of these addresses
    names is found once and kept with the generation (at most ``MAX_KEPT`` of them; nothing for other addresses,
    nor for another spelling of one, so a client cannot push the learners' addresses out by sending many). The
    address is its path alone: the request is a GET without a query, and the map does not match hosts."""
    path = environ.get("PATH_INFO", "")
    addresses = generation.cache("steady_addresses", KeptParts)
    found: SteadyAddress | None = addresses.get(path)
    if found is not None:
        return found
    try:
        adapter = app.url_map.bind_to_environ(environ)
        endpoint, arguments = adapter.match(method="GET")
        if adapter.build(endpoint, arguments) != environ.get("SCRIPT_NAME", "") + path:
            return None  # another spelling of an address ("/en/c/01/5"): the app answers it, and nothing is kept
        if endpoint == PROGRESS_ENDPOINT:
            found = SteadyAddress(arguments["lang"], None)
        elif endpoint in LESSON_ENDPOINTS:
            with app.app_context():
                found = SteadyAddress(arguments["lang"], find_lesson(**arguments))
        else:
            return None
    except HTTPException:  # no such page, a redirect, or a lesson held back: the app says so
        return None
    kept: SteadyAddress = addresses.get_or_make(path, lambda: found)
    return kept


def _changes_nothing(app: Flask, interface: ServerSessionInterface, sealed: SealedValue, row: Any) -> bool:
    """Whether answering leaves the session record ``row`` (its learner, remembered, last_seen_on and data) exactly
    as it is, and sends no cookie."""
    return interface.steady_learner(
        app, sealed, row.learner_id, row.remembered, row.last_seen_on, row.data) is not None


def _steady_lesson_page(app: Flask, interface: ServerSessionInterface, sealed: SealedValue, path: str,
                        view: LessonView, user_agent: str) -> bytes | None:
    """A lesson page the learner reached before: the kept page with their two kept parts."""
    page = rendered_page(lesson_page_key(path, None, False), LESSON_TEMPLATE)
    if page is None:
        return None
    with database(app).engine.connect() as connection:
        row = _SESSION_AND_STANDING.first(connection, {
            "token_hash": token_hash(sealed.token), "course_slug": view.course.slug,
            "lesson_slug": view.lesson.slug})
    if row is None or not row.reached or not _changes_nothing(app, interface, sealed, row):
        return None
    lang = view.wanted_lang
    best_score = "" if row.best_score is None else drawn_part(best_score_key(lang, row.best_score), "best_score")
    actions = drawn_part(lesson_actions_key(lang, view.course.slug, view.lesson.slug, bool(row.completed)),
                         "lesson_actions")
    if best_score is None or actions is None:
        return None
    body = page.fill({"messages": "", "best_score": best_score, "lesson_actions": actions}).encode()
    count_read(app, view.course.slug, view.lesson.slug, view.text.lang, user_agent)
    return body


def _steady_progress_page(app: Flask, interface: ServerSessionInterface, sealed: SealedValue, path: str,
                          lang: str) -> bytes | None:
    """The learner's progress page: the kept page with their courses from the kept sections and parts."""
    page = rendered_page(progress_page_key(path, False), PROGRESS_TEMPLATE)
    drawn = DrawnParts.of_this_generation()
    if page is None or drawn is None:
        return None
    with database(app).engine.connect() as connection:
        row = OPEN_RECORD.first(connection, {"token_hash": token_hash(sealed.token)})
        if row is None or not _changes_nothing(app, interface, sealed, row):
            return None
        summary = progress_summary(connection, row.learner_id)
    try:
        parts = progress_parts(summary, row.remembered, lang, drawn)
    except NotDrawnYet:
        return None
    return page.fill({**parts, "messages": ""}).encode()
