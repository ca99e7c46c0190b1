"""Staff sign-in on Flask-Login, closed: a planted cookie opens nothing, one code signs in once under any
concurrency, the sign-in form writes nothing, Flask-Login keeps no address or browser hash and sets no
remember-me cookie, learners never touch it, every staff view needs a sign-in and a role, and account
changes need a fresh one."""

from __future__ import annotations

import ast
import json
import re
import threading
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, inspect, select, text

from course_app.db import database, get_session
from course_app.models import BrowserSession, StaffRole, StaffSession
from tests.conftest import PROJECT_DIR, make_app
from tests.helpers import SAME_ORIGIN, csrf_token, submit_quiz
from tests.staff.conftest import PASSWORD, SECRET, StaffUser, create_account, enrol, sign_in, stopped_clock

STAFF_PACKAGE = PROJECT_DIR / "course_app" / "staff"
# The views a visitor must reach before being signed in (the language is chosen there in the address).
OPEN_VIEWS = {"login", "enrol", "logout"}


def session_records(app: Flask) -> list[BrowserSession]:
    with app.app_context():
        rows = list(get_session().scalars(select(BrowserSession)))
        get_session().expunge_all()
        return rows


def test_a_cookie_planted_before_the_first_sign_in_opens_nothing_after_it(app: Flask) -> None:
    """Session fixation at the first sign-in: the attacker's cookie, planted in the new member's browser before
    the password step, must open neither the enrolment page nor, later, the staff pages."""
    create_account(app, "newbie", StaffRole.COORDINATOR)
    attacker = app.test_client()
    attacker.post("/en/trade-unions/study-safely/done", headers=SAME_ORIGIN)  # any action gives a real cookie
    planted = attacker.get_cookie("session").value
    victim = app.test_client()
    victim.set_cookie("session", planted)
    token = csrf_token(victim, "/staff/login")
    step = victim.post("/staff/login", data={"csrf_token": token, "name": "newbie", "password": PASSWORD})
    assert step.status_code == 303 and step.headers["Location"].endswith("/staff/enrol")
    assert victim.get_cookie("session").value != planted
    assert attacker.get("/staff/enrol").headers.get("Location") == "/staff/login"
    page = victim.get("/staff/enrol").get_data(as_text=True)
    secret = SECRET.search(page).group(1)
    import pyotp

    enrol_token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    code = pyotp.TOTP(secret).at(stopped_clock(app).timestamp())
    assert victim.post("/staff/enrol", data={"csrf_token": enrol_token, "code": code}).status_code == 303
    assert victim.get("/staff/").status_code == 200
    for path in ("/staff/", "/staff/enrol", "/staff/account"):
        assert attacker.get(path).status_code == 302, path


def test_one_code_signs_in_once_when_six_sign_ins_use_it_at_once(tmp_path: Path) -> None:
    """Six parallel sign-ins of one account with one right code: exactly one is signed in, the other five are
    refused for the code (not "busy", not locked). On PostgreSQL too, when the suite runs there."""
    from tests.browser.conftest import start_live_server
    from tests.serving import Browser

    app = make_app(tmp_path)
    create_account(app, "cora", StaffRole.COORDINATOR)
    user = enrol(app, "cora")
    code = user.code()
    live = start_live_server(app)
    ready = threading.Barrier(6)
    answers: list[tuple[int, str]] = []

    def attempt() -> None:
        browser = Browser(live.url)
        token = browser.token("/staff/login")
        ready.wait()
        answers.append(browser.request("/staff/login", {"csrf_token": token, "name": "cora", "password": PASSWORD,
                                                        "code": code}))

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    live.server.shutdown()
    assert sorted(status for status, _ in answers) == [303, 422, 422, 422, 422, 422]
    assert all("The name, password or code is not right." in page for status, page in answers if status == 422)
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(StaffSession)) == 2  # enrolment, and one


def everything_in_the_database(app: Flask) -> dict[str, int]:
    """How many rows each table holds."""
    engine = database(app).engine
    with engine.connect() as connection:
        return {table: connection.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one()
                for table in inspect(connection).get_table_names() if table != "alembic_version"}


