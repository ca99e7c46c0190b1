"""Pages and stylesheets are gzipped for browsers that accept it; pages with secrets never are."""

from __future__ import annotations

import gzip
import re

from flask import Flask
from flask.testing import FlaskClient

from tests.helpers import SAME_ORIGIN


def test_lesson_pages_and_stylesheets_are_compressed(client: FlaskClient) -> None:
    plain = client.get("/ru/trade-unions/wages").data
    packed = client.get("/ru/trade-unions/wages", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data) == plain and len(packed.data) < len(plain) / 2
    css_url = re.search(r'href="(/assets/site\.css[^"]+)"', plain.decode()).group(1).replace("&amp;", "&")
    css = client.get(css_url, headers={"Accept-Encoding": "gzip"})
    assert css.headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in client.get("/ru/trade-unions/wages").headers  # not asked for


def test_pages_with_secrets_are_never_compressed(app: Flask, client: FlaskClient) -> None:
    code_page = client.post("/en/progress/code", headers={"Accept-Encoding": "gzip", **SAME_ORIGIN})
    assert code_page.status_code == 200 and "Content-Encoding" not in code_page.headers
    staff = client.get("/staff/login", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in staff.headers
