"""Pages (with their stylesheets inside) are gzipped for browsers that accept it; pages with secrets never are."""

from __future__ import annotations

import gzip

from flask import Flask
from flask.testing import FlaskClient

from tests.helpers import SAME_ORIGIN


def test_lesson_pages_are_compressed_with_their_style(client: FlaskClient) -> None:
    plain = client.get("/ru/trade-unions/wages").data
    packed = client.get("/ru/trade-unions/wages", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data) == plain and len(packed.data) < len(plain) / 2
    assert b"<style>" in plain  # the stylesheet travels inside the page, compressed with it
    assert "Content-Encoding" not in client.get("/ru/trade-unions/wages").headers  # not asked for


def test_pages_with_secrets_are_never_compressed(app: Flask, client: FlaskClient) -> None:
    code_page = client.post("/en/progress/code", headers={"Accept-Encoding": "gzip", **SAME_ORIGIN})
    assert code_page.status_code == 200 and "Content-Encoding" not in code_page.headers
    staff = client.get("/staff/login", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in staff.headers
