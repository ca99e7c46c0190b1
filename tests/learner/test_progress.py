"""The learner's own page: save a code, resume on a fresh client, delete everything; sessions."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from course_app.db import get_session
from course_app.models import Learner, LessonProgress, QuizProgress
from tests.conftest import make_app
from tests.helpers import CODE, continue_with, csrf_token, save_code, submit_quiz


def learners(app: Flask) -> list[Learner]:
    with app.app_context():
        return list(get_session().scalars(select(Learner)))


def test_a_single_page_view_writes_nothing_and_the_second_keeps_both(app: Flask, client: FlaskClient) -> None:
    client.get("/en/trade-unions/wages")
    assert learners(app) == []
    client.get("/en/trade-unions/forced-labour")
    [learner] = learners(app)
    with app.app_context():
        reached = {row.lesson_slug for row in get_session().scalars(select(LessonProgress))}
    assert reached == {"wages", "forced-labour"}
    # Random, not sequential: 22 url-safe characters from 16 random bytes.
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", learner.id)


def test_clients_without_cookies_leave_no_rows(app: Flask) -> None:
    for _ in range(5):
        fresh = app.test_client(use_cookies=False)
        assert fresh.get("/ru/trade-unions/wages").status_code == 200
    assert learners(app) == []


def test_whole_journey_save_resume_delete(app: Flask, client: FlaskClient) -> None:
    submit_quiz(client, app, "wages")
    submit_quiz(client, app, "forced-labour", right=False)
    code = save_code(client)
    assert re.fullmatch(r"(\d{4} ){5}\d{4}", code)
    page = client.get("/en/progress").get_data(as_text=True)
    assert "2 of 6 lessons completed" not in page  # forced-labour was failed
    assert "1 of 6 lessons completed" in page

    other = app.test_client()
    resumed = continue_with(other, code)
    assert resumed.status_code == 303
    page = other.get("/en/progress").get_data(as_text=True)
    assert "Welcome back" in page
    assert "1 of 6 lessons completed" in page
    assert "Quiz: best score 100%, 1 attempt" in page

    token = csrf_token(other, "/en/progress/delete")
    deleted = other.post("/en/progress/delete", data={"csrf_token": token})
    assert deleted.status_code == 303 and deleted.headers["Location"] == "/en/progress/deleted"
    assert "session=;" in deleted.headers.get("Set-Cookie", "")  # the cookie is removed
    assert learners(app) == []
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
    assert "2 of 6 lessons completed" in page
    assert len(learners(app)) == 1  # the session-only learner was merged and removed


def test_code_is_shown_once_and_only_on_its_page(app: Flask, client: FlaskClient) -> None:
    token = csrf_token(client, "/en/progress")
    response = client.post("/en/progress/code", data={"csrf_token": token})
    html = response.get_data(as_text=True)
    code = CODE.search(html).group(1)
    assert html.count(code) == 1
    assert response.headers["Cache-Control"] == "no-store"
    assert code.replace(" ", "") not in response.headers.get("Set-Cookie", "")
    assert "Course staff will never ask you for your code" in html
    assert "Write it on paper" in html and "Anyone who has this code can see your progress" in html
    for url in ("/en/progress", "/en/", "/en/trade-unions/wages"):
        page = client.get(url).get_data(as_text=True)
        assert code not in page and code.replace(" ", "") not in page


def test_new_code_replaces_the_old_one(app: Flask, client: FlaskClient) -> None:
    client.get("/en/trade-unions/wages")
    client.get("/en/trade-unions/wages")
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


def test_wrong_and_right_codes_take_the_same_time(tmp_path: Path) -> None:
    app = make_app(tmp_path, CODE_CHECK_SECONDS=0.3)
    client = app.test_client()
    submit_quiz(client, app, "wages")
    code = save_code(client)
    timings = {}
    for label, typed in (("right", code), ("wrong", "9" * 24), ("malformed", "12")):
        fresh = app.test_client()
        token = csrf_token(fresh, "/en/progress")
        started = time.perf_counter()
        fresh.post("/en/progress/continue", data={"csrf_token": token, "code": typed})
        timings[label] = time.perf_counter() - started
    assert all(0.3 <= value < 0.6 for value in timings.values()), timings


def test_wrong_codes_are_throttled_per_browser_only(app: Flask, client: FlaskClient) -> None:
    statuses = [continue_with(client, "5" * 24).status_code for _ in range(6)]
    assert statuses == [422] * 5 + [429]
    assert "Too many wrong codes" in continue_with(client, "5" * 24).get_data(as_text=True)
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
    client.get("/en/trade-unions/wages", base_url="https://localhost")
    response = client.get("/en/trade-unions/wages", base_url="https://localhost")
    assert "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_idle_sessions_expire(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(tmp_path, LEARNER_SESSION_HOURS=1)
    client = app.test_client()
    submit_quiz(client, app, "wages")
    assert "1 of 6 lessons completed" in client.get("/en/progress").get_data(as_text=True)
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 2 * 3600)
    assert "lessons completed" not in client.get("/en/progress").get_data(as_text=True)


def test_remember_toggle(app: Flask, client: FlaskClient) -> None:
    token = csrf_token(client, "/en/progress")
    response = client.post("/en/progress/remember", data={"csrf_token": token, "remember": "y"})
    assert response.status_code == 303
    assert "Expires=" in response.headers["Set-Cookie"]
    token = csrf_token(client, "/en/progress")
    response = client.post("/en/progress/remember", data={"csrf_token": token})
    assert "Expires=" not in response.headers["Set-Cookie"]


def test_progress_pages_are_never_cached(client: FlaskClient) -> None:
    for url in ("/en/progress", "/en/progress/delete", "/en/progress/deleted"):
        assert client.get(url).headers["Cache-Control"] == "no-store"
