"""The staff side: sign-in with password and authenticator, coordinators' aggregate statistics,
educators' question insights. Nothing here lists or singles out a learner."""

from dataclasses import dataclass

from flask import Flask, url_for
from flask_babel import gettext as _

from ..models import StaffMember
from . import auth, dashboard, insights, language, passwords  # noqa: F401  (views register themselves on bp)
from .blueprint import bp
from .forms import LogoutForm
from .session import current_staff, find_signed_in_member

__all__ = ["bp", "init_app"]

bp.before_request(find_signed_in_member)


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
    app.jinja_env.globals.update(current_staff=current_staff, logout_form=LogoutForm, staff_nav_items=staff_nav_items,
                                 staff_language_url=language.staff_language_url)
