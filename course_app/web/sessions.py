"""The one cookie (safety invariant S5): an opaque, sealed token; everything else stays on the server.

A police officer who copies a phone's cookie jar must learn nothing from it. So the cookie holds
no course, lesson, answer, score, time or code: it is 16 random bytes (the token), two expiry
minutes and a 16-byte key (random while a quiz result is kept, zeros otherwise), encrypted and
authenticated with AES-GCM under a key derived from ``SECRET_KEY`` — to anyone without the
server's key it is random noise of one length, and it changes each time it is written.

The server keeps what the token opens (``models.session.BrowserSession``): the learner, two
days, and the session's short-lived state, as JSON. Flask's ``session`` object reads and writes
that state as usual, so flashes, the staff's form tokens and a quiz result all live there.

- **Reading sets no cookie.** A request whose session stays empty writes nothing and sets
  nothing: a record and a cookie appear only when a learner acts (answers a quiz, marks a lesson
  done, saves or enters a code, asks to be remembered) or staff sign in.
- **Expiry** travels sealed in the cookie, to the minute (``LEARNER_SESSION_HOURS`` idle, or
  ``REMEMBER_DEVICE_DAYS`` on a remembered device); the server itself stores days only, and
  ``course-app purge`` removes records nobody can open any more.
- **Short-lived state** (a quiz result's answers) is sealed in the record under the key the
  cookie carries: the server alone, or whoever copies its database, cannot read it. It is
  refused after its minutes, and removed at the browser's next request of any kind.
- **Ending** a session deletes its record: a copied cookie then opens nothing.
- **Rotation**: entering a code or signing in as staff gives the browser a new token.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import math
import secrets
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, Request, Response, has_request_context, request
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.datastructures import CallbackDict

from ..clock import clock
from ..db import checkpoint_after_delete, get_session, table
from ..driver_statements import DriverStatement
from ..models import BrowserSession, Learner

log = logging.getLogger("course_app.web.sessions")

TOKEN_BYTES = 16
NONCE_BYTES = 12
BRIEF_KEY_BYTES = 16
# token, session expires (minute), short-lived state expires (minute), the short-lived state's key
_PAYLOAD = struct.Struct(f">{TOKEN_BYTES}sII{BRIEF_KEY_BYTES}s")
_PAYLOAD_BEFORE_BRIEF_KEYS = struct.Struct(f">{TOKEN_BYTES}sII")  # cookies written before the key existed
# Where the short-lived state lives in the record: sealed under a key that only the cookie holds.
BRIEF_FIELD = "_brief"
# A cookie is rewritten to slide its expiry at most this often (rewriting on every page would
# make every page per-visitor).
REFRESH_EVERY_MINUTES = 10


def _minute(timestamp: float) -> int:
    return int(timestamp // 60)


@dataclass(frozen=True)
class SealedValue:
    """What a session cookie says, once opened with the server's key."""

    token: bytes
    expires_minute: int
    short_lived_until_minute: int
    brief_key: bytes = b""


class CookieSeal:
    """Seals and opens cookie values: AES-GCM with a key derived from SECRET_KEY, base64url, no padding."""

    def __init__(self, secret_key: str) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"course_app session cookie v1").derive(secret_key.encode())
        self._aead = AESGCM(key)

    def seal(self, value: SealedValue) -> str:
        nonce = secrets.token_bytes(NONCE_BYTES)
        payload = _PAYLOAD.pack(value.token, value.expires_minute, value.short_lived_until_minute,
                                value.brief_key.ljust(BRIEF_KEY_BYTES, b"\0"))
        sealed = nonce + self._aead.encrypt(nonce, payload, b"session")
        return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii")

    def open(self, text: str) -> SealedValue | None:
        """The sealed value, or None for anything this server did not write (or that was altered)."""
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            payload = self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], b"session")
            if len(payload) == _PAYLOAD_BEFORE_BRIEF_KEYS.size:
                token, expires, short_lived = _PAYLOAD_BEFORE_BRIEF_KEYS.unpack(payload)
                brief_key = b""
            else:
                token, expires, short_lived, brief_key = _PAYLOAD.unpack(payload)
        except (ValueError, InvalidTag, struct.error):
            return None
        return SealedValue(token, expires, short_lived, brief_key.strip(b"\0") and brief_key)


