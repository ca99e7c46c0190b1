"""`course-app staff list` says what each account is: active, not yet signed in, disabled, or locked and until when."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskCliRunner

from course_app.staff.auth import LOGIN_FAILURES_LIMIT, LOGIN_WINDOW_SECONDS
from tests.staff.conftest import StaffUser, sign_in, stopped_clock
from tests.staff.test_auth import wrong_codes


def test_a_locked_account_is_listed_as_locked_until_its_window_ends(app: Flask, runner: FlaskCliRunner,
                                                                    coordinator: StaffUser) -> None:
    now = stopped_clock(app)
    started = now.now()
    for code in wrong_codes(coordinator, LOGIN_FAILURES_LIMIT):  # different codes: a code typed again is one guess
        assert sign_in(app.test_client(), "cora", code).status_code == 422
    now.advance(60)  # a minute later: still locked until the window that counted the codes ends
    until = (started + timedelta(seconds=LOGIN_WINDOW_SECONDS)).replace(second=0, microsecond=0)
    listing = runner.invoke(args=["staff", "list"]).output
    line = next(line for line in listing.splitlines() if line.startswith("cora "))
    assert f"locked until {until:%Y-%m-%d %H:%M} UTC" in line and "active" not in line
    assert "'course-app staff unlock NAME' lets the account sign in again" in listing
    # Unlocked by an admin, or when the window ends, it is active again.
    assert runner.invoke(args=["staff", "unlock", "cora"]).exit_code == 0
    assert "active" in next(line for line in runner.invoke(args=["staff", "list"]).output.splitlines()
                            if line.startswith("cora "))
    for code in wrong_codes(coordinator, LOGIN_FAILURES_LIMIT + 1)[1:]:
        sign_in(app.test_client(), "cora", code)
    assert "locked until" in runner.invoke(args=["staff", "list"]).output
    now.advance(LOGIN_WINDOW_SECONDS)
    assert "locked" not in runner.invoke(args=["staff", "list"]).output


def test_a_few_wrong_codes_do_not_lock(app: Flask, runner: FlaskCliRunner, coordinator: StaffUser) -> None:
    stopped_clock(app)
    for code in wrong_codes(coordinator, LOGIN_FAILURES_LIMIT - 1):
        sign_in(app.test_client(), "cora", code)
    assert "locked" not in runner.invoke(args=["staff", "list"]).output
