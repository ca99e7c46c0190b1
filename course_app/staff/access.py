"""Who may open which staff page: signed in (Flask-Login's ``login_required``), then the right role.

Every staff view is decorated with both, in this order::

    @bp.get("/insights")
    @login_required
    @role_required(lambda role: role.sees_insights)
    def insights() -> str: ...

and account changes with ``fresh_login_required`` instead of ``login_required``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import abort

from ..models import StaffMember, StaffRole
from .session import signed_in_member

View = TypeVar("View", bound=Callable[..., object])


def any_role(role: StaffRole) -> bool:
    """Every staff role: for a member's own account."""
    return True


def role_required(allowed: Callable[[StaffRole], bool]) -> Callable[[View], View]:
    """Signed-in staff without the role get 403 (under ``login_required``, which sends others to sign in)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(*args: object, **kwargs: object) -> object:
            if not allowed(signed_in_member().staff_role):
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]  # wraps() keeps the view's signature; mypy cannot see it

    return decorator


def safe_next(target: str | None, default: str) -> str:
    """Only an address on this site under /staff/ may be returned to after signing in."""
    if target and target.startswith("/staff/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def signed_in() -> StaffMember:
    """The staff member signed in for this request (only in views guarded by ``login_required``)."""
    return signed_in_member()
