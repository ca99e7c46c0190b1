"""Who the learner is to this site: a random id in the session cookie, and nothing more.

Flask-Login keeps that id in the session. Sessions end after ``LEARNER_SESSION_HOURS``
without a request (the last-seen time lives only in the signed cookie, never on the server),
and when the browser closes unless the learner asked to be remembered.
"""

from __future__ import annotations

import time

from flask import Flask, current_app, session
from flask_login import logout_user

from ..db import get_session
from ..extensions import login_manager
from ..models import Learner

LAST_SEEN_KEY = "seen_at"


def load_learner(learner_id: str) -> Learner | None:
    """Flask-Login's loader: the learner with this id, if they still exist (deleted ones do not)."""
    return get_session().get(Learner, learner_id)


def expire_idle_session() -> None:
    """End a learner session that has been idle too long; otherwise note this request's time."""
    now = int(time.time())
    seen_at = session.get(LAST_SEEN_KEY)
    limit = current_app.config["LEARNER_SESSION_HOURS"] * 3600
    if isinstance(seen_at, int) and now - seen_at > limit:
        logout_user()
        session.clear()
    if session:
        # Coarse to the minute: the cookie need not be rewritten on every request.
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
