"""A static mirror behind the nginx server block docs/deploy.md gives for it, run as written."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from tests.front_server import FrontServer, start_mirror_server
from tests.test_cli import invoke_course_app, run_course_app

# Runs other programs end to end: left out of `make test-fast`, run by `make test` (pyproject.toml).
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def mirror_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FrontServer]:
    folder = tmp_path_factory.mktemp("mirror-server")
    env = {"INSTANCE_PATH": str(folder / "instance")}
    assert invoke_course_app("export", "keygen", cwd=folder, env=env).returncode == 0
    assert run_course_app("export", "static", str(folder / "out"), cwd=folder, env=env, timeout=120).returncode == 0
    secret = folder / "outside.txt"
    secret.write_text("not part of the copy")
    os.symlink(secret, folder / "out" / "planted.txt")  # a link slipped into the folder later
    server = start_mirror_server(folder / "nginx", folder / "out")
    yield server
    server.stop()


def fetch(server: FrontServer, path: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(server.url + path, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), ""


def test_pages_are_served_with_the_copys_policy_and_kept_by_nobody(mirror_server: FrontServer) -> None:
    for path in ("/", "/ru/", "/ru/trade-unions/", "/ru/trade-unions/what-is-a-union.html",
                 "/be/trade-unions/glossary.html", "/static/site.css"):
        status, headers, _body = fetch(mirror_server, path)
        assert status == 200, path
        assert headers["Cache-Control"] == "no-store" and headers["Referrer-Policy"] == "no-referrer"
        assert "media-src 'self' data:" in headers["Content-Security-Policy"]
    _status, _headers, lesson = fetch(mirror_server, "/ru/trade-unions/what-is-a-union.html")
    assert 'src="data:text/vtt;charset=utf-8;base64,' in lesson


def test_a_link_planted_in_the_folder_is_refused(mirror_server: FrontServer) -> None:
    status, _headers, body = fetch(mirror_server, "/planted.txt")
    assert status in (403, 404) and "not part of the copy" not in body
    assert fetch(mirror_server, "/../outside.txt")[0] in (400, 404)
