"""Refusing forms sent from another site — without a per-visitor token, so reading needs no cookie (S5).

Learner forms carry no CSRF token: a token would need a session, and a session would need a
cookie for every reader. Instead every request that can change something (any method but GET,
HEAD, OPTIONS) must show that it came from this site, the way Go 1.25's
``net/http.CrossOriginProtection`` decides it:

1. ``Sec-Fetch-Site`` (sent by every current browser: Chromium since 76, Firefox and so Tor
   Browser since 90, Safari since 16.4): ``same-origin`` or ``none`` (typed by the user)
   passes; ``same-site`` and ``cross-site`` are refused.
2. Without it, ``Origin``: its host must be this request's host (``Host``, or the
   ``X-Forwarded-Host`` a front server sets with ``BEHIND_PROXY``); anything else, ``null``
   included, is refused.
3. **Neither header**: the request passes. It did not come from a browser that follows
   today's rules — a command-line client, a test, a very old browser — and such a request
   cannot be made to carry a learner's cookie from another site. This is Go's choice too.

The host comparison ignores the scheme, so the same check works over HTTPS, plain HTTP on an
onion address, behind nginx, and under neutral addresses. Staff forms keep their CSRF tokens
as well.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, abort, request

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ALLOWED_FETCH_SITES = frozenset({"same-origin", "none"})


def comes_from_this_site(method: str, fetch_site: str | None, origin: str | None, host: str) -> bool:
    """Whether a request may change something, judged from its method and headers alone."""
    if method in SAFE_METHODS:
        return True
    if fetch_site:
        return fetch_site in ALLOWED_FETCH_SITES
    if origin is None:
        return True
    return urlsplit(origin).netloc.lower() == host.lower()


def is_own_navigation() -> bool:
    """Whether this GET was started on this site or by the learner themself (for "Leave quickly").

    Another site may send a learner to /leave, but it must not end their session on the server.
    """
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site:
        return fetch_site in ALLOWED_FETCH_SITES
    referrer = request.headers.get("Referer")
    return referrer is not None and urlsplit(referrer).netloc.lower() == request.host.lower()


def refuse_cross_site_requests() -> None:
    """Answer 403 to a request that could change something and came from another site; nothing runs."""
    if not comes_from_this_site(request.method, request.headers.get("Sec-Fetch-Site"),
                                request.headers.get("Origin"), request.host):
        abort(403)


def init_app(app: Flask) -> None:
    app.before_request(refuse_cross_site_requests)
