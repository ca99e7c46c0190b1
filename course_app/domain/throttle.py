"""Throttling failures per key (a staff account), counted in the database so that every app
server shares the count. Keys are never client addresses: behind Tor every client is 127.0.0.1.

Two kinds of count: every failure (``record_failure``), and distinct tries (``record_distinct_try``):
an authenticator code typed six times is one guess, not six, so six parallel sign-ins with one
code lock nothing, while six different codes are counted one by one.
"""

from __future__ import annotations

from sqlalchemy import case, delete, or_
from sqlalchemy.orm import Session

from ..db import insert_on_conflict
from ..models import ThrottleWindow


def record_failure(session: Session, key: str, window_seconds: int, now: int) -> int:
    """Count one failure, atomically, starting a new window if the old one has passed; returns the count."""
    insert = insert_on_conflict(session, ThrottleWindow)
    expired = ThrottleWindow.window_start <= now - window_seconds
    statement = insert.values(key=key, window_start=now, count=1).on_conflict_do_update(
        index_elements=[ThrottleWindow.key],
        set_={
            "count": case((expired, 1), else_=ThrottleWindow.count + 1),
            "window_start": case((expired, now), else_=ThrottleWindow.window_start),
        },
    ).returning(ThrottleWindow.count)
    return int(session.execute(statement).scalar_one())


def record_distinct_try(session: Session, key: str, detail: str, window_seconds: int, now: int) -> int:
    """Count ``detail`` (say, a code's keyed hash) under ``key`` once per window, atomically; returns the count.

    The detail's own row is inserted only if it is new, and only a new one adds to the count: two
    statements, each atomic, so parallel tries of one detail count it once and parallel tries of
    different ones are each counted (the count they return is their place in line).
    :param detail: a short keyed hash, never typed text.
    """
    detail_key = f"{key}~{detail}"
    expired = ThrottleWindow.window_start <= now - window_seconds
    insert = insert_on_conflict(session, ThrottleWindow)
    # A detail row past its window is renewed (and counted again), like a count past its window.
    added = session.execute(insert.values(key=detail_key, window_start=now, count=1).on_conflict_do_update(
        index_elements=[ThrottleWindow.key], set_={"window_start": now, "count": 1},
        where=expired).returning(ThrottleWindow.count)).first()
    if added is None:
        return current_count(session, key, window_seconds, now)
    return record_failure(session, key, window_seconds, now)


def current_count(session: Session, key: str, window_seconds: int, now: int) -> int:
    """The failures counted under ``key`` in its current window (0 when none, or the window has passed)."""
    row = session.get(ThrottleWindow, key, populate_existing=True)
    if row is None or row.window_start <= now - window_seconds:
        return 0
    return row.count


def clear(session: Session, key: str) -> None:
    """Forget every count under ``key`` (and the distinct tries counted under it)."""
    session.execute(delete(ThrottleWindow).where(
        or_(ThrottleWindow.key == key, ThrottleWindow.key.startswith(f"{key}~", autoescape=True))))



def blocked_until(session: Session, key: str, limit: int, window_seconds: int, now: int) -> int | None:
    """When ``key`` may try again (a Unix time), if it has had ``limit`` failures in its current window; else None.

    The same rule ``record_failure``'s callers apply: the try after the ``limit``-th failure is refused
    until the window that counted them has passed.
    """
    row = session.get(ThrottleWindow, key)
    if row is None or row.count < limit or row.window_start <= now - window_seconds:
        return None
    return int(row.window_start) + window_seconds