def test_a_hundred_anonymous_sign_in_pages_leave_no_row_and_no_cookie(app: Flask) -> None:
    before = everything_in_the_database(app)
    for _ in range(100):
        response = app.test_client().get("/staff/login")
        assert response.status_code == 200 and "Set-Cookie" not in response.headers
        assert 'name="csrf_token"' in response.get_data(as_text=True)
    assert everything_in_the_database(app) == before
    # Every anonymous staff page sends to the sign-in page, and writes nothing either.
    for path in ("/staff/", "/staff/insights", "/staff/account", "/staff/audit"):
        response = app.test_client().get(path)
        assert response.status_code == 302 and "Set-Cookie" not in response.headers, path
    assert everything_in_the_database(app) == before


def test_the_sign_in_token_is_signed_and_expires(app: Flask, coordinator: StaffUser) -> None:
    client = app.test_client()
    token = csrf_token(client, "/staff/login")
    altered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in ("", altered, "x" * 40):
        response = client.post("/staff/login", data={"csrf_token": bad, "name": "cora", "password": PASSWORD,
                                                     "code": coordinator.code()})
        assert response.status_code == 422 and "The form has expired" in response.get_data(as_text=True)
    other = make_app(app.instance_path and Path(app.instance_path).parent / "other", SECRET_KEY="another key" * 4)
    foreign = csrf_token(other.test_client(), "/staff/login")
    assert sign_in_with(client, foreign, coordinator).status_code == 422
    stopped_clock(app).advance(61 * 60)
    assert sign_in_with(client, token, coordinator).status_code == 422
    assert sign_in_with(client, csrf_token(client, "/staff/login"), coordinator).status_code == 303


def sign_in_with(client, token: str, user: StaffUser):  # type: ignore[no-untyped-def]
    return client.post("/staff/login", data={"csrf_token": token, "name": user.name, "password": PASSWORD,
                                             "code": user.code()})


def test_a_sign_in_from_another_site_is_refused_before_anything_else(app: Flask, coordinator: StaffUser) -> None:
    client = app.test_client()
    token = csrf_token(client, "/staff/login")
    response = client.post("/staff/login", headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
                           data={"csrf_token": token, "name": "cora", "password": PASSWORD,
                                 "code": coordinator.code()})
    assert response.status_code == 403 and client.get("/staff/").status_code == 302


def test_flask_login_keeps_no_address_hash_and_sets_no_remember_cookie(app: Flask, coordinator: StaffUser) -> None:
    client = app.test_client()
    response = sign_in(client, "cora", coordinator.code())
    assert response.status_code == 303
    cookies = [header.split("=", 1)[0] for header in response.headers.getlist("Set-Cookie")]
    assert cookies == ["session"]  # no remember_token, ever
    with app.app_context():
        tokens = {row.token_hash for row in get_session().scalars(select(StaffSession))}
    for row in session_records(app):
        data = json.loads(row.data)
        assert "_id" not in data and "_remember" not in data, data
        # Flask-Login's user id is the staff session's token (kept hashed), never the member's id.
        assert isinstance(data["_user_id"], str) and len(data["_user_id"]) > 30 and data["_fresh"] is True
        import hashlib

        assert hashlib.sha256(data["_user_id"].encode()).hexdigest() in tokens


def test_learners_never_touch_flask_login(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """A whole learner journey: no user is ever loaded, and no Flask-Login key is ever in the session."""
    from course_app.extensions import login_manager

    loads: list[int] = []
    real = login_manager._load_user
    monkeypatch.setattr(login_manager, "_load_user", lambda: (loads.append(1), real())[1])
    client = app.test_client()
    for path in ("/en/", "/en/trade-unions/", "/en/trade-unions/wages", "/en/progress"):
        assert client.get(path).status_code == 200
    submit_quiz(client, app, "wages")
    client.post("/en/trade-unions/wages/done", headers=SAME_ORIGIN)
    client.post("/en/progress/code", headers=SAME_ORIGIN)
    client.get("/en/progress")
    assert loads == []
    assert all("_user_id" not in row.data and "_fresh" not in row.data for row in session_records(app))


def staff_views() -> dict[str, list[str]]:
    """Every view function registered on the staff blueprint, with the names of its decorators, from the source."""
    views: dict[str, list[str]] = {}
    for path in STAFF_PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef):
                continue
            names = [ast.unparse(decorator) for decorator in node.decorator_list]
            if any(name.startswith(("bp.get", "bp.post", "bp.route")) for name in names):
                views[node.name] = names
    return views


