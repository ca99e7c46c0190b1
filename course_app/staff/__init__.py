"""The staff side: sign-in with password and authenticator, coordinators' aggregate statistics,
educators' question insights. Nothing here lists or singles out a learner."""

from flask import Blueprint, Flask

bp = Blueprint("staff", __name__, url_prefix="/staff")

from . import auth, dashboard, insights  # noqa: E402,F401  (views register themselves on bp)
from .forms import LogoutForm  # noqa: E402
from .session import current_staff  # noqa: E402


def staff_nav_items(member: object) -> list[object]:
    """Further staff pages for this member's role (the translation status page adds one)."""
    return []


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(current_staff=current_staff, logout_form=LogoutForm, staff_nav_items=staff_nav_items)
