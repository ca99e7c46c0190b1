"""Readers' pages kept in memory: the same bytes for every reader, only validated keys, one set per
catalogue generation; and anonymous reads counted for every lesson page, kept or not."""

from __future__ import annotations

import gc
import gzip
import itertools
import os
import re
import shutil
import threading
import time
import weakref
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from course_app.content import catalogue_store
from course_app.db import get_session
from course_app.learner.page_cache import MARKER, KeptPages
from course_app.learner.reads import read_counter
from course_app.models import LessonReadDay
from tests.conftest import STARTER_LESSONS, make_app
from tests.factories import make_course
from tests.helpers import SAME_ORIGIN

LESSON = "/en/trade-unions/what-is-a-union"


def kept(app: Flask) -> KeptPages:
    return catalogue_store(app).generation.cache("reader_pages", KeptPages)


def no_rendering(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, any view that renders a template fails: only kept pages can be answered."""
    def refuse(*_args: object, **_kwargs: object) -> str:
        raise AssertionError("a view ran")

    for module in ("pages", "quizzes", "progress", "safety"):
        monkeypatch.setattr(f"course_app.learner.{module}.render_template", refuse)


@pytest.mark.parametrize("url", ["/en/", "/ru/trade-unions/", LESSON, f"{LESSON}?size=audio", "/be/safety",
                                 "/en/trade-unions/wages/quiz", "/en/progress"])
def test_the_second_reader_gets_the_kept_page_without_a_view_running(tmp_path: Path, url: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(tmp_path)
    first = app.test_client().get(url)
    assert first.status_code == 200 and MARKER not in first.headers
    no_rendering(monkeypatch)
    for headers in ({}, {"User-Agent": "Another/2"}):
        again = app.test_client().get(url, headers=headers)
        assert again.status_code == 200 and again.data == first.data
        assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
        assert again.headers["Cache-Control"] == "no-store" and "Set-Cookie" not in again.headers
    head = app.test_client().head(url)
    assert head.status_code == 200 and head.data == b""


def test_gzip_and_plain_are_kept_apart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(tmp_path)
    plain = app.test_client().get(LESSON).data
    packed = app.test_client().get(LESSON, headers={"Accept-Encoding": "gzip"})
    no_rendering(monkeypatch)
    assert app.test_client().get(LESSON).data == plain
    again = app.test_client().get(LESSON, headers={"Accept-Encoding": "gzip"})
    assert again.headers["Content-Encoding"] == "gzip" and gzip.decompress(again.data) == plain
    assert again.data == packed.data


@pytest.mark.parametrize("query", ["?size=nonsense", "?size=audio&size=240p", "?x=1", "?size=audio&utm=1"])
def test_only_validated_addresses_are_kept(tmp_path: Path, query: str) -> None:
    app = make_app(tmp_path)
    before = len(kept(app))
    for _ in range(3):
        assert app.test_client().get(LESSON + query).status_code == 200
    assert len(kept(app)) == before  # an endless stream of odd queries cannot fill or flush the cache


def test_a_learner_is_never_answered_from_the_kept_pages(app: Flask) -> None:
    reader = app.test_client().get("/en/trade-unions/wages").get_data(as_text=True)
    learner = app.test_client()
    learner.post("/en/trade-unions/wages/done", headers=SAME_ORIGIN)
    page = learner.get("/en/trade-unions/wages").get_data(as_text=True)
    assert "You have completed this lesson." in page and page != reader
    # A browser with someone else's stale cookie is not served from memory either (its cookie is dropped).
    stale = app.test_client()
    stale.set_cookie("session", "not-a-real-session")
    response = stale.get("/en/trade-unions/wages")
    assert "session=;" in response.headers["Set-Cookie"]


def test_a_reload_starts_a_new_set_of_pages(tmp_path: Path, lessons_copy: Path) -> None:
    app = make_app(tmp_path, LESSONS_DIR=str(lessons_copy))  # no watcher: the test reloads by itself
    store = catalogue_store(app)
    assert "Wages and the minimum wage" in app.test_client().get("/en/trade-unions/wages").get_data(as_text=True)
    old_pages = kept(app)
    assert len(old_pages) > 0
    path = lessons_copy / "trade-unions" / "wages" / "en.md"
    path.write_text(path.read_text().replace("title: Wages and the minimum wage", "title: Wages, fairly paid"))
    assert store.reload_if_changed() is not None
    assert "Wages, fairly paid" in app.test_client().get("/en/trade-unions/wages").get_data(as_text=True)
    assert kept(app) is not old_pages


def test_every_read_of_a_lesson_is_counted_kept_or_not_and_crawlers_are_not(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    for _ in range(4):
        app.test_client().get(LESSON, headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0)"})
    app.test_client().get("/ru/trade-unions/what-is-a-union", headers={"User-Agent": "Mozilla/5.0"})
    for crawler in ("Googlebot/2.1 (+http://www.google.com/bot.html)", "Mozilla/5.0 (compatible; bingbot/2.0)",
                    "facebookexternalhit/1.1", "python-requests/2.31", "curl/8.5.0"):
        app.test_client().get(LESSON, headers={"User-Agent": crawler})
    app.test_client().get("/en/", headers={"User-Agent": "Mozilla/5.0"})  # not a lesson: no read
    assert read_counter(app).flush() == 2
    with app.app_context():
        rows = {(row.lesson_slug, row.lang): row.reads for row in get_session().scalars(select(LessonReadDay))}
    assert rows == {("what-is-a-union", "en"): 4, ("what-is-a-union", "ru"): 1}
    # A bare count: nothing that could point to a reader.
    assert {column.name for column in LessonReadDay.__table__.columns} == {
        "course_slug", "lesson_slug", "lang", "day", "reads"}
    assert read_counter(app).flush() == 0  # nothing counted twice


def test_fifty_reloads_under_concurrent_readers_serve_no_stale_page_and_let_old_generations_go(
        tmp_path: Path) -> None:
    """The watcher reloads 50 times while readers keep asking: every page answered after a swap shows
    the new text (or a newer one), nothing fails, and each replaced generation is collected."""
    lessons = tmp_path / "lessons"
    # A small course (so 50 loads are quick) around the starter course's lesson on wages and its quiz.
    course = make_course(lessons, "trade-unions", lessons=(
        "what-is-a-union", "freedom-of-association", "ilo-supervision", "wages", "what-you-can-do"))
    shutil.copytree(STARTER_LESSONS / "trade-unions" / "wages", course / "wages", dirs_exist_ok=True)
    app = make_app(tmp_path, LESSONS_DIR=str(lessons), RELOAD_LESSONS=True)
    store = catalogue_store(app)
    assert not [problem for problem in store.catalogue.problems if problem.is_error]
    store.check_interval = 0.01  # the real watcher thread, looking often so the test is quick
    lesson = course / "wages" / "en.md"
    original = lesson.read_text()
    urls = [("/en/trade-unions/wages", "/en/trade-unions/"),
            ("/en/trade-unions/wages?size=audio", "/en/trade-unions/wages/quiz")]
    published = 0  # the newest version a reader may expect: its swap has happened
    stop = threading.Event()
    # Each reader asks as many pages as it is allowed, then waits for more: readers run beside every
    # reload, but cannot starve the watcher thread of the interpreter by asking without pause.
    allowances = [threading.Semaphore(0) for _ in urls]
    failures: list[str] = []
    answers = 0
    count_lock = threading.Lock()

    def read(pair: tuple[str, str], allowance: threading.Semaphore) -> None:
        nonlocal answers
        client = app.test_client()
        for url in itertools.cycle(pair):
            allowance.acquire()
            if stop.is_set():
                return
            expected = published
            response = client.get(url)
            found = re.search(r"Wages, version (\d+)", response.get_data(as_text=True))
            seen = int(found.group(1)) if found else 0
            if response.status_code != 200 or seen < expected:
                failures.append(f"{url}: {response.status_code}, version {seen} after {expected} was published")
            with count_lock:
                answers += 1

    def current_version() -> int:
        title = store.generation.catalogue.course("trade-unions").lessons_by_slug["wages"].texts["en"].title
        found = re.search(r"version (\d+)", title)
        return int(found.group(1)) if found else 0

    app.test_client().get(urls[0][0])  # the first request starts the watcher
    generations = [weakref.ref(store.generation)]
    readers = [threading.Thread(target=read, args=(pair, allowance))
               for pair, allowance in zip(urls, allowances, strict=True)]
    for thread in readers:
        thread.start()
    try:
        for version in range(1, 51):
            # Written whole and renamed into place, as an editor or git does.
            draft = lesson.with_name(".en.md.new")
            draft.write_text(original.replace("title: Wages and the minimum wage", f"title: Wages, version {version}"))
            os.utime(draft, ns=(version * 1_000_000_000, version * 1_000_000_000))
            os.replace(draft, lesson)
            for allowance in allowances:
                allowance.release(8)
            deadline = time.monotonic() + 20
            while current_version() != version:
                store.swapped.wait(max(0.0, deadline - time.monotonic()))
                store.swapped.clear()
                assert time.monotonic() < deadline, f"version {version} was never loaded"
            generations.append(weakref.ref(store.generation))
            published = version
    finally:
        stop.set()
        for allowance in allowances:
            allowance.release()
        for thread in readers:
            thread.join()
    assert failures == []
    assert answers >= 50 * 8  # the readers really were reading throughout
    gc.collect()
    alive = [number for number, ref in enumerate(generations[:-1]) if ref() is not None]
    assert alive == []  # memory stays flat: each replaced generation went, with its pages and forms
