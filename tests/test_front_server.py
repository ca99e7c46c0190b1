"""The documented front server (docs/deploy.md), run as written with Debian's nginx in front of gunicorn:
lesson media reach only what the app publishes, readers' pages are micro-cached but never kept by the
browser, learners and forms always reach the app, and slow clients do not stall it."""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import pytest
from sqlalchemy import select

from course_app.db import get_session
from course_app.models import LessonReadDay
from tests.conftest import STARTER_LESSONS, make_app
from tests.front_server import FrontServer, start_front_server
from tests.serving import ServerProcess, gunicorn

# Runs other programs end to end: left out of `make test-fast`, run by `make test` (pyproject.toml).
pytestmark = pytest.mark.slow

SECRET = "SECRET-OUTSIDE-THE-LESSONS-4c1d"


@dataclass
class Site:
    app_server: ServerProcess
    front: FrontServer
    lessons: Path
    outside: Path
    app: object

    def get(self, path: str, headers: dict[str, str] | None = None, data: bytes | None = None
            ) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(self.front.url + path, headers=headers or {}, data=data)

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
                return None

        try:
            with urllib.request.build_opener(NoRedirect).open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    work = tmp_path_factory.mktemp("front")
    lessons = work / "lessons"
    shutil.copytree(STARTER_LESSONS, lessons)
    outside = work / "outside"
    outside.mkdir()
    (outside / "secret_key").write_text(SECRET)
    media = lessons / "trade-unions" / "what-is-a-union" / "media"
    # A trick already in the tree when the site starts: refused by the checks, never published.
    (media / "notes.pdf").symlink_to(outside / "secret_key")
    # A plain handout the lesson links to, to be swapped for a link while the site runs.
    shutil.copy(next(media.glob("*.poster.jpg")), media / "handout.jpg")
    text = lessons / "trade-unions" / "what-is-a-union" / "en.md"
    text.write_text(text.read_text() + "\n\n![A handout](media/handout.jpg)\n")
    app = make_app(work / "setup", LESSONS_DIR=str(lessons))
    env = {"DATABASE_URL": app.config["DATABASE_URL"], "INSTANCE_PATH": str(work / "setup" / "instance"),
           "LESSONS_DIR": str(lessons), "BEHIND_PROXY": "true", "MEDIA_ACCEL_REDIRECT": "/_media",
           "RELOAD_LESSONS": "false"}
    app_server = gunicorn(env, work / "gunicorn.log")
    front = start_front_server(work / "nginx", app_server.port, lessons)
    yield Site(app_server, front, lessons, outside, app)
    front.stop()
    app_server.stop()


def media_url(site: Site, pattern: str) -> str:
    """The address of a media file on the video lesson's page (relative addresses resolved)."""
    page = "/en/trade-unions/what-is-a-union"
    status, _headers, body = site.get(page)
    assert status == 200
    found = re.search(pattern.encode(), body)
    assert found, pattern
    return urljoin(page, found.group(1).decode().replace("&amp;", "&"))


def test_lesson_media_come_from_nginx_with_ranges_and_no_store(site: Site) -> None:
    url = media_url(site, r'<source src="([^"]+)"')
    status, headers, body = site.get(url, {"Range": "bytes=0-99"})
    assert status == 206 and len(body) == 100 and headers["Content-Type"] == "video/mp4"
    assert headers["Cache-Control"] == "no-store"
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    whole = site.get(url)
    assert whole[0] == 200 and whole[2][:100] == body


@pytest.mark.parametrize("path", [
    "/_media/lessons/trade-unions/what-is-a-union/en.md",
    "/_media/lessons/trade-unions/what-is-a-union/media/notes.pdf",
    "/_media/lessons/../outside/secret_key",
    "/_media/media/../../outside/secret_key",
    "/media/trade-unions/what-is-a-union/media/notes.pdf",
    "/media/trade-unions/what-is-a-union/en.md",
    "/media/trade-unions/what-is-a-union/../../../outside/secret_key",
    "/media/trade-unions/what-is-a-union/media%2F..%2F..%2F..%2F..%2Foutside%2Fsecret_key",
    "/lessons/trade-unions/what-is-a-union/en.md",
])
def test_nothing_but_published_media_can_be_reached_through_nginx(site: Site, path: str) -> None:
    status, _headers, body = site.get(path)
    assert status in (400, 404), (path, status)
    assert SECRET.encode() not in body and b"title:" not in body


def test_a_link_swapped_in_after_loading_is_refused_through_nginx(site: Site) -> None:
    url = media_url(site, r'src="([^"]*handout\.jpg[^"]*)"')
    assert site.get(url)[0] == 200
    handout = site.lessons / "trade-unions" / "what-is-a-union" / "media" / "handout.jpg"
    backup = handout.read_bytes()
    handout.unlink()
    handout.symlink_to(site.outside / "secret_key")
    try:
        status, _headers, body = site.get(url)
        assert status == 404 and SECRET.encode() not in body
        handout.unlink()
        os.link(site.outside / "secret_key", handout)  # a hard link, even of a file named like an image
        status, _headers, body = site.get(url)
        assert status == 404 and SECRET.encode() not in body
    finally:
        handout.unlink()
        handout.write_bytes(backup)


