"""Signing in (password and authenticator code), enrolling an authenticator, signing out.

How sign-in attempts are limited (every count is per account, never per client address —
behind Tor every client looks the same — and keyed by an HMAC of the normalised name, so a
password typed into the name field is never stored):

- **Wrong passwords** are counted atomically per account (the audit log shows them). They do
  not lock the owner out: the right password with the right code still signs in, so nobody
  can shut a coordinator out by typing wrong passwords. Guessing stays hopeless because every
  sign-in also needs a current authenticator code, and password checks (Argon2) run a few at
  a time per server process (``PASSWORD_CHECKS_AT_ONCE``): more at once are asked to retry.
- **A right password with wrong codes** means someone else knows the password. Each code try
  is counted *before* it is checked (so parallel tries cannot slip past the count); after
  ``LOGIN_FAILURES_LIMIT`` the account's codes are refused for 15 minutes, even the right one,
  until an admin runs ``course-app staff unlock NAME`` (after changing the password).
"""

from __future__ import annotations

import hashlib
import hmac

import segno
from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.wrappers import Response

from ..clock import clock
from ..db import get_session
from ..domain import audit, throttle
from ..domain.staff_accounts import (
    StaffAccountError,
    find_staff,
    finish_enrolment,
    pending_enrolment,
    start_enrolment,
    verify_password,
    verify_totp,
)
from ..models import StaffMember
from ..web.work_limits import Busy, limit
from .access import safe_next
from .blueprint import bp
from .forms import EnrolForm, LoginForm, LogoutForm
from .passwords import server_password_hasher
from .session import begin, current_staff, end, now_utc, pending_member, set_pending

LOGIN_FAILURES_LIMIT = 5
LOGIN_WINDOW_SECONDS = 15 * 60


def normalised_name(name: str) -> str:
    return name.strip().lower()[:80]


def throttle_key(kind: str, name: str) -> str:
    """The throttle row of one account: a keyed hash of its normalised name, never the typed text.

    :param kind: "password" (wrong passwords) or "code" (wrong codes after a right password).
    """
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), normalised_name(name).encode(), hashlib.sha256)
    return f"staff-{kind}:{digest.hexdigest()[:48]}"


def _home(member: StaffMember) -> str:
    return url_for("staff.dashboard") if member.staff_role.sees_statistics else url_for("staff.insights")


def _refuse(form: LoginForm, message: str, status: int) -> tuple[str, int]:
    form.form_errors.append(message)
    return render_template("staff/login.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    """Sign in with name, password and the code from the authenticator app."""
    member = current_staff()
    if member is not None and request.method == "GET":
        return redirect(_home(member))
    form = LoginForm()
    if request.method == "GET" or not form.validate():
        status = 200 if request.method == "GET" else 422
        return render_template("staff/login.html", form=form), status
    db = get_session()
    name = (form.name.data or "").strip()
    now = int(clock().timestamp())
    try:
        with limit("password_checks").slot():
            member = find_staff(db, name)
            password_ok = verify_password(db, member, form.password.data or "", server_password_hasher())
    except Busy:
        return _refuse(form, _("Many sign-ins are being checked right now. Wait a few seconds, then try again."), 503)
    if member is None or not password_ok or member.disabled:
        failures = throttle.record_failure(db, throttle_key("password", name), LOGIN_WINDOW_SECONDS, now)
        if member is not None:
            audit.record(db, member.name, "login failed", "", now_utc())
        db.commit()
        if failures > LOGIN_FAILURES_LIMIT:
            return _refuse(form, _("Too many failed sign-ins for this account. If it is yours, check the password "
                                   "and the code carefully."), 429)
        return _refuse(form, _("The name, password or code is not right."), 422)
    if not member.totp_enrolled:
        db.commit()
        set_pending(member)
        return redirect(url_for("staff.enrol"), code=303)
    # The code try is counted before it is checked: parallel tries cannot slip past the count.
    code_key = throttle_key("code", name)
    tries = throttle.record_failure(db, code_key, LOGIN_WINDOW_SECONDS, now)
    db.commit()
    if tries > LOGIN_FAILURES_LIMIT:
        audit.record(db, member.name, "login refused: codes locked", "", now_utc())
        db.commit()
        return _refuse(form, _("Too many wrong codes for this account: it waits 15 minutes, or an administrator "
                               "unlocks it. If you did not try these codes, your password is known to someone "
                               "else: ask for a new one."), 429)
    if verify_totp(db, member, form.code.data or "", clock().timestamp(), current_app.config["STAFF_TOTP_KEY"]):
        throttle.clear(db, code_key)
        throttle.clear(db, throttle_key("password", name))
        begin(member)
        audit.record(db, member.name, "login", "", now_utc())
        db.commit()
        return redirect(safe_next(request.args.get("next"), _home(member)), code=303)
    audit.record(db, member.name, "login failed", "", now_utc())
    db.commit()
    return _refuse(form, _("The name, password or code is not right."), 422)


def _issuer() -> str:
    """The name authenticator apps show beside the code."""
    return current_app.config.get("SITE_NAME") or "course_app"


def _qr_svg(uri: str) -> Markup:
    """The enrolment QR code as inline SVG, drawn here: no script, no outside service."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, border=2, dark="#000", light="#fff", omitsize=False,
                                                 title=_("QR code for your authenticator app"))
    # Safe: segno writes only SVG path data and our own title; nothing here comes from a visitor.
    return Markup(svg)  # nosec B704


@bp.route("/enrol", methods=["GET", "POST"])
def enrol() -> Response | str | tuple[str, int]:
    """First sign-in: show the authenticator secret once, and confirm it with a code."""
    member = pending_member()
    if member is None:
        return redirect(url_for("staff.login"))
    db = get_session()
    form = EnrolForm()
    totp_key = current_app.config["STAFF_TOTP_KEY"]
    if request.method == "GET":
        enrolment = start_enrolment(db, member, _issuer(), totp_key)
        db.commit()
        return render_template("staff/enrol.html", form=form, member=member, secret=enrolment.secret,
                               qr=_qr_svg(enrolment.uri))
    key = throttle_key("code", member.name)
    if form.validate():
        tries = throttle.record_failure(db, key, LOGIN_WINDOW_SECONDS, int(clock().timestamp()))
        db.commit()
        if tries <= LOGIN_FAILURES_LIMIT and finish_enrolment(db, member, form.code.data or "", clock().timestamp(),
                                                               totp_key):
            throttle.clear(db, key)
            begin(member)
            audit.record(db, member.name, "enrolled authenticator", "", now_utc())
            audit.record(db, member.name, "login", "", now_utc())
            db.commit()
            return redirect(_home(member), code=303)
        form.code.errors.append(_("That code is not right. Check the time on your phone, then try the newest code."))
    try:
        enrolment = pending_enrolment(member, _issuer(), totp_key)
    except StaffAccountError:
        return redirect(url_for("staff.login"))
    return render_template("staff/enrol.html", form=form, member=member, secret=enrolment.secret,
                           qr=_qr_svg(enrolment.uri)), 422


@bp.post("/logout")
def logout() -> Response:
    """Sign out (a POST with a CSRF token): the session ends on the server at once."""
    if not LogoutForm().validate():
        abort(400)
    member = current_staff()
    db = get_session()
    if member is not None:
        audit.record(db, member.name, "logout", "", now_utc())
    end()
    db.commit()
    return redirect(url_for("staff.login"), code=303)
