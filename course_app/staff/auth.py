"""Signing in (password and authenticator code), enrolling an authenticator, signing out.

Flask-Login holds the signed-in member (staff/session.py); this module decides who may be signed
in. The order of a sign-in, and why:

1. **The form**: its forgery token is signed and stateless (staff/forms.py), so showing the form
   writes nothing; a post from another site is refused before (web/cross_site.py).
2. **The cheap check**, before any Argon2 work: is the code one of the account's current codes?
   It decides nothing about signing in; it only lets a sign-in that holds the authenticator wait
   for a password check, where a guess never waits (web/work_limits.py). An unknown name is
   checked against a stand-in secret, with the same work. A known account's distinct codes are
   counted first: past ``CHEAP_CHECK_LIMIT`` in the window, its sign-ins no longer get the
   queue (so the cheap check cannot be used to guess codes), which slows a flood aimed at that
   one name — never a lockout, and never anyone else.
3. **The password** (Argon2, at most a few at once per process; an unknown name costs the same).
   Wrong passwords are counted per account but never lock the owner out: the right password
   with the right code still signs in.
4. **The code**, for a right password: each *distinct* code is counted before it is checked, so
   parallel guesses cannot slip past the count; after ``LOGIN_FAILURES_LIMIT`` the account's
   codes are refused for 15 minutes, even the right one (someone else knows the password),
   until an admin runs ``course-app staff unlock NAME``. A code typed again is not a new guess.
   The code's step is then claimed by one compare-and-set statement: one code signs in once.
5. **Signed in** (``login_user``), with a new browser token and no learner in the session.

Every count is per account, never per client address (behind Tor every client looks the same),
and keyed by an HMAC of the normalised name, so a password typed into the name field is never
stored. An account with no authenticator yet (first sign-in) goes to enrolment after step 3.
"""

from __future__ import annotations

import hashlib
import hmac

import segno
from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_fresh
from markupsafe import Markup
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from ..clock import clock
from ..db import get_session
from ..domain import audit, throttle
from ..domain.staff_accounts import (
    TOTP_STEP,
    StaffAccountError,
    code_matches_now,
    find_staff,
    finish_enrolment,
    pending_enrolment,
    start_enrolment,
    verify_password,
    verify_totp,
)
from ..extensions import login_manager
from ..i18n import get_locale
from ..models import StaffMember
from ..web.work_limits import Busy, password_checks
from .access import safe_next
from .blueprint import bp
from .forms import EnrolForm, LoginForm, LogoutForm
from .passwords import server_password_hasher
from .session import begin_password_step, now_utc, pending_member, sign_in, sign_out

LOGIN_FAILURES_LIMIT = 5
LOGIN_WINDOW_SECONDS = 15 * 60
# Distinct codes a known account may have tried at the cheap check in the window before its
# sign-ins lose the queue: far more than anyone mistypes, far too few to find a code by chance.
CHEAP_CHECK_LIMIT = 20


def normalised_name(name: str) -> str:
    return name.strip().lower()[:80]


def _keyed(text: str) -> str:
    return hmac.new(current_app.config["SECRET_KEY"].encode(), text.encode(), hashlib.sha256).hexdigest()


def throttle_key(kind: str, name: str) -> str:
    """The throttle row of one account: a keyed hash of its normalised name, never the typed text.

    :param kind: "password" (wrong passwords), "code" (codes after a right password) or "cheap"
        (codes at the cheap check).
    """
    return f"staff-{kind}:{_keyed(normalised_name(name))[:48]}"


THROTTLE_KINDS = ("code", "password", "cheap")


def clear_sign_in_failures(session: Session, name: str) -> None:
    """Forget every count of an account's failed sign-ins (after a sign-in, or an administrator's unlock)."""
    for kind in THROTTLE_KINDS:
        throttle.clear(session, throttle_key(kind, name))


def code_digest(code: str, now: float) -> str:
    """A typed code as the throttle counts it: a short keyed hash of the code and its 30-second step, so that a
    code typed twice in a step (a double submit, parallel tabs) is one try, and the same guess typed again in a
    later step, when it stands for another code, is another."""
    return _keyed(f"code\0{int(now) // TOTP_STEP}\0" + "".join(code.split()))[:16]


def _home(member: StaffMember) -> str:
    return url_for("staff.dashboard") if member.staff_role.sees_statistics else url_for("staff.insights")


def _page(form: LoginForm, status: int = 200) -> tuple[str, int]:
    return render_template("staff/login.html", form=form, again=bool(request.args.get("again")),
                           changed=bool(request.args.get("changed"))), status


def _refuse(form: LoginForm, message: str, status: int) -> tuple[str, int]:
    form.form_errors.append(message)
    return _page(form, status)