def _seal_brief(key: bytes, values: Mapping[str, Any]) -> str:
    """Short-lived values as the record keeps them: AES-GCM under the cookie's own key, base64url."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    plain = json.dumps(dict(values), separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(nonce + AESGCM(key).encrypt(nonce, plain, b"brief")).decode("ascii")


def _open_brief(key: bytes, sealed: object) -> dict[str, Any]:
    """Short-lived values sealed with ``key``; empty when there are none, or they cannot be opened."""
    if not key or not isinstance(sealed, str):
        return {}
    try:
        raw = base64.urlsafe_b64decode(sealed)
        values = json.loads(AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], b"brief"))
    except (ValueError, InvalidTag):
        return {}
    return values if isinstance(values, dict) else {}


def token_hash(token: bytes) -> str:
    """What the database keeps of a token: its SHA-256 (a stolen database opens no session)."""
    return hashlib.sha256(token).hexdigest()


@dataclass(frozen=True)
class SealedBrief:
    """Short-lived values sealed under a new key (``ServerSession.seal_briefly``), not yet kept."""

    key: bytes
    sealed: str
    until_minute: int


class ServerSession(CallbackDict[str, Any], SessionMixin):
    """Flask's ``session`` for this app: a dict kept on the server, plus who the browser is.

    ``learner_id`` is the learner this browser studies as (None until it acts). ``end()`` ends
    the session everywhere; ``rotate()`` gives the browser a new token at the next response.

    Short-lived values (``seal_briefly``, then ``keep_sealed``: a quiz result's answers) are sealed in the record under
    a random key that only the browser's cookie holds, so the server alone can never read them;
    past their minutes they are refused, and the next request of any kind removes them.
    """

    def __init__(self, data: Mapping[str, Any] | None = None, *, token: bytes | None = None,
                 learner_id: str | None = None, remembered: bool = False, expires_minute: int = 0,
                 short_lived_until_minute: int = 0, last_seen_on: date | None = None,
                 stale_cookie: bool = False, brief_key: bytes = b"") -> None:
        def on_update(_self: CallbackDict[str, Any]) -> None:
            self.modified = True

        super().__init__(data or {}, on_update)
        self.modified = False
        self.token = token
        self._learner_id = learner_id
        self._remembered = remembered
        self.expires_minute = expires_minute
        self.short_lived_until_minute = short_lived_until_minute
        self.last_seen_on = last_seen_on
        self.stale_cookie = stale_cookie
        self.brief_key = brief_key
        self.identity_changed = False
        self.cookie_changed = False
        self.ended = False
        self.dropped = False
        self.rotating = False
        self.gone = False

    @property
    def learner_id(self) -> str | None:
        return self._learner_id

    @learner_id.setter
    def learner_id(self, value: str | None) -> None:
        if value != self._learner_id:
            self._learner_id = value
            self.identity_changed = True

    @property
    def permanent(self) -> bool:
        """"Remember this device": the cookie outlives the browser."""
        return self._remembered

    @permanent.setter
    def permanent(self, value: bool) -> None:
        if bool(value) != self._remembered:
            self._remembered = bool(value)
            self.identity_changed = self.cookie_changed = True

    @property
    def exists(self) -> bool:
        """Whether the server already keeps a record for this browser."""
        return self.token is not None

    def end(self) -> None:
        """End the session: its record is deleted and the browser told to drop the cookie."""
        self.clear()
        self._learner_id = None
        self.ended = True

    def forget_in_browser_only(self) -> None:
        """Drop the cookie but keep the record (a request from another site may not end a session)."""
        self.dropped = True

    def rotate(self) -> None:
        """Give the browser a new token (the old one stops working) when the response goes out."""
        self.rotating = True

    def seal_briefly(self, key: str, value: Any, minutes: int) -> SealedBrief:
        """The short-lived values with ``value`` added under ``key``, sealed for at most ``minutes`` (or until the
        next action, leave or delete) — not kept yet: ``keep_sealed`` keeps them. Sealing is the costly part, so a
        view can do it before its transaction's first write and keep the result after."""
        values = self._brief_values()
        values[key] = value
        brief_key = secrets.token_bytes(BRIEF_KEY_BYTES)  # a new key each time: an old cookie opens nothing
        return SealedBrief(brief_key, _seal_brief(brief_key, values), _minute(clock().timestamp()) + minutes)

    def keep_sealed(self, brief: SealedBrief) -> None:
        """From now on, the short-lived values are those ``brief`` sealed (the cookie carries its key)."""
        self.brief_key = brief.key
        self[BRIEF_FIELD] = brief.sealed
        self.short_lived_until_minute = brief.until_minute
        self.cookie_changed = True

    def brief(self, key: str) -> Any:
        """A value kept with ``keep_sealed``, if it has not expired."""
        if _minute(clock().timestamp()) > self.short_lived_until_minute:
            return None
        return self._brief_values().get(key)

    def forget_brief(self) -> None:
        """Drop every short-lived value now (at the learner's next action)."""
        if BRIEF_FIELD in self:
            self.pop(BRIEF_FIELD)
        self.brief_key = b""

    def _brief_values(self) -> dict[str, Any]:
        return _open_brief(self.brief_key, self.get(BRIEF_FIELD))

    def persist(self, db: Session) -> None:
        """Write what changed in this session into ``db``'s transaction now (the view commits it with its own
        changes, in one transaction); the response then writes only what changes after this."""
        if not _has_changes(self, clock().today()):
            return
        if _write_changes(self, db, clock().today()) is GONE:
            self.gone = True


class _Gone:
    """The record was deleted while this request ran (the session ended in another tab)."""


GONE = _Gone()


class ServerSessionInterface(SessionInterface):
    """Opens the session a cookie names, and saves it (creating its record only when there is something to keep)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        """Secure whenever the request came over HTTPS (directly or through a proxy)."""
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or (has_request_context() and request.is_secure)

    def _seal(self, app: Flask) -> CookieSeal:
        seal = app.extensions.get("course_app.cookie_seal")
        if seal is None:
            seal = app.extensions["course_app.cookie_seal"] = CookieSeal(app.config["SECRET_KEY"])
        return seal

    def _limit_minutes(self, app: Flask, remembered: bool) -> int:
        if remembered:
            return int(app.config["REMEMBER_DEVICE_DAYS"]) * 24 * 60
        return int(app.config["LEARNER_SESSION_HOURS"]) * 60

    def _oldest_day(self, app: Flask, remembered: bool, today: date) -> date:
        """The earliest last-seen day a record may have and still be opened (the server's own, coarse check)."""
        days = math.ceil(self._limit_minutes(app, remembered) / (24 * 60))
        return today - timedelta(days=days)

    def open_cookie(self, app: Flask, value: str) -> SealedValue | None:
        """What a cookie says, if this server sealed it and it has not expired."""
        sealed = self._seal(app).open(value)
        if sealed is None or sealed.expires_minute < _minute(clock(app).timestamp()):
            return None
        return sealed

    def steady_learner(self, app: Flask, sealed: SealedValue, learner_id: str | None, remembered: bool,
                       last_seen_on: date, data: str) -> str | None:
        """The learner of a session that answering a page would leave exactly as it is — no record to write, no
        cookie to send — or None, when the request must go through the app (which does what is needed).

        The record was written today, so its day and the learner's need nothing; the cookie is not due to be
        sealed again; it holds no message to show and no short-lived value past its minutes.
        """
        now_minute = _minute(clock(app).timestamp())
        if learner_id is None or last_seen_on != clock(app).today():
            return None
        if sealed.expires_minute - now_minute < self._limit_minutes(app, remembered) - REFRESH_EVERY_MINUTES:
            return None
        try:
            values = json.loads(data)
        except ValueError:
            return None
        if not isinstance(values, dict) or "_flashes" in values:
            return None
        if BRIEF_FIELD in values and (now_minute > sealed.short_lived_until_minute or not sealed.brief_key):
            return None
        return learner_id

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return ServerSession()
        sealed = self.open_cookie(app, value)
        now_minute = _minute(clock(app).timestamp())
        if sealed is None:
            return ServerSession(stale_cookie=True)
        row = OPEN_RECORD.first(get_session().connection(), {"token_hash": token_hash(sealed.token)})
        if row is None or row.last_seen_on < self._oldest_day(app, row.remembered, clock(app).today()):
            return ServerSession(stale_cookie=True)
        try:
            data = json.loads(row.data)
        except ValueError:
            data = {}
        opened = ServerSession(data if isinstance(data, dict) else {}, token=sealed.token,
                               learner_id=row.learner_id, remembered=row.remembered,
                               expires_minute=sealed.expires_minute,
                               short_lived_until_minute=sealed.short_lived_until_minute,
                               last_seen_on=row.last_seen_on, brief_key=sealed.brief_key)
        if BRIEF_FIELD in opened and (now_minute > sealed.short_lived_until_minute or not sealed.brief_key):
            # Past its short life: removed at this request, whatever it is (a page view included).
            opened.forget_brief()
        return opened

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, ServerSession)
        keep = bool(session) or session.learner_id is not None
        if session.dropped:
            self._drop_cookie(app, response)
            return
        if session.ended or (not keep and session.exists):
            self._delete_record(session)
            self._drop_cookie(app, response)
            return
        if not keep:
            if session.stale_cookie:
                self._drop_cookie(app, response)
            return
        if not session.gone and _has_changes(session, clock(app).today()):
            db = get_session()
            try:
                db.rollback()  # anything a view left uncommitted was refused by that view
                if _write_changes(session, db, clock(app).today()) is GONE:
                    session.gone = True
                db.commit()
            except SQLAlchemyError as error:
                # The view's own work was committed or refused before this point; only the session is lost.
                log.error("could not save a session (%s)", type(error).__name__)
                db.rollback()
                return
        if session.gone:
            self._drop_cookie(app, response)
            return
        now_minute = _minute(clock(app).timestamp())
        limit = self._limit_minutes(app, session.permanent)
        if session.cookie_changed or session.expires_minute - now_minute < limit - REFRESH_EVERY_MINUTES:
            session.expires_minute = now_minute + limit
            value = self._seal(app).seal(SealedValue(session.token or b"", session.expires_minute,
                                                     session.short_lived_until_minute, session.brief_key))
            response.set_cookie(
                self.get_cookie_name(app), value, expires=session.expires_minute * 60 if session.permanent else None,
                path=self.get_cookie_path(app), domain=self.get_cookie_domain(app), secure=self.get_cookie_secure(app),
                httponly=True, samesite=self.get_cookie_samesite(app))
        response.vary.add("Cookie")

    def _drop_cookie(self, app: Flask, response: Response) -> None:
        response.delete_cookie(self.get_cookie_name(app), path=self.get_cookie_path(app),
                               domain=self.get_cookie_domain(app), secure=self.get_cookie_secure(app), httponly=True,
                               samesite=self.get_cookie_samesite(app))

    def _delete_record(self, session: ServerSession) -> None:
        if session.token is None:
            return
        db = get_session()
        db.rollback()  # anything a view left uncommitted was refused by that view
        db.execute(delete(BrowserSession).where(BrowserSession.token_hash == token_hash(session.token)))
        db.commit()
        checkpoint_after_delete(db)


_RECORDS = table(BrowserSession).c
# Built once and run on the driver's cursor: every request with a cookie runs them.
OPEN_RECORD = DriverStatement(select(
    _RECORDS.learner_id, _RECORDS.remembered, _RECORDS.last_seen_on, _RECORDS.data).where(
    _RECORDS.token_hash == bindparam("token_hash")))
_UPDATE_RECORD = DriverStatement(update(table(BrowserSession)).where(_RECORDS.token_hash == bindparam("key")).values(
    data=bindparam("data"), learner_id=bindparam("learner_id"), remembered=bindparam("remembered"),
    last_seen_on=bindparam("today")))
_INSERT_RECORD = DriverStatement(insert(table(BrowserSession)))
_TOUCH_LEARNER = DriverStatement(update(table(Learner)).where(
    table(Learner).c.id == bindparam("learner_id"), table(Learner).c.last_seen_on != bindparam("today")
).values(last_seen_on=bindparam("today")))


def _has_changes(session: ServerSession, today: date) -> bool:
    """Whether the record must be written: something to keep that is new, changed, or last written another day."""
    if not (session or session.learner_id is not None):
        return False
    return session.token is None or session.rotating or session.modified or session.identity_changed \
        or session.last_seen_on != today


def _write_changes(session: ServerSession, db: Session, today: date) -> _Gone | None:
    """Create, replace or update the session's record in ``db``'s transaction (no commit); GONE when it was
    deleted meanwhile (the session ended in another tab).

    The first request of a day through an existing session also notes the learner's day (S3: the day only),
    so the learner's row is written at most once a day by their pages, not on every page.
    """
    data = json.dumps(dict(session), separators=(",", ":"), sort_keys=True)
    connection = db.connection()
    if session.token is not None and not session.rotating:
        updated = _UPDATE_RECORD.run(connection, {"key": token_hash(session.token), "data": data,
                                                   "learner_id": session.learner_id,
                                                   "remembered": session.permanent, "today": today})
        if not updated:
            return GONE
        if session.learner_id is not None and session.last_seen_on != today:
            _TOUCH_LEARNER.run(connection, {"learner_id": session.learner_id, "today": today})
    else:
        if session.token is not None:
            connection.execute(delete(BrowserSession).where(BrowserSession.token_hash == token_hash(session.token)))
        session.token = secrets.token_bytes(TOKEN_BYTES)
        _INSERT_RECORD.run(connection, {
            "token_hash": token_hash(session.token), "learner_id": session.learner_id, "created_on": today,
            "last_seen_on": today, "remembered": session.permanent, "data": data})
        session.rotating = False
        session.cookie_changed = True  # a new token: the browser must get it
    session.modified = session.identity_changed = False
    session.last_seen_on = today
    return None
