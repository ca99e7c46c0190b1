"""Production serving: gunicorn runs the factory from the environment, two app servers share one
PostgreSQL database, shutdown is graceful, and SQLite backups restore."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import urllib.parse
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from course_app.cli import main
from course_app.db import get_session
from course_app.domain.staff_accounts import add_staff, start_enrolment
from course_app.models import LessonProgress, StaffRole
from tests.conftest import PROJECT_DIR, STARTER_LESSON_COUNT, TEST_SECRETS, make_app, using_postgresql
from tests.helpers import CODE, quiz_answers, starter_quiz
from tests.serving import BIN, Browser, free_port, gunicorn

# Runs other programs end to end: left out of `make test-fast`, run by `make test` (pyproject.toml).
pytestmark = pytest.mark.slow


def learn_and_save_code(browser: Browser, app) -> str:  # type: ignore[no-untyped-def]
    browser.request("/en/trade-unions/wages")
    answers = quiz_answers(app, starter_quiz(app, "wages"))
    status, _ = browser.request("/en/trade-unions/wages/quiz", answers)
    assert status == 303
    status, html = browser.request("/en/progress/code", {})
    assert status == 200
    return CODE.search(html).group(1)


@pytest.mark.skipif(not using_postgresql(),
                    reason="needs PostgreSQL shared by two servers; CI's PostgreSQL pass runs it")
def test_two_app_servers_share_codes_and_throttles(tmp_path: Path) -> None:
    app = make_app(tmp_path / "setup")
    url = app.config["DATABASE_URL"]
    with app.app_context():
        session = get_session()
        member = add_staff(session, "shared", StaffRole.COORDINATOR, "a long enough password", (), date.today())
        secret = start_enrolment(session, member, "test", TEST_SECRETS["STAFF_TOTP_KEY"]).secret
        member.totp_enrolled = True
        session.commit()
    # One sign-in after another in this test: no pause between guesses' password checks.
    first = gunicorn({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path / "one"), "PASSWORD_GUESS_SHARE": "1"},
                     tmp_path / "one.log")
    second = gunicorn({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path / "two"), "PASSWORD_GUESS_SHARE": "1"},
                      tmp_path / "two.log")
    try:
        code = learn_and_save_code(Browser(first.url), app)
        elsewhere = Browser(second.url)
        status, _ = elsewhere.request("/en/progress/continue", {"code": code})
        assert status == 303
        status, html = elsewhere.request("/en/progress")
        assert f"1 of {STARTER_LESSON_COUNT} lessons completed" in html
        # Five different wrong codes with the right password on the first server (none of them one the account
        # accepts in the next minutes)...
        import time

        import pyotp

        right = {pyotp.TOTP(secret).at(time.time() + step * 30) for step in range(-2, 6)}
        guesses = [code for code in ("123456", "234567", "345678", "456789", "567890", "678901", "789012")
                   if code not in right]
        attacker = Browser(first.url)
        for guess in guesses[:5]:
            status, _ = attacker.request("/staff/login", {"csrf_token": attacker.token("/staff/login"),
                                                          "name": "shared", "password": "a long enough password",
                                                          "code": guess})
            assert status == 422
        # ...and the second server refuses the account's codes too.
        other = Browser(second.url)
        status, html = other.request("/staff/login", {"csrf_token": other.token("/staff/login"), "name": "shared",
                                                      "password": "a long enough password", "code": guesses[5]})
        assert status == 429 and "Too many wrong codes" in html
    finally:
        first.stop()
        second.stop()
    for server in (first, second):
        assert "127.0.0.1" not in server.log()


def test_gunicorn_graceful_shutdown_finishes_every_request(tmp_path: Path) -> None:
    """SIGTERM while four requests are inside workers: each one is finished and answered.

    Each request announces its body with ``Expect: 100-continue``; gunicorn answers "100 Continue"
    from the worker thread that is about to run the app, so when all four have their answer, all
    four are in flight — no sleeping to guess when that is. The bodies are sent after SIGTERM.
    """
    app = make_app(tmp_path / "setup")
    env = {"DATABASE_URL": app.config["DATABASE_URL"], "INSTANCE_PATH": str(tmp_path / "setup" / "instance"),
           "THREADS": "8"}
    server = gunicorn(env, tmp_path / "server.log")
    body = urllib.parse.urlencode({"code": "1" * 24}).encode()
    connections = []
    for _ in range(4):
        connection = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        connection.sendall(b"POST /en/progress/continue HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           b"Content-Type: application/x-www-form-urlencoded\r\nExpect: 100-continue\r\n"
                           b"Connection: close\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n")
        connections.append(connection)
    for connection in connections:
        assert connection.recv(64).startswith(b"HTTP/1.1 100 Continue")
    server.process.send_signal(signal.SIGTERM)
    statuses = []
    for connection in connections:
        connection.sendall(body)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
        connection.close()
        statuses.append(int(answer.split(b" ", 2)[1]))
    assert server.process.wait(timeout=40) == 0
    assert statuses == [422] * 4, statuses


def test_gunicorn_will_not_serve_a_database_not_migrated_yet(tmp_path: Path) -> None:
    """Started as docs/deploy.md shows, but before ``course-app db upgrade``: one line says why, and
    no worker starts to fail learners' answers."""
    environment = {**os.environ, **TEST_SECRETS, "INSTANCE_PATH": str(tmp_path / "instance"), "DATABASE_URL": "",
                   "PORT": str(free_port())}
    command = [str(BIN / "gunicorn"), "-c", "python:course_app.gunicorn_config", "course_app:create_app()"]
    result = subprocess.run(command, cwd=PROJECT_DIR, env=environment, capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.returncode == 1, result.stderr
    assert (f"not serving: the database sqlite:///{tmp_path}/instance/course_app.sqlite3 has no tables yet: "
            "run 'course-app db upgrade'") in result.stderr
    assert "Booting worker" not in result.stderr and "Traceback" not in result.stderr


def test_sqlite_backup_restores_with_the_same_secrets(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    app = make_app(tmp_path, DATABASE_URL="")
    client = app.test_client()
    from tests.helpers import continue_with, save_code, submit_quiz

    submit_quiz(client, app, "wages")
    code = save_code(client)
    backup = tmp_path / "backups" / "course.sqlite3"
    result = app.test_cli_runner().invoke(args=["db", "backup", str(backup)])
    assert result.exit_code == 0 and "learner_code_pepper" in result.output
    again = app.test_cli_runner().invoke(args=["db", "backup", str(backup)])
    assert again.exit_code == 1 and "already exists" in again.output
    # Restore: a new machine with the backup as its database and the same secrets.
    restored_instance = tmp_path / "restored"
    restored_instance.mkdir()
    backup.rename(restored_instance / "course_app.sqlite3")
    for secret in ("secret_key", "learner_code_pepper"):
        (restored_instance / secret).write_text(app.config[secret.upper()])
    from course_app import create_app

    restored = create_app(INSTANCE_PATH=str(restored_instance), DATABASE_URL="", RELOAD_LESSONS=False,
                          SECRET_KEY=app.config["SECRET_KEY"], LEARNER_CODE_PEPPER=app.config["LEARNER_CODE_PEPPER"])
    with restored.app_context():
        assert get_session().scalar(select(func.count()).select_from(LessonProgress)) == 1
    fresh = restored.test_client()
    assert continue_with(fresh, code).status_code == 303
    assert f"1 of {STARTER_LESSON_COUNT} lessons completed" in fresh.get("/en/progress").get_data(as_text=True)
    assert instance.exists()


def test_backup_of_postgresql_points_to_pg_dump(tmp_path: Path) -> None:
    from course_app import create_app

    app = create_app(INSTANCE_PATH=str(tmp_path), DATABASE_URL="postgresql://nobody@127.0.0.1:1/none",
                     SECRET_KEY="k", LEARNER_CODE_PEPPER="p", STAFF_TOTP_KEY="t", RELOAD_LESSONS=False)
    result = app.test_cli_runner().invoke(main, args=["db", "backup", str(tmp_path / "x")])
    assert result.exit_code == 1 and "pg_dump" in result.output
