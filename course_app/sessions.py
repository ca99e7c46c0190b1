"""The one cookie (safety invariant S5): Flask's signed session cookie, made Secure over HTTPS.

It is HttpOnly and SameSite=Lax, carries no Expires (so it is gone when the browser closes)
unless the learner asks to be remembered, and never holds a learner code.
"""

from __future__ import annotations

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface


class CourseSessionInterface(SecureCookieSessionInterface):
    """Marks the cookie Secure whenever the request came over HTTPS (directly or via a proxy)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        if app.config.get("SESSION_COOKIE_SECURE"):
            return True
        return has_request_context() and request.is_secure
