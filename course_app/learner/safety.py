"""Leaving quickly, and the page on studying safely."""

from __future__ import annotations

from flask import current_app, redirect, render_template
from werkzeug.wrappers import Response

from ..web.cross_site import is_own_navigation
from .blueprint import bp
from .identity import browser_session
from .pages import shared_page


@bp.get("/<lang:lang>/leave")
def leave(lang: str) -> Response:
    """End the session at once and go to a neutral site (a plain link: works with one tap, without JavaScript).

    The browser always drops the cookie. The record on the server is deleted too — so a copied
    cookie opens nothing afterwards — when the learner came from this site or typed the address;
    a link on another site cannot end a learner's session on the server.
    """
    session = browser_session()
    if is_own_navigation():
        session.end()
    else:
        session.forget_in_browser_only()
    response = redirect(current_app.config["LEAVE_URL"], code=303)
    # Ask the browser to drop this site's cookies and cache as well, where it supports it.
    response.headers["Clear-Site-Data"] = '"cache", "cookies"'
    return response


@bp.get("/<lang:lang>/safety")
def safety(lang: str) -> Response:
    """What this site keeps, what it does not, and how to study without leaving traces."""
    return shared_page(render_template("learner/safety.html"))
