"""Every route, every method: the security headers are on every response, errors and media included."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from course_app.assets import InlineBlock

SAMPLE_ARGS = {
    "lang": "ru", "course_slug": "trade-unions", "lesson_slug": "what-is-a-union", "course_number": 1,
    "lesson_number": 2, "table": "courses", "name": "media/what-a-union-does.en.vtt", "filename": "site.css",
}
REQUIRED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def every_request(app: Flask) -> list[tuple[str, str]]:
    """(method, url) for every route and method, plus a method each route refuses."""
    requests = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            url = rule.build({name: SAMPLE_ARGS[name] for name in rule.arguments}, append_unknown=False)[1]
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                requests.append((method, url))
            requests.append(("DELETE", url))
    return requests + [("GET", "/no/such/page"), ("GET", "/ru/trade-unions/nope"), ("PUT", "/")]


def check_headers(response, url: str) -> None:  # type: ignore[no-untyped-def]
    for name, value in REQUIRED.items():
        assert response.headers.get(name) == value, (url, name, response.status_code)
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy and "base-uri 'none'" in policy
    assert "unsafe-inline" not in policy and "http" not in policy
    # Scripts and styles only by hash: the site's own blocks inside its pages, never a file to keep.
    for directive in ("script-src", "style-src"):
        sources = re.search(rf"{directive} ([^;]+)", policy).group(1).split()  # type: ignore[union-attr]
        assert sources and all(re.fullmatch(r"'sha256-[A-Za-z0-9+/]{43}='", source) for source in sources), policy
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "microphone=()" in response.headers["Permissions-Policy"]
    assert "geolocation=()" in response.headers["Permissions-Policy"]
    assert response.headers["Cache-Control"] == "no-store", url  # every response: pages, media, the icon, errors
    assert "Expires" not in response.headers, url


def test_every_route_and_method_carries_the_headers(app: Flask, client: FlaskClient) -> None:
    seen = set()
    for method, url in every_request(app):
        response = client.open(url, method=method)
        assert response.status_code < 500, (method, url, response.status_code)
        check_headers(response, f"{method} {url}")
        seen.add(response.status_code)
    # Pages, redirects (staff sign-in, forms answered), refused forms, unknown addresses and wrong
    # methods were all reached, so the headers were checked on each kind of response.
    assert {200, 302, 303, 400, 404, 405} <= seen


def test_hsts_only_over_https_and_onion_location_when_configured(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_app

    app = make_app(tmp_path, ONION_LOCATION="http://abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstu.onion")
    client = app.test_client()
    plain = client.get("/en/trade-unions/wages?size=audio")
    assert "Strict-Transport-Security" not in plain.headers
    assert plain.headers["Onion-Location"] == ("http://abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstu.onion"
                                               "/en/trade-unions/wages?size=audio")
    secure = client.get("/en/", base_url="https://course.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_the_only_inline_style_and_script_are_the_sites_own_blocks_allowed_by_hash(app: Flask,
                                                                                  client: FlaskClient) -> None:
    """Templates hold no style or script of their own: the pages carry the minified stylesheets and the one
    script, each allowed by its hash, and nothing else (no style attribute, no event handler)."""
    from pathlib import Path

    for path in (Path(app.root_path) / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "<script" not in text and "<style" not in text and " style=" not in text, path
        assert not re.search(r"\son[a-z]+=", text), path
    for url in ("/en/", "/ru/trade-unions/what-is-a-union", "/be/trade-unions/wages/quiz", "/en/progress",
                "/staff/login", "/ru/trade-unions/nope"):
        response = client.get(url)
        policy = response.headers["Content-Security-Policy"]
        html = response.get_data(as_text=True)
        blocks = re.findall(r"<(style|script)>(.*?)</\1>", html, re.S)
        assert blocks, url
        assert "<script src" not in html and 'rel="stylesheet"' not in html, url
        for _kind, text in blocks:
            assert InlineBlock(text).csp_source in policy, (url, text[:40])


def test_no_absolute_links_to_our_own_host(app: Flask, client: FlaskClient) -> None:
    for url in ("/en/", "/en/trade-unions/", "/en/trade-unions/what-is-a-union", "/en/progress", "/en/safety",
                "/staff/login"):
        html = client.get(url, base_url="http://course.example").get_data(as_text=True)
        assert "course.example" not in html, url
        assert 'href="http://localhost' not in html
