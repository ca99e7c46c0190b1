"""Who the learner is to this site: a random id the server keeps for their browser, and nothing more.

A reader is nobody: reading a page creates no learner, no record and no cookie (S5). A learner
row is created at the first action that has something to keep — a quiz answered, a lesson
marked done, a code saved — and the browser's session (web/sessions.py) then names that learner
on the server. Opening lessons after that is recorded as progress, by the day.
"""

from __future__ import annotations

from flask import g, session

from ..clock import clock
from ..db import get_session
from ..domain.learners import create_learner
from ..models import Learner
from ..web.sessions import ServerSession


def browser_session() -> ServerSession:
    """This request's session (always a ServerSession in this app)."""
    assert isinstance(session, ServerSession)
    return session


def current_learner() -> Learner | None:
    """The learner this browser studies as, if it has acted before (and the learner still exists)."""
    if "learner" not in g:
        learner_id = browser_session().learner_id
        g.learner = get_session().get(Learner, learner_id) if learner_id is not None else None
    learner: Learner | None = g.learner
    return learner


def ensure_learner() -> Learner:
    """The current learner, creating one for this browser if it has none yet (the caller commits)."""
    learner = current_learner()
    today = clock().today()
    if learner is not None:
        learner.touch(today)
        return learner
    learner = create_learner(get_session(), today)
    become(learner)
    return learner


def become(learner: Learner) -> None:
    """From this response on, this browser studies as ``learner``."""
    browser_session().learner_id = learner.id
    g.learner = learner


def forget_learner() -> None:
    """End the session completely: the record is deleted on the server and the cookie in the browser."""
    browser_session().end()
    g.learner = None
