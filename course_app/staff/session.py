"""A signed-in staff member's session: a random token in the cookie, its hash in the database.

Logging in clears the whole cookie session and starts a new token (the session id is renewed);
logging out deletes the row, so a copied cookie stops working at once; a session unused for
``STAFF_SESSION_MINUTES`` ends by itself.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app, g, session
from sqlalchemy import delete

from ..clock import clock
from ..db import get_session
from ..models import StaffMember, StaffSession

TOKEN_KEY = "staff_token"
PENDING_KEY = "staff_pending"   # an account whose password was right, enrolling its authenticator
PENDING_MINUTES = 10


def now_utc() -> datetime:
    """Now, in UTC without a zone (how staff times are stored), from the app's clock."""
    return clock().now().replace(tzinfo=None)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def begin(member: StaffMember) -> None:
    """Sign ``member`` in: a fresh session (new browser token too) with a new staff token (the caller commits)."""
    session.clear()
    session.rotate()  # type: ignore[attr-defined]  # the app's session is a ServerSession
    token = secrets.token_urlsafe(32)
    get_session().add(StaffSession(token_hash=_digest(token), staff_id=member.id, last_seen_at=now_utc()))
    session[TOKEN_KEY] = token
    g.staff_member = member


def end() -> None:
    """Sign out: the token stops working everywhere, and the cookie session is emptied."""
    token = session.get(TOKEN_KEY)
    if isinstance(token, str):
        get_session().execute(delete(StaffSession).where(StaffSession.token_hash == _digest(token)))
    session.clear()
    g.staff_member = None


def find_signed_in_member() -> None:
    """Before each staff request: find who is signed in, keeping the session alive or ending it.

    The one place a staff session is written while browsing (its last-seen minute, or its row
    deleted when it has expired), committed here, before the view runs, so that reading who is
    signed in (``current_staff``, also from templates) never writes.
    """
    member = None
    token = session.get(TOKEN_KEY)
    if isinstance(token, str):
        db = get_session()
        row = db.get(StaffSession, _digest(token))
        idle_limit = timedelta(minutes=current_app.config["STAFF_SESSION_MINUTES"])
        now = now_utc()
        if row is not None and now - row.last_seen_at <= idle_limit:
            candidate = db.get(StaffMember, row.staff_id)
            if candidate is not None and not candidate.disabled and candidate.totp_enrolled:
                member = candidate
                if now - row.last_seen_at >= timedelta(minutes=1):
                    row.last_seen_at = now
                    db.commit()
        elif row is not None:
            db.delete(row)
            db.commit()
        if member is None:
            session.pop(TOKEN_KEY, None)
    g.staff_member = member


def current_staff() -> StaffMember | None:
    """The staff member signed in for this request, or None (expired, signed out, disabled, never signed in)."""
    member: StaffMember | None = g.get("staff_member")
    return member


def set_pending(member: StaffMember) -> None:
    session.clear()
    session[PENDING_KEY] = [member.id, int(now_utc().timestamp())]


def pending_member() -> StaffMember | None:
    """The account half-way through signing in (password checked, authenticator not yet enrolled)."""
    value = session.get(PENDING_KEY)
    if not (isinstance(value, list) and len(value) == 2):
        return None
    member_id, since = value
    if now_utc().timestamp() - since > PENDING_MINUTES * 60:
        session.pop(PENDING_KEY, None)
        return None
    member = get_session().get(StaffMember, member_id)
    return member if member is not None and not member.disabled and not member.totp_enrolled else None
