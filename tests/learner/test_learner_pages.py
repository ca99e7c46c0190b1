"""A learner's lesson page that changes nothing of their session is answered from the kept parts without Flask
(learner/learner_pages.py): the same status, headers and bytes as the app gives, and the app whenever something
must be written, sealed or shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import Client

from course_app.clock import ManualClock
from course_app.content import catalogue_store
from course_app.learner import learner_pages
from course_app.learner.page_cache import ReaderPages
from course_app.learner.page_parts import KeptParts
from tests.conftest import LANGUAGES, make_app
from tests.helpers import submit_quiz
from tests.learner.test_page_parts import statements, writes

COOKIE = "Cookie"


def cookie_of(app: Flask, client: FlaskClient) -> str:
    name = app.config["SESSION_COOKIE_NAME"]
    found = client.get_cookie(name)
    assert found is not None
    return f"{name}={found.value}"


def through_the_app(app: Flask) -> Client:
    """A client of the app itself, without the pages kept in front of it."""
    middleware = app.wsgi_app
    assert isinstance(middleware, ReaderPages)
    return Client(middleware.wsgi_app, use_cookies=False)


def answered(client: Client | FlaskClient, url: str, cookie: str, **headers: str):  # type: ignore[no-untyped-def]
    base = headers.pop("base", "http://localhost")  # where the request is sent, not a header
    response = client.get(url, headers={COOKIE: cookie, **headers}, base_url=base)
    return response.status, sorted(response.headers.items()), response.get_data()


def learner_with_a_passed_quiz(app: Flask, lang: str = "en") -> tuple[FlaskClient, str]:
    client = app.test_client()
    submit_quiz(client, app, "wages", lang)
    client.get(f"/{lang}/trade-unions/wages/result")  # the result is seen and kept for its minutes
    client.get(f"/{lang}/trade-unions/wages")  # the page and the learner's parts are drawn by the app once
    return client, cookie_of(app, client)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("encoding", ["", "gzip"])
def test_the_kept_answer_is_the_apps_answer(app: Flask, lang: str, encoding: str) -> None:
    _client, cookie = learner_with_a_passed_quiz(app, lang)
    url = f"/{lang}/trade-unions/wages"
    extra = {"Accept-Encoding": encoding} if encoding else {}
    with statements(app) as seen:
        kept = answered(app.test_client(use_cookies=False), url, cookie, **extra)
    assert len(seen) == 1 and writes(seen) == [], seen  # one look-up: the session and the standing together
    by_the_app = answered(through_the_app(app), url, cookie, **extra)
    at = next((i for i, (a, b) in enumerate(zip(kept[2], by_the_app[2], strict=False)) if a != b), None)
    assert kept[0] == by_the_app[0] and kept[2] == by_the_app[2], (kept[2][at - 200:at + 200] if at else b"",
                                                                    by_the_app[2][at - 200:at + 200] if at else b"")
    assert dict(kept[1]) == dict(by_the_app[1]), set(kept[1]) ^ set(by_the_app[1])
    assert kept[0] == "200 OK" and (encoding or b"60% \xc2\xb7 " in kept[2])  # the best score follows the pass mark


def test_over_https_and_with_an_onion_address_the_headers_are_the_apps(tmp_path: Path) -> None:
    app = make_app(tmp_path, ONION_LOCATION="http://example2345.onion/")
    _client, cookie = learner_with_a_passed_quiz(app)
    url = "/en/trade-unions/wages"
    kept = answered(app.test_client(use_cookies=False), url, cookie, base="https://localhost")
    assert ("Strict-Transport-Security", "max-age=63072000; includeSubDomains") in kept[1]
    assert ("Onion-Location", "http://example2345.onion/en/trade-unions/wages") in kept[1]
    assert kept == answered(through_the_app(app), url, cookie, base="https://localhost")


def test_a_lesson_not_reached_a_query_and_a_message_go_through_the_app(app: Flask) -> None:
    client, cookie = learner_with_a_passed_quiz(app)
    with statements(app) as seen:
        client.get("/en/trade-unions/strikes")
    assert any("INTO lesson_progress" in statement for statement in writes(seen))
    with statements(app) as seen:
        page = client.get("/en/trade-unions/wages?size=nothing")
    assert page.status_code == 200 and len(seen) == 2  # the app: the session, then the standing
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Shown once")]
    assert b"Shown once" in client.get("/en/trade-unions/wages").get_data()
    assert b"Shown once" not in client.get("/en/trade-unions/wages").get_data()


def test_a_cookie_due_to_be_sealed_again_and_a_new_day_go_through_the_app(tmp_path: Path) -> None:
    clock = ManualClock(datetime(2026, 11, 2, 21, 0, tzinfo=UTC))
    app = make_app(tmp_path)
    app.extensions["course_app.clock"] = clock
    client, _cookie = learner_with_a_passed_quiz(app)
    assert "Set-Cookie" not in client.get("/en/trade-unions/wages").headers
    clock.advance(timedelta(minutes=11).total_seconds())
    assert "Set-Cookie" in client.get("/en/trade-unions/wages").headers  # the expiry slides
    assert "Set-Cookie" not in client.get("/en/trade-unions/wages").headers
    clock.advance(timedelta(hours=3).total_seconds())  # past midnight: the day is noted
    with statements(app) as seen:
        assert client.get("/en/trade-unions/wages").status_code == 200
    assert any(statement.startswith("UPDATE browser_session") for statement in writes(seen)), seen


def test_a_result_past_its_minutes_is_removed_by_the_app(tmp_path: Path) -> None:
    clock = ManualClock(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    app = make_app(tmp_path)
    app.extensions["course_app.clock"] = clock
    client, _cookie = learner_with_a_passed_quiz(app)
    clock.advance(timedelta(minutes=61).total_seconds())
    with statements(app) as seen:
        client.get("/en/trade-unions/wages")
    assert any(statement.startswith("UPDATE browser_session") for statement in writes(seen)), seen
    assert client.get("/en/trade-unions/wages/result").status_code == 303  # nothing left to show


def test_what_an_address_names_is_found_again_in_a_new_generation(lessons_copy: Path, tmp_path: Path) -> None:
    """Each address's lesson is kept with its generation: when the course's order changes, a numbered address names
    another lesson, and a learner's parts are that lesson's, never those of the lesson it named before."""
    app = make_app(tmp_path, LESSONS_DIR=str(lessons_copy))  # no watcher: the test reloads by itself
    client, cookie = learner_with_a_passed_quiz(app)  # passed the quiz of "wages", the 5th lesson
    url = "/en/c/1/5"
    client.get(url)  # the app draws the page once
    with statements(app) as seen:
        before = answered(app.test_client(use_cookies=False), url, cookie)
    assert len(seen) == 1 and before[0] == "200 OK" and b"your best so far" in before[2]  # before Flask
    course = lessons_copy / "trade-unions" / "course.yaml"
    text = course.read_text(encoding="utf-8")
    assert "      - forced-labour\n      - wages\n" in text
    course.write_text(text.replace("      - forced-labour\n      - wages\n", "      - wages\n      - forced-labour\n"),
                      encoding="utf-8")
    result = catalogue_store(app).reload_if_changed()
    assert result is not None and result.held_back == (), result
    client.get(url)  # now "forced-labour": reached, and its page drawn, through the app
    with statements(app) as seen:
        after = answered(app.test_client(use_cookies=False), url, cookie)
    assert len(seen) == 1 and after[0] == "200 OK" and b"your best so far" not in after[2]
    assert after == answered(through_the_app(app), url, cookie)
    (lessons_copy / "trade-unions" / "forced-labour" / "en.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
    result = catalogue_store(app).reload_if_changed()
    assert result is not None and result.held_back, result  # broken: the lesson is held back
    assert answered(app.test_client(use_cookies=False), url, cookie)[0].startswith("503")


def test_another_spelling_of_an_address_is_answered_by_the_app_and_not_kept(app: Flask) -> None:
    """"/en/c/01/5" names the lesson "/en/c/1/5" does; the app answers it, and it takes no place among the kept
    addresses (a client sending many spellings cannot push the learners' addresses out)."""
    client, cookie = learner_with_a_passed_quiz(app)
    client.get("/en/c/1/5")
    with statements(app) as seen:
        assert answered(app.test_client(use_cookies=False), "/en/c/1/5", cookie)[0] == "200 OK"
    assert len(seen) == 1  # the address as the site writes it: before Flask
    with statements(app) as seen:
        other = answered(app.test_client(use_cookies=False), "/en/c/01/5", cookie)
    assert other[0] == "200 OK" and len(seen) == 2, seen  # the app: the session, then the standing
    addresses = catalogue_store(app).generation.cache("steady_addresses", KeptParts)
    assert addresses.get("/en/c/1/5") is not None and addresses.get("/en/c/01/5") is None


def test_lessons_published_anew_while_a_page_is_answered_leave_it_to_the_app(
        lessons_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The page and the learner's parts are of one generation: a reload between finding the address and filling
    the page sends the request to the app, whose answer is the new generation's."""
    app = make_app(tmp_path, LESSONS_DIR=str(lessons_copy))
    client, cookie = learner_with_a_passed_quiz(app)  # passed the quiz of "wages", the 5th lesson
    url = "/en/c/1/5"
    client.get(url)
    client.get("/en/c/1/4")  # "forced-labour" reached and drawn too, so both orders have their parts drawn
    course = lessons_copy / "trade-unions" / "course.yaml"
    text = course.read_text(encoding="utf-8")
    reordered = text.replace("      - forced-labour\n      - wages\n", "      - wages\n      - forced-labour\n")
    assert reordered != text
    real = learner_pages.rendered_page

    def publishing_meanwhile(*arguments):  # type: ignore[no-untyped-def]
        course.write_text(reordered, encoding="utf-8")
        assert catalogue_store(app).reload_if_changed() is not None
        monkeypatch.setattr(learner_pages, "rendered_page", real)
        for drawn in (url, "/en/c/1/4"):  # the new generation's pages and parts are drawn meanwhile too
            answered(through_the_app(app), drawn, cookie)
        return real(*arguments)

    monkeypatch.setattr(learner_pages, "rendered_page", publishing_meanwhile)
    answer = answered(app.test_client(use_cookies=False), url, cookie)
    assert learner_pages.rendered_page is real  # the reload happened while the page was answered
    assert answer[0] == "200 OK" and b"your best so far" not in answer[2]  # now "forced-labour", with no quiz tried
    assert answer == answered(through_the_app(app), url, cookie)


def test_an_ended_session_gets_the_readers_page_and_no_cookie(app: Flask) -> None:
    client, cookie = learner_with_a_passed_quiz(app)
    client.post("/en/progress/delete", headers={"Sec-Fetch-Site": "same-origin"})
    response = app.test_client(use_cookies=False).get("/en/trade-unions/wages", headers={COOKIE: cookie})
    assert b"your best so far" not in response.get_data()
    assert "Max-Age=0" in response.headers.get("Set-Cookie", "") or "expires=Thu, 01 Jan 1970" in \
        response.headers.get("Set-Cookie", "")


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("encoding", ["", "gzip"])
def test_the_kept_progress_page_is_the_apps_answer(app: Flask, lang: str, encoding: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    client, cookie = learner_with_a_passed_quiz(app, lang)
    client.post(f"/{lang}/trade-unions/what-is-a-union/done", headers={"Sec-Fetch-Site": "same-origin"})
    client.get(f"/{lang}/trade-unions/strikes")  # a lesson reached, not done, and another one done: three states
    client.get(f"/{lang}/progress")  # the page and the learner's parts are drawn by the app once
    url = f"/{lang}/progress"
    extra = {"Accept-Encoding": encoding} if encoding else {}
    dispatched: list[str] = []
    dispatch = app.full_dispatch_request
    monkeypatch.setattr(app, "full_dispatch_request", lambda: dispatched.append("app") or dispatch())
    with statements(app) as seen:
        kept = answered(app.test_client(use_cookies=False), url, cookie, **extra)
    assert dispatched == []  # answered before Flask
    assert len(seen) == 2 and writes(seen) == [], seen  # the session record, then everything the learner did
    by_the_app = answered(through_the_app(app), url, cookie, **extra)
    assert kept[0] == by_the_app[0] == "200 OK" and kept[2] == by_the_app[2]
    assert dict(kept[1]) == dict(by_the_app[1]), set(kept[1]) ^ set(by_the_app[1])
    if not encoding:
        assert kept[2].count(b'class="badge') >= 2 and b'<p class="meta">' in kept[2], kept[2][:300]


def test_a_progress_page_with_parts_not_drawn_yet_or_a_message_goes_through_the_app(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(tmp_path)  # its own: nothing drawn by another test
    dispatched: list[str] = []
    dispatch = app.full_dispatch_request
    monkeypatch.setattr(app, "full_dispatch_request", lambda: dispatched.append("app") or dispatch())
    client, cookie = learner_with_a_passed_quiz(app)
    client.get("/en/progress")
    client.get("/en/trade-unions/strikes")  # a lesson only reached: a badge not drawn yet in this generation
    dispatched.clear()
    first = answered(app.test_client(use_cookies=False), "/en/progress", cookie)
    assert dispatched == ["app"]  # which draws it
    assert first == answered(through_the_app(app), "/en/progress", cookie)
    dispatched.clear()
    assert answered(app.test_client(use_cookies=False), "/en/progress", cookie) == first
    assert dispatched == []  # drawn now: answered before Flask
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Shown once")]
    assert b"Shown once" in client.get("/en/progress").get_data()
    assert b"Shown once" not in client.get("/en/progress").get_data()
    assert dispatched == ["app"]  # the page with the message; then, the message gone from the record, before Flask
