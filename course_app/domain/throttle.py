"""Throttling failures per key (a staff account), counted in the database so that every app
server shares the count. Keys are never client addresses: behind Tor every client is 127.0.0.1."""

from __future__ import annotations

from sqlalchemy import case, delete
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


def clear(session: Session, key: str) -> None:
    session.execute(delete(ThrottleWindow).where(ThrottleWindow.key == key))



def blocked_until(session: Session, key: str, limit: int, window_seconds: int, now: int) -> int | None:
    """When ``key`` may try again (a Unix time), if it has had ``limit`` failures in its current window; else None.

    The same rule ``record_failure``'s callers apply: the try after the ``limit``-th failure is refused
    until the window that counted them has passed.
    """
    row = session.get(ThrottleWindow, key)
    if row is None or row.count < limit or row.window_start <= now - window_seconds:
        return None
    return int(row.window_start) + window_seconds