# The "busy" answer is what a flood gets, so it costs next to nothing: one page per language, made at
# most every BUSY_PAGE_SECONDS in each process. It holds nothing of the visitor's: drawn as for a visitor
# who is not signed in, the name not filled in again, only the page arguments every visitor may send
# (language.PAGE_ARGUMENTS), and a sign-in token that is the same for everyone anyway (stateless, see forms.py).
BUSY_PAGE_SECONDS = 10


def _busy() -> Response:
    """503 with the sign-in form and "try again in a few seconds", from this process's short-lived copy."""
    pages: dict[str, tuple[float, str]] = current_app.extensions.setdefault("course_app.staff.busy_pages", {})
    locale, now = get_locale(), clock().timestamp()
    made, html = pages.get(locale, (float("-inf"), ""))
    if not html or now - made >= BUSY_PAGE_SECONDS or now < made:
        form = LoginForm(formdata=None)
        form.form_errors.append(_("Many sign-ins are being checked right now. Wait a few seconds, then try again."))
        html = render_template("staff/login.html", form=form, again=False, changed=False,
                               current_user=login_manager.anonymous_user())
        pages[locale] = (now, html)
    response = Response(html, status=503, mimetype="text/html")
    response.headers["Retry-After"] = "5"
    return response


def _holds_the_authenticator(member: StaffMember | None, name: str, code: str, now: float) -> bool:
    """The cheap check (step 2): a current code of a known account whose cheap checks are not used up."""
    matches = code_matches_now(member, name, code, now, current_app.config["STAFF_TOTP_KEY"])
    if member is None or not member.totp_enrolled or not code.strip():
        return matches  # never True: nothing is counted, nothing written for a name with no account
    tries = throttle.record_distinct_try(get_session(), throttle_key("cheap", name), code_digest(code, now),
                                         LOGIN_WINDOW_SECONDS, int(now))
    return matches and tries <= CHEAP_CHECK_LIMIT


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    """Sign in with name, password and the code from the authenticator app."""
    if request.method == "GET":
        if current_user.is_authenticated and login_fresh() and not request.args.get("again"):
            return redirect(safe_next(request.args.get("next"), _home(current_user.member)))
        return _page(LoginForm())
    form = LoginForm()
    if not form.validate():
        return _page(form, 422)
    db = get_session()
    name = (form.name.data or "").strip()
    code = form.code.data or ""
    now = clock().timestamp()
    if not "".join(code.split()) and password_checks().refuses_unproven_now():
        # No code, so nothing to prove: busy is the answer whatever the name, without looking it up.
        return _busy()
    member = find_staff(db, name)
    proven = _holds_the_authenticator(member, name, code, now)
    db.commit()
    try:
        with password_checks().slot(proven=proven):
            password_ok = verify_password(db, member, form.password.data or "", server_password_hasher())
    except Busy:
        db.rollback()
        return _busy()
    if member is None or not password_ok or member.disabled:
        failures = throttle.record_failure(db, throttle_key("password", name), LOGIN_WINDOW_SECONDS, int(now))
        if member is not None:
            audit.record(db, member.name, "login failed", "", now_utc())
        db.commit()
        if failures > LOGIN_FAILURES_LIMIT:
            return _refuse(form, _("Too many failed sign-ins for this account. If it is yours, check the password "
                                   "and the code carefully."), 429)
        return _refuse(form, _("The name, password or code is not right."), 422)
    if not member.totp_enrolled:
        begin_password_step(member)
        db.commit()
        return redirect(url_for("staff.enrol"), code=303)
    # Each distinct code is counted before it is checked: parallel guesses cannot slip past the count.
    code_key = throttle_key("code", name)
    tries = throttle.record_distinct_try(db, code_key, code_digest(code, now), LOGIN_WINDOW_SECONDS, int(now))
    db.commit()
    if tries > LOGIN_FAILURES_LIMIT:
        audit.record(db, member.name, "login refused: codes locked", "", now_utc())
        db.commit()
        return _refuse(form, _("Too many wrong codes for this account: it waits 15 minutes, or an administrator "
                               "unlocks it. If you did not try these codes, your password is known to someone "
                               "else: ask for a new one."), 429)
    if verify_totp(db, member, code, now, current_app.config["STAFF_TOTP_KEY"]):
        clear_sign_in_failures(db, name)
        sign_in(member)
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
        code = form.code.data or ""
        now = clock().timestamp()
        tries = throttle.record_distinct_try(db, key, code_digest(code, now), LOGIN_WINDOW_SECONDS, int(now))
        db.commit()
        if tries <= LOGIN_FAILURES_LIMIT and finish_enrolment(db, member, code, now, totp_key):
            throttle.clear(db, key)
            sign_in(member)
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
    db = get_session()
    if current_user.is_authenticated:
        audit.record(db, current_user.member.name, "logout", "", now_utc())
    sign_out()
    db.commit()
    return redirect(url_for("staff.login"), code=303)
