"""Security headers on every response, errors and media included (safety invariant S6).

The policy allows only this site's own files: no inline script or style, no frames, no
other origin. Pages are ``no-store`` so a phone's browser cache keeps no copy of what was
read; fingerprinted static files may be cached for a year, since their names change with them.
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


def add_security_headers(response: Response) -> Response:
    """Set the fixed headers, HSTS over HTTPS, Onion-Location, and the cache policy."""
    for name, value in FIXED_HEADERS.items():
        response.headers[name] = value
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    onion = current_app.config.get("ONION_LOCATION")
    if onion and response.mimetype == "text/html":
        response.headers["Onion-Location"] = onion.rstrip("/") + request.full_path.rstrip("?")
    if request.endpoint in ("static", "asset") and request.args.get("v") and response.status_code in (200, 304):
        response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    elif response.mimetype == "text/html" or "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
