"""The learner's own page: save a code, resume on a fresh client, delete everything; sessions."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from course_app.clock import ShiftedClock
from course_app.db import get_session
from course_app.models import BrowserSession, Learner, LessonProgress, QuizProgress
from tests.conftest import STARTER_LESSON_COUNT, make_app
from tests.helpers import CODE, SAME_ORIGIN, continue_with, save_code, submit_quiz


def learners(app: Flask) -> list[Learner]:
    with app.app_context():
        return list(get_session().scalars(select(Learner)))


def sessions(app: Flask) -> list[BrowserSession]:
    with app.app_context():
        return list(get_session().scalars(select(BrowserSession)))


def test_reading_writes_nothing_and_an_action_starts_the_record(app: Flask, client: FlaskClient) -> None:
    for url in ("/en/trade-unions/wages", "/en/trade-unions/forced-labour", "/en/trade-unions/wages/quiz",
                "/en/progress"):
        assert "Set-Cookie" not in client.get(url).headers, url
    assert learners(app) == [] and sessions(app) == []
    submit_quiz(client, app, "wages")
    [learner] = learners(app)
    [session_row] = sessions(app)
    assert session_row.learner_id == learner.id
    # Random, not sequential: 22 url-safe characters from 16 random bytes.
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", learner.id)
    # From now on, opening a lesson is remembered, by the day.
    client.get("/en/trade-unions/forced-labour")
    with app.app_context():
        reached = {row.lesson_slug: row.reached_on for row in get_session().scalars(select(LessonProgress))}
    assert set(reached) == {"wages", "forced-labour"}


def test_clients_without_cookies_leave_no_rows(app: Flask) -> None:
    for _ in range(5):
        fresh = app.test_client(use_cookies=False)
        assert fresh.get("/ru/trade-unions/wages").status_code == 200
    assert learners(app) == [] and sessions(app) == []


def test_whole_journey_save_resume_delete(app: Flask, client: FlaskClient) -> None:
    submit_quiz(client, app, "wages")
    submit_quiz(client, app, "forced-labour", right=False)
    code = save_code(client)
    assert re.fullmatch(r"(\d{4} ){5}\d{4}", code)
    page = client.get("/en/progress").get_data(as_text=True)
    assert f"2 of {STARTER_LESSON_COUNT} lessons completed" not in page  # forced-labour was failed
    assert f"1 of {STARTER_LESSON_COUNT} lessons completed" in page

    other = app.test_client()
    resumed = continue_with(other, code)
    assert resumed.status_code == 303
    page = other.get("/en/progress").get_data(as_text=True)
    assert "Welcome back" in page
    assert f"1 of {STARTER_LESSON_COUNT} lessons completed" in page
    assert "Quiz: best score 100%, 1 attempt" in page

    deleted = other.post("/en/progress/delete", headers=SAME_ORIGIN)
    assert deleted.status_code == 303 and deleted.headers["Location"] == "/en/progress/deleted"
    assert "session=;" in deleted.headers.get("Set-Cookie", "")  # the cookie is removed
    assert learners(app) == [] and sessions(app) == []
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(LessonProgress)) == 0
        assert get_session().scalar(select(func.count()).select_from(QuizProgress)) == 0

    third = app.test_client()
    again = continue_with(third, code)
    assert again.status_code == 422
    assert "No progress is saved under this code" in again.get_data(as_text=True)


def test_resume_merges_what_this_browser_did(app: Flask, client: FlaskClient) -> None:
    submit_quiz(client, app, "wages")
    code = save_code(client)
    other = app.test_client()
    submit_quiz(other, app, "what-is-a-union")
    continue_with(other, code)
    page = other.get("/en/progress").get_data(as_text=True)
    assert f"2 of {STARTER_LESSON_COUNT} lessons completed" in page
    assert len(learners(app)) == 1  # the session-only learner was merged and removed


def test_code_is_shown_once_and_only_on_its_page(app: Flask, client: FlaskClient) -> None:
    submit_quiz(client, app, "wages")
    response = client.post("/en/progress/code", headers=SAME_ORIGIN)
    html = response.get_data(as_text=True)
    code = CODE.search(html).group(1)
    assert html.count(code) == 1
    assert response.headers["Cache-Control"] == "no-store"
    assert code.replace(" ", "") not in response.headers.get("Set-Cookie", "")
    assert "Course staff will never ask you for your code" in html
    assert "Write it on paper" in html and "Anyone who has this code can see your progress" in html
    assert "password manager" not in html  # paper, not the phone
    for url in ("/en/progress", "/en/", "/en/trade-unions/wages"):
        page = client.get(url).get_data(as_text=True)
        assert code not in page and code.replace(" ", "") not in page


def test_new_code_replaces_the_old_one(app: Flask, client: FlaskClient) -> None:
    submit_quiz(client, app, "wages")
    first = save_code(client)
    second = save_code(client)
    assert first != second
    assert continue_with(app.test_client(), first).status_code == 422
    assert continue_with(app.test_client(), second).status_code == 303


@pytest.mark.parametrize(("typed", "message"), [
    ("1234", "has 24 digits; you typed 4"),
    ("abcd efgh", "has 24 digits; you typed 0"),
    ("1" * 24, "No progress is saved under this code"),
])
def test_wrong_codes_get_a_clear_message(client: FlaskClient, typed: str, message: str) -> None:
    response = continue_with(client, typed)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_no_code_check_waits_on_a_timer(app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """A right and a wrong code cost one keyed hash and one indexed look-up; no thread is parked."""
    submit_quiz(client, app, "wages")
    code = save_code(client)

    real_sleep = time.sleep

    def no_sleeping(seconds: float) -> None:
        if threading.current_thread() is threading.main_thread():  # the test client's requests run here
            raise AssertionError(f"a code check slept {seconds} s")
        real_sleep(seconds)

    monkeypatch.setattr(time, "sleep", no_sleeping)
    assert continue_with(app.test_client(), "9" * 24).status_code == 422
    assert continue_with(app.test_client(), "12").status_code == 422
    assert continue_with(app.test_client(), code).status_code == 303


def test_wrong_codes_are_counted_on_the_server_per_session(app: Flask, client: FlaskClient) -> None:
    limit = app.config["CODE_TRIES_PER_DAY"]
    # A wrong code in a browser without a session writes nothing, not even a session.
    assert continue_with(app.test_client(), "5" * 24).status_code == 422
    assert sessions(app) == [] and learners(app) == []
    client.post("/en/trade-unions/study-safely/done", headers=SAME_ORIGIN)  # this browser now has a session
    first = continue_with(client, "5" * 24)
    assert first.status_code == 422
    copied = client.get_cookie("session").value  # the cookie as it was before the next tries
    statuses = [continue_with(client, "5" * 24).status_code for _ in range(limit)]
    assert statuses == [422] * (limit - 1) + [429]
    assert "Too many wrong codes" in continue_with(client, "5" * 24).get_data(as_text=True)
    # Replaying the earlier cookie does not bring the tries back: they are counted on the server.
    client.set_cookie("session", copied)
    assert continue_with(client, "5" * 24).status_code == 429
    # Someone else (another browser, perhaps behind the same Tor exit) is not locked out.
    code_owner = app.test_client()
    submit_quiz(code_owner, app, "wages")
    code = save_code(code_owner)
    assert continue_with(app.test_client(), code).status_code == 303


def test_cookie_is_a_session_cookie_unless_remembered(app: Flask, client: FlaskClient) -> None:
    response = submit_quiz(client, app, "wages")
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) == 1
    cookie = cookies[0]
    assert cookie.startswith("session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Expires" not in cookie and "Max-Age" not in cookie
    code = save_code(client)
    remembered = continue_with(app.test_client(), code, remember=True)
    cookie = remembered.headers["Set-Cookie"]
    assert "Expires=" in cookie


def test_cookie_is_secure_over_https(app: Flask) -> None:
    client = app.test_client()
    response = client.post("/en/trade-unions/wages/done", base_url="https://localhost",
                           headers={"Origin": "https://localhost"})
    assert response.status_code == 303
    assert "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_idle_sessions_expire(tmp_path: Path) -> None:
    app = make_app(tmp_path, LEARNER_SESSION_HOURS=1)
    clock = ShiftedClock()
    app.extensions["course_app.clock"] = clock
    client = app.test_client()
    submit_quiz(client, app, "wages")
    clock.advance(50 * 60)
    assert f"1 of {STARTER_LESSON_COUNT} lessons completed" in client.get("/en/progress").get_data(as_text=True)
    clock.advance(50 * 60)  # each request slides the expiry, so this is still within the hour
    assert f"1 of {STARTER_LESSON_COUNT} lessons completed" in client.get("/en/progress").get_data(as_text=True)
    clock.advance(61 * 60)
    response = client.get("/en/progress")
    assert "lessons completed" not in response.get_data(as_text=True)
    assert "session=;" in response.headers["Set-Cookie"]  # the stale cookie is removed


def test_remember_toggle(app: Flask, client: FlaskClient) -> None:
    response = client.post("/en/progress/remember", data={"remember": "y"}, headers=SAME_ORIGIN)
    assert response.status_code == 303
    assert "Expires=" in response.headers["Set-Cookie"]
    response = client.post("/en/progress/remember", data={}, headers=SAME_ORIGIN)
    assert "Expires=" not in response.headers["Set-Cookie"]
    [row] = sessions(app)
    assert row.remembered is False


def test_progress_pages_are_never_cached(client: FlaskClient) -> None:
    for url in ("/en/progress", "/en/progress/delete", "/en/progress/deleted"):
        assert client.get(url).headers["Cache-Control"] == "no-store"


def test_save_with_no_progress_creates_nothing(app: Flask) -> None:
    """A browser that has done nothing (or a client that keeps no cookie, a thousand times) gets no code, no
    learner and no session: "save" with nothing to save writes nothing."""
    for _ in range(20):
        response = app.test_client().post("/en/progress/code", headers=SAME_ORIGIN)
        assert response.status_code == 200 and "Set-Cookie" not in response.headers
        html = response.get_data(as_text=True)
        assert "There is nothing to save yet" in html and not CODE.search(html)
    reader = app.test_client()
    reader.get("/en/trade-unions/wages")
    assert "Set-Cookie" not in reader.post("/en/progress/code", headers=SAME_ORIGIN).headers
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(Learner)) == 0
        assert get_session().scalar(select(func.count()).select_from(BrowserSession)) == 0
