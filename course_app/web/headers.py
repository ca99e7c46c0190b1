"""Security headers on every response, errors and media included (safety invariant S6).

The policy allows only this site's own files: no inline script or style, no frames, no
other origin. Everything is ``no-store`` — pages, lesson media, errors — so a phone's browser
cache keeps no copy of what was read (S11). The one exception is the site's own stylesheet and
script, whose names say nothing about any lesson: fingerprinted, they may be kept for a year.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "media-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
))
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()" for feature in (
        "camera", "microphone", "geolocation", "payment", "usb", "interest-cohort", "browsing-topics",
    )
)
FIXED_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # same-origin, not no-referrer: Flask-WTF checks the Referer of forms over HTTPS.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
}
ONE_YEAR = 365 * 24 * 3600
KEEP_FOR_A_YEAR = f"public, max-age={ONE_YEAR}, immutable"
NEVER_KEEP = "no-store"
# The only responses a browser may keep: the site's own neutral stylesheets, script and icon.
CACHEABLE_ENDPOINTS = frozenset({"static", "asset"})


def keep_for_a_year(response: Response) -> None:
    """Let the browser keep a fingerprinted file of the site's own (never a lesson's) for a year."""
    response.headers["Cache-Control"] = KEEP_FOR_A_YEAR
    response.headers.pop("Expires", None)


def add_security_headers(response: Response) -> Response:
    """Set the fixed headers, HSTS over HTTPS, Onion-Location, and the cache policy."""
    for name, value in FIXED_HEADERS.items():
        response.headers[name] = value
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    onion = current_app.config.get("ONION_LOCATION")
    if onion and response.mimetype == "text/html":
        response.headers["Onion-Location"] = onion.rstrip("/") + request.full_path.rstrip("?")
    if request.endpoint in CACHEABLE_ENDPOINTS and request.args.get("v") and response.status_code in (200, 304):
        keep_for_a_year(response)
    elif request.endpoint not in CACHEABLE_ENDPOINTS or response.status_code >= 400:
        response.headers["Cache-Control"] = NEVER_KEEP
        response.headers.pop("Expires", None)
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
