"""Leaving quickly, and the page on studying safely."""

from __future__ import annotations

from flask import current_app, redirect, render_template, session
from werkzeug.wrappers import Response

from . import bp


@bp.get("/<lang:lang>/leave")
def leave(lang: str) -> Response:
    """End the session at once and go to a neutral site (works without JavaScript)."""
    session.clear()
    response = redirect(current_app.config["LEAVE_URL"], code=303)
    # Ask the browser to drop this site's cookies and cache as well, where it supports it.
    response.headers["Clear-Site-Data"] = '"cache", "cookies"'
    return response


@bp.get("/<lang:lang>/safety")
def safety(lang: str) -> str:
    """What this site keeps, what it does not, and how to study without leaving traces."""
    return render_template("learner/safety.html")
