"""Who may open which staff page: signed in, and with the right role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import abort, redirect, request, url_for

from ..models import StaffMember, StaffRole
from .session import current_staff

View = TypeVar("View", bound=Callable[..., object])


def staff_required(allowed: Callable[[StaffRole], bool]) -> Callable[[View], View]:
    """Anonymous visitors go to the sign-in page; signed-in staff without the role get 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(*args: object, **kwargs: object) -> object:
            member = current_staff()
            if member is None:
                return redirect(url_for("staff.login", next=request.full_path.rstrip("?")))
            if not allowed(member.staff_role):
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
    member = current_staff()
    assert member is not None  # guarded by staff_required
    return member
