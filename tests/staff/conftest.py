"""Staff fixtures: accounts made through the domain code, signed in through the real pages."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import date

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient

from course_app.db import get_session
from course_app.domain.staff_accounts import add_staff
from course_app.models import StaffRole
from tests.helpers import csrf_token

PASSWORD = "correct horse battery staple"
SECRET = re.compile(r'<code class="learner-code" id="totp-secret">([A-Z2-7]+)</code>')


@dataclass
class StaffUser:
    name: str
    secret: str
    client: FlaskClient

    def code(self, at: float | None = None) -> str:
        return pyotp.TOTP(self.secret).at(at if at is not None else time.time())


def away_from_a_step_change() -> None:
    """Wait out the last seconds of a 30-second TOTP step, so a code made now is still current
    when the server checks it (otherwise a test fails once in a while, at the boundary)."""
    if time.time() % 30 > 26:
        time.sleep(30 - time.time() % 30 + 0.2)


def create_account(app: Flask, name: str, role: StaffRole, courses: tuple[str, ...] = ()) -> None:
    with app.app_context():
        add_staff(get_session(), name, role, PASSWORD, courses, date(2026, 1, 1))
        get_session().commit()


def enrol(app: Flask, name: str, client: FlaskClient | None = None) -> StaffUser:
    """First sign-in: password, then the enrolment page, then a first code."""
    client = client or app.test_client()
    token = csrf_token(client, "/staff/login")
    response = client.post("/staff/login", data={"csrf_token": token, "name": name, "password": PASSWORD})
    assert response.status_code == 303 and response.headers["Location"].endswith("/staff/enrol"), response.status_code
    page = client.get("/staff/enrol").get_data(as_text=True)
    secret = SECRET.search(page).group(1)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    # Use the previous step's code, so the test's own later logins (current step) are fresh.
    away_from_a_step_change()
    code = pyotp.TOTP(secret).at(time.time() - 30)
    response = client.post("/staff/enrol", data={"csrf_token": token, "code": code})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return StaffUser(name, secret, client)


@pytest.fixture()
def coordinator(app: Flask) -> StaffUser:
    create_account(app, "cora", StaffRole.COORDINATOR)
    return enrol(app, "cora")


@pytest.fixture()
def educator(app: Flask) -> StaffUser:
    create_account(app, "eddie", StaffRole.EDUCATOR, ("trade-unions",))
    return enrol(app, "eddie")


@pytest.fixture()
def admin(app: Flask) -> StaffUser:
    create_account(app, "ada", StaffRole.ADMIN)
    return enrol(app, "ada")


def sign_in(client: FlaskClient, name: str, code: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    token = csrf_token(client, "/staff/login")
    away_from_a_step_change()
    return client.post("/staff/login", data={"csrf_token": token, "name": name, "password": password, "code": code})
