"""Security headers on every response, errors and media included (safety invariants S6 and S11).

The policy allows only this site's own files and the few inline blocks of its own pages, each by its
SHA-256 hash (``assets.py``): no other inline script or style, no frames, no other origin. Everything
is ``no-store`` — pages, lesson media, the icon, errors — so a phone's browser cache keeps nothing of
the site, not even a file that would show it was opened (S11).
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request


def content_security_policy(*, styles: tuple[str, ...] = (), scripts: tuple[str, ...] = ()) -> str:
    """The policy for a page whose only inline blocks are ``styles`` and ``scripts`` (CSP hash sources)."""
    return "; ".join((
        "default-src 'none'",
        *([f"script-src {' '.join(scripts)}"] if scripts else []),
        *([f"style-src {' '.join(styles)}"] if styles else []),
        "img-src 'self'",
        "media-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ))


# A response that is not one of the app's pages (gunicorn's own error page, say) runs and styles nothing.
PLAIN_POLICY = content_security_policy()
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()" for feature in (
        "camera", "microphone", "geolocation", "payment", "usb", "interest-cohort", "browsing-topics",
    )
)
FIXED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # same-origin, not no-referrer: Flask-WTF checks the Referer of forms over HTTPS.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
}
NEVER_KEEP = "no-store"


def security_headers(app: Flask, *, secure: bool, full_path: str, html: bool) -> list[tuple[str, str]]:
    """The headers every response carries: the fixed ones, the page policy, HSTS over HTTPS, Onion-Location on
    pages, and ``no-store`` (a response made without Flask, learner/learner_pages.py, carries the same)."""
    headers = [*FIXED_HEADERS.items(),
               ("Content-Security-Policy", app.extensions.get("course_app.content_security_policy", PLAIN_POLICY))]
    if secure:
        headers.append(("Strict-Transport-Security", "max-age=63072000; includeSubDomains"))
    onion = app.config.get("ONION_LOCATION")
    if onion and html:
        headers.append(("Onion-Location", onion.rstrip("/") + full_path.rstrip("?")))
    headers.append(("Cache-Control", NEVER_KEEP))
    return headers


def add_security_headers(response: Response) -> Response:
    """Set the fixed headers, the page policy, HSTS over HTTPS, Onion-Location, and ``no-store``."""
    for name, value in security_headers(current_app, secure=request.is_secure, full_path=request.full_path,
                                        html=response.mimetype == "text/html"):
        response.headers[name] = value
    response.headers.pop("Expires", None)
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
