"""Who is signed in on the staff side: Flask-Login, over the staff session record.

Only Flask-Login sets and reads the signed-in staff member (``login_user``, ``current_user``,
``logout_user``). What it keeps in the browser's session (server-side, see web/sessions.py) as
the user id is not the member's id but a random staff-session token; the database keeps only the
token's SHA-256 (``StaffSession``), and ``load_signed_in_staff`` — Flask-Login's user loader —
opens it only while the session is not idle past ``STAFF_SESSION_MINUTES`` and the account is
enabled and enrolled. Signing out deletes the row, so a copied cookie opens nothing.

In place of Flask-Login's session protection (a hash of the client's address and browser, which
this site never stores): the browser gets a new session token at the password step and again at
the authenticator step, whatever it had before (a cookie planted in a staff member's browser
opens nothing afterwards); the learner part of that browser's session is dropped at the password
step, so a named staff member is never linked to their own study; no remember-me cookie is ever
set; a sign-in is *fresh* for ``FRESH_MINUTES``, after which account changes
(``fresh_login_required``) ask for the password and a code again.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app, redirect, request, session, url_for
from flask_login import UserMixin, current_user, login_user, logout_user
from sqlalchemy import delete
from werkzeug.wrappers import Response

from ..clock import clock
from ..db import get_session
from ..extensions import login_manager
from ..i18n import STAFF_LANGUAGE_ARG, STAFF_LANGUAGE_KEY
from ..models import StaffMember, StaffSession
from ..web.sessions import ServerSession

PENDING_KEY = "staff_pending"   # an account whose password was right, enrolling its authenticator
PENDING_MINUTES = 10
FRESH_UNTIL_KEY = "staff_fresh_until"  # the minute (Unix minutes) a sign-in stops being fresh
FRESH_MINUTES = 10
# Flask-Login's own keys. "_id" is its hash of the client's address and browser: never kept.
FLASK_LOGIN_IDENTIFIER = "_id"


def now_utc() -> datetime:
    """Now, in UTC without a zone (how staff times are stored), from the app's clock."""
    return clock().now().replace(tzinfo=None)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _browser_session() -> ServerSession:
    assert isinstance(session, ServerSession)  # the app's session interface (web/sessions.py)
    return session


class SignedInStaff(UserMixin):
    """A staff member signed in through one staff session: what Flask-Login's ``current_user`` is."""

    def __init__(self, member: StaffMember, token: str, row: StaffSession) -> None:
        self.member = member
        self.token = token
        self.row = row

    def get_id(self) -> str:
        """Flask-Login's user id: the staff session's token (never the member's id, which never changes)."""
        return self.token

    @property
    def is_active(self) -> bool:
        """Only enabled, enrolled accounts are signed in."""
        return not self.member.disabled and self.member.totp_enrolled


@login_manager.user_loader
def load_signed_in_staff(token: str) -> SignedInStaff | None:
    """Flask-Login's user loader: the member a staff-session token opens, or None (expired, ended, disabled)."""
    if not isinstance(token, str):
        return None
    db = get_session()
    row = db.get(StaffSession, _digest(token))
    idle_limit = timedelta(minutes=current_app.config["STAFF_SESSION_MINUTES"])
    if row is None or now_utc() - row.last_seen_at > idle_limit:
        return None
    member = db.get(StaffMember, row.staff_id)
    if member is None or member.disabled or not member.totp_enrolled:
        return None
    return SignedInStaff(member, token, row)


@login_manager.unauthorized_handler
def to_the_sign_in_page() -> Response:
    """Anonymous visitors to a staff page go to the sign-in page, with nothing written for them."""
    return redirect(url_for("staff.login", next=request.full_path.rstrip("?")))


@login_manager.needs_refresh_handler
def to_sign_in_again() -> Response:
    """An account change after the sign-in stopped being fresh: sign in again first, then come back."""
    return redirect(url_for("staff.login", next=request.full_path.rstrip("?"), again=1))


def _new_browser_session() -> ServerSession:
    """Empty this browser's session and give it a new token; drop the learner it studied as.

    Called at the password step and at the authenticator step: whatever token the browser had
    (one planted by someone else, say) stops working, and no learner is left in the same
    session as a named staff member.
    """
    browser = _browser_session()
    # The language chosen on the sign-in page (in its address) stays for the staff pages.
    chosen = request.args.get(STAFF_LANGUAGE_ARG)
    language = chosen if chosen in current_app.config["LANGUAGES"] else browser.get(STAFF_LANGUAGE_KEY)
    browser.clear()
    if language is not None:
        browser[STAFF_LANGUAGE_KEY] = language
    browser.learner_id = None
    browser.rotate()
    return browser


def begin_password_step(member: StaffMember) -> None:
    """The password was right and the account has no authenticator yet: remember it for enrolment only."""
    _new_browser_session()[PENDING_KEY] = [member.id, int(now_utc().timestamp())]


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


def sign_in(member: StaffMember) -> None:
    """Sign ``member`` in, after the second factor: a new browser token, a new staff session (the caller commits).

    Signing in again (for a fresh sign-in) ends the staff session it replaces, as signing out would."""
    _end_staff_session()
    browser = _new_browser_session()
    token = secrets.token_urlsafe(32)
    row = StaffSession(token_hash=_digest(token), staff_id=member.id, last_seen_at=now_utc())
    get_session().add(row)
    login_user(SignedInStaff(member, token, row), remember=False, fresh=True)
    browser.pop(FLASK_LOGIN_IDENTIFIER, None)  # its hash of address and browser: never stored (S3, S4)
    browser[FRESH_UNTIL_KEY] = _minute() + FRESH_MINUTES


def sign_out() -> None:
    """Sign out: the staff session ends on the server, and the browser's session with it (the caller commits)."""
    _end_staff_session()
    logout_user()
    _browser_session().end()


def _end_staff_session() -> None:
    """End the signed-in member's staff session on the server, if there is one."""
    user = current_user._get_current_object()
    if isinstance(user, SignedInStaff):
        get_session().execute(delete(StaffSession).where(StaffSession.token_hash == _digest(user.token)))


def _minute() -> int:
    return int(clock().timestamp() // 60)


def keep_staff_session_alive() -> None:
    """Before each staff request: move a signed-in session's last-seen minute on, or clear one that ended.

    The one place a staff session is written while browsing, committed before the view runs,
    so that reading who is signed in (``current_user``, also from templates) never writes.
    A visitor who is not signed in has nothing read or written here.
    """
    if "_user_id" not in session:
        return
    user = current_user._get_current_object()
    db = get_session()
    if isinstance(user, SignedInStaff):
        if now_utc() - user.row.last_seen_at >= timedelta(minutes=1):
            user.row.last_seen_at = now_utc()
            db.commit()
        if session.get("_fresh") and _minute() > int(session.get(FRESH_UNTIL_KEY, 0)):
            session["_fresh"] = False
        return
    token = session.get("_user_id")
    if isinstance(token, str):  # expired, signed out elsewhere or disabled: its row goes, and the id with it
        db.execute(delete(StaffSession).where(StaffSession.token_hash == _digest(token)))
        db.commit()
    logout_user()


def signed_in_member() -> StaffMember:
    """The staff member signed in for this request (only in views guarded by ``login_required``)."""
    user = current_user._get_current_object()
    assert isinstance(user, SignedInStaff)  # guarded by login_required
    return user.member