def test_learners_staff_forms_and_the_language_choice_always_reach_the_app(site: Site) -> None:
    origin = {"Origin": site.front.url}
    status, headers, _ = site.get("/en/trade-unions/wages/done", origin, data=b"")
    assert status == 303 and "session=" in headers["Set-Cookie"]
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    page = site.get("/en/trade-unions/wages", {"Cookie": cookie})[2].decode()
    assert "You have completed this lesson." in page
    reader = site.get("/en/trade-unions/wages")[2].decode()
    assert "You have completed this lesson." not in reader and "Mark this lesson as done" in reader
    # A form from another site is refused through nginx as well.
    assert site.get("/en/trade-unions/wages/done", {"Sec-Fetch-Site": "cross-site"}, data=b"")[0] == 403
    # The language choice follows each browser.
    assert site.get("/", {"Accept-Language": "ru"})[1]["Location"].endswith("/ru/")
    assert site.get("/", {"Accept-Language": "be"})[1]["Location"].endswith("/be/")
    assert site.get("/staff/login")[1]["Cache-Control"] == "no-store"


def test_slow_clients_wait_in_nginx_not_in_the_app(site: Site) -> None:
    """64 clients that send their headers a byte at a time: a learner's page still answers at once."""
    slow = []
    for _ in range(64):
        connection = socket.create_connection(("127.0.0.1", site.front.port), timeout=30)
        connection.sendall(b"GET /en/ HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        slow.append(connection)
    stop = threading.Event()

    def drip() -> None:
        while not stop.is_set():
            for connection in slow:
                try:
                    connection.sendall(b"a")
                except OSError:
                    pass
            stop.wait(0.5)

    dripper = threading.Thread(target=drip, daemon=True)
    dripper.start()
    try:
        timings = []
        for _ in range(10):
            started = time.perf_counter()
            assert site.get("/en/trade-unions/forced-labour", {"Cookie": "other=1"})[0] == 200
            timings.append(time.perf_counter() - started)
        # About 0.05 s each; held by the slow clients, a page would wait for gunicorn's 60 s timeout.
        # 5 s leaves room for a busy machine and none for that.
        assert max(timings) < 5.0, timings
    finally:
        stop.set()
        dripper.join()
        for connection in slow:
            connection.close()


def test_a_lesson_and_everything_it_loads_are_never_kept_through_nginx(site: Site) -> None:
    """S11 through the documented front server: the page carries its style and script, and the one file it
    loads, the icon, is no-store too (no year-long cache entry naming the site)."""
    status, headers, body = site.get("/en/trade-unions/wages")
    assert status == 200 and headers["Cache-Control"] == "no-store"
    loaded = re.findall(r'<(?:link|script|img)[^>]* (?:href|src)="(/[^"]+)"', body.decode())
    assert loaded == ["/static/icon.svg"]
    status, headers, _icon = site.get(loaded[0])
    assert status == 200 and headers["Cache-Control"] == "no-store" and "Expires" not in headers


def test_nginx_hides_its_version_and_sends_no_modification_time_etags(site: Site) -> None:
    """Pages, media nginx sends itself, the site's own files and nginx's own error pages: the Server header
    says only "nginx", no page names its version, and no ETag is made of a file's time and size."""
    page = site.get("/en/trade-unions/what-is-a-union")
    responses = {
        "page": page,
        "media": site.get(media_url(site, r'<source src="([^"]+)"')),
        "picture": site.get(media_url(site, r'src="([^"]*handout\.jpg[^"]*)"')),
        "static": site.get("/static/icon.svg"),
        "nginx's own 404": site.get("/_media/lessons/trade-unions/what-is-a-union/en.md"),
        "nginx's own 400": site.get("/%"),
    }
    for what, (_status, headers, body) in responses.items():
        assert headers.get("Server") == "nginx", (what, headers.get("Server"))
        assert b"nginx/" not in body, what
        assert not re.fullmatch(r'(W/)?"[0-9a-f]+-[0-9a-f]+"', headers.get("ETag", "")), (what, headers.get("ETag"))
    # The files nginx sends itself carry no ETag at all (the app's own, where it sends one, is a content digest).
    assert responses["media"][0] == 200 and "ETag" not in responses["media"][1]
    assert responses["static"][0] == 200


def test_readers_pages_are_micro_cached_but_never_kept_by_the_browser(site: Site) -> None:
    path = "/be/trade-unions/ilo-supervision"
    browser = {"User-Agent": "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0"}
    first = site.get(path, browser)
    for _ in range(9):
        again = site.get(path, browser)
        assert again[0] == 200 and again[2] == first[2]
        assert again[1]["Cache-Control"] == "no-store" and "Set-Cookie" not in again[1]
    # Ten reads, but the app saw one: the others came from nginx's cache (and are not counted).
    # The app writes its counts when it stops (this test runs last in the module for that).
    assert site.app_server.stop() == 0
    with site.app.app_context():  # type: ignore[attr-defined]
        reads = get_session().scalar(select(LessonReadDay.reads).where(
            LessonReadDay.lesson_slug == "ilo-supervision", LessonReadDay.lang == "be"))
    assert reads == 1
