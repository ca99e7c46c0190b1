"""A staff member's own account: see it, and change the password (an account change: a fresh sign-in only)."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import fresh_login_required, login_required
from werkzeug.wrappers import Response

from ..db import get_session
from ..domain import audit
from ..domain.staff_accounts import PASSWORD_MIN_LENGTH, StaffAccountError, set_password
from ..models import StaffRole
from ..web.work_limits import Busy, password_checks
from .access import any_role, role_required, signed_in
from .blueprint import bp
from .forms import ChangePasswordForm
from .passwords import server_password_hasher
from .session import FRESH_MINUTES, now_utc, sign_out


def role_name(role: StaffRole) -> str:
    """A role as staff read it, in the page's language."""
    names = {StaffRole.COORDINATOR: _("Coordinator"), StaffRole.EDUCATOR: _("Educator"),
             StaffRole.ADMIN: _("Administrator")}
    return str(names[role])


def _account_page(form: ChangePasswordForm, status: int = 200) -> tuple[str, int]:
    member = signed_in()
    return render_template("staff/account.html", member=member, role=role_name(member.staff_role), form=form,
                           fresh_minutes=FRESH_MINUTES, least_length=PASSWORD_MIN_LENGTH), status


@bp.get("/account")
@login_required
@role_required(any_role)
def account() -> tuple[str, int]:
    """The member's own account: name, role, and the form to change the password."""
    return _account_page(ChangePasswordForm())


@bp.post("/account/password")
@fresh_login_required
@role_required(any_role)
def change_password() -> Response | tuple[str, int]:
    """Change one's own password; every session of the account ends, this one too, and the member signs in again."""
    form = ChangePasswordForm()
    if not form.validate():
        return _account_page(form, 422)
    member = signed_in()
    db = get_session()
    try:
        with password_checks().slot(proven=True):
            set_password(db, member, form.password.data or "", server_password_hasher())
    except StaffAccountError:
        form.password.errors.append(_("This password is too short or too easy to guess: use at least %(count)d "
                                      "characters, for example four or five unrelated words no one would guess.",
                                      count=PASSWORD_MIN_LENGTH))
        db.rollback()
        return _account_page(form, 422)
    except Busy:
        form.form_errors.append(_("Many sign-ins are being checked right now. Wait a few seconds, then try again."))
        return _account_page(form, 503)
    audit.record(db, member.name, "password changed", "", now_utc())
    sign_out()
    db.commit()
    return redirect(url_for("staff.login", changed=1), code=303)
