"""Staff authentication: passwords, TOTP with replay protection, throttling per account,
disabled accounts, session renewal, logout by POST, idle expiry, and roles on every route."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from course_app.db import get_session
from course_app.domain.staff_accounts import disable
from course_app.models import AuditEvent, StaffMember, StaffRole, StaffSession
from tests.helpers import csrf_token
from tests.staff.conftest import PASSWORD, StaffUser, create_account, enrol, sign_in


def test_first_sign_in_enrols_and_later_ones_need_a_code(app: Flask, coordinator: StaffUser) -> None:
    assert coordinator.client.get("/staff/").status_code == 200
    fresh = app.test_client()
    assert sign_in(fresh, "cora", "").status_code == 422  # enrolled: a code is required now
    response = sign_in(fresh, "cora", coordinator.code())
    assert response.status_code == 303 and response.headers["Location"] == "/staff/"
    html = fresh.get("/staff/").get_data(as_text=True)
    assert "Statistics" in html and "cora" in html


def test_enrolment_page_shows_the_secret_as_text_and_svg_qr(app: Flask) -> None:
    create_account(app, "newbie", StaffRole.EDUCATOR)
    client = app.test_client()
    token = csrf_token(client, "/staff/login")
    client.post("/staff/login", data={"csrf_token": token, "name": "newbie", "password": PASSWORD})
    page = client.get("/staff/enrol")
    html = page.get_data(as_text=True)
    assert '<svg' in html and 'id="totp-secret"' in html and "<script" not in html
    assert page.headers["Cache-Control"] == "no-store"
    # Without the password step the enrolment page is out of reach.
    assert app.test_client().get("/staff/enrol").headers["Location"] == "/staff/login"


@pytest.mark.parametrize("mistake", ["password", "code", "name"])
def test_wrong_credentials_are_refused_alike(app: Flask, coordinator: StaffUser, mistake: str) -> None:
    client = app.test_client()
    name, password, code = "cora", PASSWORD, coordinator.code()
    if mistake == "password":
        password = "wrong password, long enough"
    elif mistake == "code":
        code = f"{(int(code) + 1) % 1_000_000:06d}"
    else:
        name = "nobody"
    response = sign_in(client, name, code, password)
    assert response.status_code == 422
    assert "The name, password or code is not right." in response.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302


def test_a_used_code_cannot_be_used_again(app: Flask, coordinator: StaffUser) -> None:
    code = coordinator.code()
    assert sign_in(app.test_client(), "cora", code).status_code == 303
    assert sign_in(app.test_client(), "cora", code).status_code == 422


def test_codes_from_one_step_either_side_work_but_not_two(app: Flask, coordinator: StaffUser) -> None:
    now = time.time()
    assert sign_in(app.test_client(), "cora", coordinator.code(now - 90)).status_code == 422
    assert sign_in(app.test_client(), "cora", coordinator.code(now + 30)).status_code == 303


def test_throttled_per_account_not_per_address(app: Flask, coordinator: StaffUser, educator: StaffUser) -> None:
    attacker = app.test_client()
    for _ in range(5):
        assert sign_in(attacker, "cora", "000000", "wrong password, long enough").status_code == 422
    # Even the right credentials wait now, from any client.
    blocked = sign_in(app.test_client(), "cora", coordinator.code())
    assert blocked.status_code == 429
    assert "Too many failed sign-ins for this account" in blocked.get_data(as_text=True)
    # Another account from the very same client (same address behind Tor) is not affected.
    assert sign_in(attacker, "eddie", educator.code()).status_code == 303


def test_throttle_window_passes(app: Flask, coordinator: StaffUser, monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(5):
        sign_in(app.test_client(), "cora", "000000", "wrong password, long enough")
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 16 * 60)
    assert sign_in(app.test_client(), "cora", coordinator.code(real_time() + 16 * 60)).status_code == 303


def test_disabled_account_cannot_sign_in_and_its_sessions_end(app: Flask, coordinator: StaffUser) -> None:
    with app.app_context():
        member = get_session().scalar(select(StaffMember).where(StaffMember.name == "cora"))
        disable(get_session(), member)
        get_session().commit()
    assert coordinator.client.get("/staff/").status_code == 302
    assert sign_in(app.test_client(), "cora", coordinator.code()).status_code == 422


def test_session_is_renewed_at_sign_in(app: Flask, coordinator: StaffUser) -> None:
    client = app.test_client()
    client.get("/staff/login")
    before = client.get_cookie("session").value
    sign_in(client, "cora", coordinator.code())
    after = client.get_cookie("session").value
    assert before != after
    # The old cookie (from before sign-in) does not carry the staff session.
    stale = app.test_client()
    stale.set_cookie("session", before)
    assert stale.get("/staff/").status_code == 302


def test_logout_is_a_post_and_ends_the_session_on_the_server(app: Flask, coordinator: StaffUser) -> None:
    client = coordinator.client
    cookie = client.get_cookie("session").value
    assert client.get("/staff/logout").status_code == 405
    token = csrf_token(client, "/staff/")
    assert client.post("/staff/logout").status_code == 400  # no CSRF token
    assert client.post("/staff/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/staff/").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", cookie)
    assert replay.get("/staff/").status_code == 302
    with app.app_context():
        assert get_session().scalars(select(StaffSession)).all() == []


def test_idle_staff_sessions_expire(app: Flask, coordinator: StaffUser) -> None:
    with app.app_context():
        for row in get_session().scalars(select(StaffSession)):
            row.last_seen_at -= timedelta(minutes=app.config["STAFF_SESSION_MINUTES"] + 1)
        get_session().commit()
    assert coordinator.client.get("/staff/").status_code == 302


def test_audit_log_records_logins_without_addresses(app: Flask, admin: StaffUser) -> None:
    sign_in(app.test_client(), "ada", "000000", "wrong password, long enough")
    with app.app_context():
        events = get_session().scalars(select(AuditEvent)).all()
    actions = [(event.staff_name, event.action) for event in events]
    assert ("ada", "enrolled authenticator") in actions and ("ada", "login") in actions
    assert ("ada", "login failed") in actions
    assert all(event.at.second == 0 and event.at.microsecond == 0 for event in events)
    assert not any("127.0.0.1" in f"{event.detail}" for event in events)
    assert "login failed" in admin.client.get("/staff/audit").get_data(as_text=True)


def test_next_only_goes_to_staff_pages(app: Flask, coordinator: StaffUser) -> None:
    client = app.test_client()
    token = csrf_token(client, "/staff/login")
    response = client.post("/staff/login?next=https://evil.example/", data={
        "csrf_token": token, "name": "cora", "password": PASSWORD, "code": coordinator.code()})
    assert response.headers["Location"] == "/staff/"


STAFF_ROUTES = ["/staff/", "/staff/insights", "/staff/translations", "/staff/audit", "/staff/export/courses.csv"]
ALLOWED = {
    "coordinator": {"/staff/", "/staff/export/courses.csv"},
    "educator": {"/staff/insights", "/staff/translations"},
    "admin": set(STAFF_ROUTES),
}


def test_anonymous_visitors_get_the_login_page(client: FlaskClient) -> None:
    for route in STAFF_ROUTES:
        response = client.get(route)
        assert response.status_code == 302 and response.headers["Location"].startswith("/staff/login"), route
    assert "Staff sign-in" in client.get("/staff/", follow_redirects=True).get_data(as_text=True)


@pytest.mark.parametrize("role", ["coordinator", "educator", "admin"])
def test_every_staff_route_checks_the_role(app: Flask, role: str) -> None:
    create_account(app, f"{role}-x", StaffRole(role))
    user = enrol(app, f"{role}-x")
    for route in STAFF_ROUTES:
        status = user.client.get(route).status_code
        assert (status == 200) == (route in ALLOWED[role]), (role, route, status)
        assert status in (200, 403), (role, route, status)
