"""Signing in (password and authenticator code), enrolling an authenticator, signing out.

Failed sign-ins are counted per account name in the database (shared by every app server),
never per client address: behind Tor every client looks the same. After too many failures
the account refuses sign-ins for a while, whoever tries.
"""

from __future__ import annotations

import time

import segno
from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.wrappers import Response

from ..db import get_session
from ..domain import audit, throttle
from ..domain.staff_accounts import (
    StaffAccountError, find_staff, finish_enrolment, pending_enrolment, start_enrolment, verify_password, verify_totp)
from . import bp
from .access import safe_next
from .forms import EnrolForm, LoginForm, LogoutForm
from .session import begin, current_staff, end, now_utc, pending_member, set_pending

LOGIN_FAILURES_LIMIT = 5
LOGIN_WINDOW_SECONDS = 15 * 60


def _throttle_key(name: str) -> str:
    return f"staff-login:{name.strip().lower()[:80]}"


def _home(member) -> str:  # type: ignore[no-untyped-def]
    return url_for("staff.dashboard") if member.staff_role.sees_statistics else url_for("staff.insights")


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
    key = _throttle_key(name)
    now = int(time.time())
    if throttle.failures(db, key, LOGIN_WINDOW_SECONDS, now) >= LOGIN_FAILURES_LIMIT:
        form.form_errors.append(_("Too many failed sign-ins for this account. Wait 15 minutes, then try again."))
        return render_template("staff/login.html", form=form), 429
    member = find_staff(db, name)
    password_ok = verify_password(db, member, form.password.data or "")
    if member is not None and password_ok and not member.disabled:
        if not member.totp_enrolled:
            db.commit()
            set_pending(member)
            return redirect(url_for("staff.enrol"), code=303)
        if verify_totp(db, member, form.code.data or "", time.time()):
            throttle.clear(db, key)
            begin(member)
            audit.record(db, member.name, "login", "", now_utc())
            db.commit()
            return redirect(safe_next(request.args.get("next"), _home(member)), code=303)
    throttle.record_failure(db, key, LOGIN_WINDOW_SECONDS, now)
    if member is not None:
        audit.record(db, member.name, "login failed", "", now_utc())
    db.commit()
    form.form_errors.append(_("The name, password or code is not right."))
    return render_template("staff/login.html", form=form), 422


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
    if request.method == "GET":
        enrolment = start_enrolment(db, member, _issuer())
        db.commit()
        return render_template("staff/enrol.html", form=form, member=member, secret=enrolment.secret,
                               qr=_qr_svg(enrolment.uri))
    key = _throttle_key(member.name)
    now = int(time.time())
    if form.validate():
        if throttle.failures(db, key, LOGIN_WINDOW_SECONDS, now) < LOGIN_FAILURES_LIMIT \
                and finish_enrolment(db, member, form.code.data or "", time.time()):
            throttle.clear(db, key)
            begin(member)
            audit.record(db, member.name, "enrolled authenticator", "", now_utc())
            audit.record(db, member.name, "login", "", now_utc())
            db.commit()
            return redirect(_home(member), code=303)
        throttle.record_failure(db, key, LOGIN_WINDOW_SECONDS, now)
        db.commit()
        form.code.errors.append(_("That code is not right. Check the time on your phone, then try the newest code."))
    try:
        enrolment = pending_enrolment(member, _issuer())
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
