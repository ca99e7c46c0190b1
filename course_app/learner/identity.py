"""Who the learner is to this site: a random id in the session cookie, and nothing more.

Flask-Login keeps that id in the session. A learner row is created only when there is
something to keep: progress from a second page onwards (a visitor who opens one page and
leaves, or a crawler that keeps no cookies, leaves no row), or a quiz answer, a lesson marked
done, or a saved code. Sessions end after ``LEARNER_SESSION_HOURS`` without a request (the
time lives only in the signed cookie, never on the server) and when the browser closes,
unless the learner asked to be remembered.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

from flask import Flask, current_app, session
from flask_login import current_user, login_user, logout_user

from ..db import get_session
from ..domain.learners import create_learner
from ..content import current_catalogue
from ..domain.progress import LessonPlace, record_lesson_reached
from ..extensions import login_manager
from ..models import Learner

LAST_SEEN_KEY = "seen_at"
FIRST_LESSON_KEY = "first_lesson"


def today() -> date:
    """Today's date in UTC: the only time information ever stored about a learner."""
    return datetime.now(UTC).date()


def load_learner(learner_id: str) -> Learner | None:
    """Flask-Login's loader: the learner with this id, if they still exist (deleted ones do not)."""
    return get_session().get(Learner, learner_id)


def current_learner() -> Learner | None:
    return current_user if isinstance(current_user._get_current_object(), Learner) else None  # type: ignore[attr-defined]


def ensure_learner() -> Learner:
    """The current learner, creating one (and keeping the first lesson they opened) if needed."""
    learner = current_learner()
    if learner is not None:
        learner.touch(today())
        return learner
    db = get_session()
    learner = create_learner(db, today())
    pending = session.pop(FIRST_LESSON_KEY, None)
    if isinstance(pending, list) and len(pending) == 3 and all(isinstance(part, str) for part in pending):
        course = current_catalogue().course(pending[0])
        if course is not None and pending[1] in course.lessons_by_slug:
            place = LessonPlace(course.slug, pending[1], len(course.lessons))
            record_lesson_reached(db, learner, place, pending[2], today())
    login_user(learner)
    return learner


def note_lesson_opened(place: LessonPlace, lang: str) -> bool:
    """Record that a lesson was opened. Returns True when the database changed (the caller commits).

    A first-ever page leaves only a note in the cookie; the row is written on the next page.
    """
    if current_learner() is None and not session:
        session[FIRST_LESSON_KEY] = [place.course_slug, place.lesson_slug, lang]
        return False
    learner = ensure_learner()
    record_lesson_reached(get_session(), learner, place, lang, today())
    return True


def forget_learner() -> None:
    """End the learner's session completely (the cookie is deleted)."""
    logout_user()
    session.clear()


def expire_idle_session() -> None:
    """End a learner session that has been idle too long; otherwise note this request's time.

    Too long is LEARNER_SESSION_HOURS, or REMEMBER_DEVICE_DAYS for a device the learner asked
    to be remembered on.
    """
    now = int(time.time())
    seen_at = session.get(LAST_SEEN_KEY)
    if session.permanent:  # "remember this device": the cookie itself lasts REMEMBER_DEVICE_DAYS
        limit = current_app.config["REMEMBER_DEVICE_DAYS"] * 86400
    else:
        limit = current_app.config["LEARNER_SESSION_HOURS"] * 3600
    if isinstance(seen_at, int) and now - seen_at > limit:
        forget_learner()
    if session:
        # Coarse to the minute, so the cookie is not rewritten on every request.
        minute = now - now % 60
        if session.get(LAST_SEEN_KEY) != minute:
            session[LAST_SEEN_KEY] = minute


def _no_client_identifier() -> str:
    return ""


def init_app(app: Flask) -> None:
    login_manager.user_loader(load_learner)
    # Flask-Login would otherwise put a hash of the client's address and browser into the
    # session cookie, and compare it on every request. Nothing about the client goes in (S3, S5).
    login_manager.session_protection = None
    login_manager._session_identifier_generator = _no_client_identifier  # noqa: SLF001
    app.before_request(expire_idle_session)