def test_every_staff_view_needs_flask_logins_sign_in_and_a_role() -> None:
    views = staff_views()
    assert set(views) - OPEN_VIEWS, views
    for name, decorators in views.items():
        if name in OPEN_VIEWS:
            continue
        assert decorators[1] in ("login_required", "fresh_login_required"), (name, decorators)
        assert decorators[2].startswith("role_required("), (name, decorators)
    factory = (PROJECT_DIR / "course_app" / "__init__.py").read_text()
    assert "login_manager.init_app(app, add_context_processor=False)" in factory
    assert "from flask_login import LoginManager" in (PROJECT_DIR / "course_app" / "extensions.py").read_text()
    # No hand-kept equivalent is left: nothing but Flask-Login reads or sets who is signed in.
    for path in (PROJECT_DIR / "course_app").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "staff_token" not in source and "g.staff_member" not in source and "current_staff" not in source, path


def test_every_staff_route_sends_an_anonymous_visitor_to_sign_in(app: Flask) -> None:
    """Whatever the method, every route the staff blueprint serves, but the sign-in steps themselves."""
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("staff.") or rule.endpoint.split(".", 1)[1] in OPEN_VIEWS:
            continue
        path = rule.rule.replace("<table>", "summary")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = app.test_client().open(path, method=method, headers=SAME_ORIGIN)
            if method == "POST" and response.status_code == 400:
                continue  # refused for its missing CSRF token before the view: nothing done either way
            assert response.status_code == 302 and "/staff/login" in response.headers["Location"], (path, method)


def test_changing_the_password_needs_a_fresh_sign_in_and_ends_every_session(app: Flask,
                                                                             coordinator: StaffUser) -> None:
    client = coordinator.client
    other = app.test_client()
    assert sign_in(other, "cora", coordinator.code(clock_now(app) + 30)).status_code == 303
    new = "a brand new passphrase of mine"
    stopped_clock(app).advance(11 * 60)  # the sign-in is no longer fresh
    token = csrf_token(client, "/staff/account")
    stale = client.post("/staff/account/password", data={"csrf_token": token, "password": new, "repeat": new})
    assert stale.status_code == 302 and "again=1" in stale.headers["Location"]
    assert "confirm it is you" in client.get(stale.headers["Location"]).get_data(as_text=True)
    # Signed in but no longer fresh, the member signs in again on the page the site sent them to.
    page = client.get(stale.headers["Location"]).get_data(as_text=True)
    form = page[page.index('<form method="post" action="/staff/login'):]
    again = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    confirmed = client.post(stale.headers["Location"], data={"csrf_token": again, "name": "cora", "password": PASSWORD,
                                                             "code": coordinator.code(clock_now(app) + 30)})
    assert confirmed.status_code == 303
    token = csrf_token(client, "/staff/account")
    for weak in ("short", "password1234"):  # too short; long enough but among the first guesses
        refused = client.post("/staff/account/password", data={"csrf_token": token, "password": weak, "repeat": weak})
        assert refused.status_code == 422 and "too short or too easy to guess" in refused.get_data(as_text=True)
    done = client.post("/staff/account/password", data={"csrf_token": token, "password": new, "repeat": new})
    assert done.status_code == 303 and "changed=1" in done.headers["Location"]
    # Every session of the account ended, this one and the other browser's.
    assert client.get("/staff/").status_code == 302 and other.get("/staff/").status_code == 302
    stopped_clock(app).advance(30)
    unused = coordinator.code(clock_now(app) + 30)  # a step no sign-in has used
    assert sign_in(app.test_client(), "cora", unused).status_code == 422  # the old password
    assert sign_in(app.test_client(), "cora", unused, password=new).status_code == 303


def clock_now(app: Flask) -> float:
    from course_app.clock import clock

    return clock(app).timestamp()
