"""The staff side: sign-in with password and authenticator, coordinators' aggregate statistics,
educators' question insights. Nothing here lists or singles out a learner."""

from dataclasses import dataclass

from flask import Flask, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import csrf
from ..models import StaffMember
from . import account, auth, dashboard, insights, language, passwords  # noqa: F401  (views register themselves on bp)
from .blueprint import bp
from .forms import LogoutForm
from .session import keep_staff_session_alive

__all__ = ["bp", "init_app"]

bp.before_request(keep_staff_session_alive)


@bp.context_processor
def signed_in_staff() -> dict[str, object]:
    """Staff templates see Flask-Login's ``current_user``; learner pages never load it."""
    return {"current_user": current_user}


@dataclass(frozen=True)
class StaffNavItem:
    endpoint: str
    url: str
    label: str


def staff_nav_items(member: StaffMember) -> list[StaffNavItem]:
    """Staff pages for this member's role, beyond statistics and insights."""
    items = []
    if member.staff_role.sees_insights:
        items.append(StaffNavItem("staff.translations", url_for("staff.translations"), _("Translations")))
    return items


def init_app(app: Flask) -> None:
    passwords.init_app(app)
    # The sign-in form's token is signed and stateless (forms.StatelessSignInToken), checked by the form itself.
    csrf.exempt(auth.login)
    app.jinja_env.globals.update(logout_form=LogoutForm, staff_nav_items=staff_nav_items,
                                 staff_language_link=language.language_link, staff_language_form=language.language_form,
                                 staff_page_arguments=language.page_arguments)
