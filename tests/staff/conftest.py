"""Staff fixtures: accounts made through the domain code, signed in through the real pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient

from course_app.clock import ManualClock, clock
from course_app.db import get_session
from course_app.domain.staff_accounts import add_staff
from course_app.models import StaffRole
from course_app.staff.passwords import server_password_hasher
from tests.helpers import csrf_token

PASSWORD = "correct horse battery staple"
SECRET = re.compile(r'<code class="learner-code" id="totp-secret">([A-Z2-7]+)</code>')


@dataclass
class StaffUser:
    name: str
    secret: str
    client: FlaskClient
    app: Flask

    def code(self, at: float | None = None) -> str:
        """The authenticator's code at ``at`` (default: now on the app's clock, which stands still)."""
        return pyotp.TOTP(self.secret).at(at if at is not None else clock(self.app).timestamp())


def stopped_clock(app: Flask) -> ManualClock:
    """The app's clock, stopped 10 seconds into a 30-second TOTP step: a code made in a test is the
    one the server expects, with no wait at a step's edge. Tests move it with ``advance``."""
    current = clock(app)
    if not isinstance(current, ManualClock):
        start = int(current.timestamp()) // 30 * 30 + 10
        current = ManualClock(datetime.fromtimestamp(start, UTC))
        app.extensions["course_app.clock"] = current
    return current


def create_account(app: Flask, name: str, role: StaffRole, courses: tuple[str, ...] = ()) -> None:
    with app.app_context():
        add_staff(get_session(), name, role, PASSWORD, courses, date(2026, 1, 1), server_password_hasher(app))
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
    code = pyotp.TOTP(secret).at(stopped_clock(app).timestamp() - 30)
    response = client.post("/staff/enrol", data={"csrf_token": token, "code": code})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return StaffUser(name, secret, client, app)


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
    return client.post("/staff/login", data={"csrf_token": token, "name": name, "password": password, "code": code})
