"""Staff authentication: passwords, TOTP with replay protection, throttling per account,
disabled accounts, session renewal, logout by POST, idle expiry, and roles on every route."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from course_app.clock import clock
from course_app.db import get_session
from course_app.domain.staff_accounts import disable
from course_app.models import AuditEvent, StaffMember, StaffRole, StaffSession, ThrottleWindow
from course_app.web.work_limits import PasswordCheckGate
from tests.helpers import csrf_token
from tests.staff.conftest import PASSWORD, StaffUser, create_account, enrol, sign_in, stopped_clock
from tests.staff.test_dashboard import add_learners


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
    now = clock(app).timestamp()
    assert sign_in(app.test_client(), "cora", coordinator.code(now - 90)).status_code == 422
    assert sign_in(app.test_client(), "cora", coordinator.code(now + 30)).status_code == 303


def test_wrong_passwords_never_lock_the_owner_out(app: Flask, coordinator: StaffUser, educator: StaffUser) -> None:
    attacker = app.test_client()
    for _ in range(5):
        assert sign_in(attacker, "cora", "000000", "wrong password, long enough").status_code == 422
    refused = sign_in(attacker, "cora", "000000", "wrong password, long enough")
    assert refused.status_code == 429 and "Too many failed sign-ins" in refused.get_data(as_text=True)
    # The owner, with the right password and code, still gets in (from any client).
    assert sign_in(app.test_client(), "cora", coordinator.code()).status_code == 303
    # Another account from the very same client (same address behind Tor) is not affected.
    assert sign_in(attacker, "eddie", educator.code()).status_code == 303


def wrong_codes(user: StaffUser, count: int) -> list[str]:
    """``count`` different codes, none of them one the account accepts now."""
    right = {user.code(clock(user.app).timestamp() + offset) for offset in (-30, 0, 30)}
    return [code for code in (f"{number:06d}" for number in range(100, 1000)) if code not in right][:count]


def test_wrong_codes_after_a_right_password_lock_the_codes_until_unlocked(app: Flask, coordinator: StaffUser) -> None:
    for code in wrong_codes(coordinator, 5):
        assert sign_in(app.test_client(), "cora", code).status_code == 422
    locked = sign_in(app.test_client(), "cora", coordinator.code())
    assert locked.status_code == 429 and "Too many wrong codes" in locked.get_data(as_text=True)
    result = app.test_cli_runner().invoke(args=["staff", "unlock", "cora"])
    assert result.exit_code == 0, result.output
    assert sign_in(app.test_client(), "cora", coordinator.code()).status_code == 303


def test_unlock_forgets_every_count_of_an_account_the_cheap_check_too(app: Flask, coordinator: StaffUser) -> None:
    """A flood of codes at the cheap check takes a known account out of the queue for a while; an
    administrator's unlock ends that as it ends a lock on wrong codes or passwords."""
    from course_app.db import get_session
    from course_app.domain import throttle
    from course_app.models import ThrottleWindow
    from course_app.staff.auth import THROTTLE_KINDS, throttle_key

    now = int(clock(app).timestamp())
    with app.app_context():
        for kind in THROTTLE_KINDS:
            for number in range(3):
                throttle.record_distinct_try(get_session(), throttle_key(kind, "cora"), f"try-{number}", 900, now)
        get_session().commit()
    assert app.test_cli_runner().invoke(args=["staff", "unlock", "cora"]).exit_code == 0
    with app.app_context():
        assert get_session().scalars(select(ThrottleWindow.key)).all() == []


def test_a_code_typed_again_is_not_a_new_guess(app: Flask, coordinator: StaffUser) -> None:
    """The same wrong code ten times is one guess: the owner who mistyped it is not locked out."""
    for _ in range(10):
        assert sign_in(app.test_client(), "cora", wrong_codes(coordinator, 1)[0]).status_code == 422
    assert sign_in(app.test_client(), "cora", coordinator.code()).status_code == 303


def test_code_lock_passes_after_its_window(app: Flask, coordinator: StaffUser) -> None:
    for code in wrong_codes(coordinator, 6):
        sign_in(app.test_client(), "cora", code)
    assert sign_in(app.test_client(), "cora", coordinator.code()).status_code == 429
    stopped_clock(app).advance(16 * 60)
    assert sign_in(app.test_client(), "cora", coordinator.code()).status_code == 303


def test_parallel_code_tries_are_counted_before_they_are_checked(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """40 different codes at once with the right password: every one is counted, at most five are checked."""
    import threading

    from course_app.domain import staff_accounts
    from course_app.staff import auth
    from tests.browser.conftest import start_live_server
    from tests.conftest import make_app
    from tests.serving import Browser

    app = make_app(tmp_path, PASSWORD_CHECKS_AT_ONCE=40)
    create_account(app, "cora", StaffRole.COORDINATOR)
    user = enrol(app, "cora")
    checked = []
    real_verify = staff_accounts.verify_totp

    def counting_verify(*args, **kwargs):  # type: ignore[no-untyped-def]
        checked.append(1)
        return real_verify(*args, **kwargs)

    monkeypatch.setattr(auth, "verify_totp", counting_verify)
    live = start_live_server(app)
    statuses: list[int] = []

    def attempt(code: str) -> None:
        browser = Browser(live.url)
        token = browser.token("/staff/login")
        statuses.append(browser.request("/staff/login", {"csrf_token": token, "name": "cora", "password": PASSWORD,
                                                         "code": code})[0])

    threads = [threading.Thread(target=attempt, args=(code,)) for code in wrong_codes(user, 40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    live.server.shutdown()
    with app.app_context():
        row = get_session().get(ThrottleWindow, auth_key(app, "code", "cora"))
    # Every try that got a password check was counted; the few without a slot were answered "busy" at once.
    assert row is not None and row.count == sum(status != 503 for status in statuses) >= 30
    assert len(checked) <= 5 and set(statuses) <= {422, 429, 503} and 429 in statuses
    assert sign_in(app.test_client(), "cora", user.code()).status_code == 429


def auth_key(app: Flask, kind: str, name: str) -> str:
    from course_app.staff.auth import throttle_key

    with app.test_request_context():
        return throttle_key(kind, name)


def test_the_throttle_keeps_no_typed_text(app: Flask, coordinator: StaffUser) -> None:
    """A password typed into the name field by mistake must not be stored anywhere."""
    from tests.conftest import database_contents

    sign_in(app.test_client(), "My Secret Passphrase 42", "000000", "whatever whatever")
    sign_in(app.test_client(), "cora", "000000", "wrong password, long enough")
    contents = database_contents(app)
    assert b"My Secret Passphrase" not in contents and b"my secret passphrase" not in contents
    with app.app_context():
        keys = list(get_session().scalars(select(ThrottleWindow.key)))
    assert len([key for key in keys if key.startswith("staff-password:")]) == 2
    assert all(re.fullmatch(r"staff-(password|cheap|code):[0-9a-f]{48}(~[0-9a-f]{16})?", key) for key in keys), keys


@contextmanager
def every_password_check_taken(app: Flask) -> Iterator[PasswordCheckGate]:
    """Every password-check slot of the app held, as by sign-ins under way, until the block ends."""
    gate = app.extensions["course_app.web.password_checks"]
    assert isinstance(gate, PasswordCheckGate)
    with ExitStack() as held:
        for _ in range(gate.slots):
            held.enter_context(gate.slot(proven=True))
        yield gate


def test_password_checks_are_bounded_a_guess_never_waits_and_a_real_sign_in_queues(app: Flask,
                                                                                      coordinator: StaffUser) -> None:
    """Every slot taken: a sign-in without a current code is answered "busy" at once, one with the right code waits
    in the queue and gets in as soon as a slot frees; learners are not held up by either."""
    import threading

    with every_password_check_taken(app) as gate:
        busy = sign_in(app.test_client(), "cora", wrong_codes(coordinator, 1)[0])
        assert busy.status_code == 503 and "Wait a few seconds" in busy.get_data(as_text=True)
        assert app.test_client().get("/en/trade-unions/wages").status_code == 200
        answers: list[int] = []
        waiting = threading.Thread(target=lambda: answers.append(sign_in(app.test_client(), "cora",
                                                                          coordinator.code()).status_code))
        waiting.start()
        with gate._condition:
            assert gate._condition.wait_for(lambda: gate._waiting == 1, timeout=30), "the sign-in did not queue"
    waiting.join(timeout=60)
    assert answers == [303]


def test_disabled_account_cannot_sign_in_and_its_sessions_end(app: Flask, coordinator: StaffUser) -> None:
    with app.app_context():
        member = get_session().scalar(select(StaffMember).where(StaffMember.name == "cora"))
        disable(get_session(), member)
        get_session().commit()
    assert coordinator.client.get("/staff/").status_code == 302
    assert sign_in(app.test_client(), "cora", coordinator.code()).status_code == 422


def test_session_is_renewed_and_the_learner_dropped_at_sign_in(app: Flask, coordinator: StaffUser) -> None:
    """A browser that studied, then signs in as staff: a new token, and no learner left in its session."""
    from course_app.models import BrowserSession, Learner
    from tests.helpers import submit_quiz

    client = app.test_client()
    submit_quiz(client, app, "wages")
    before = client.get_cookie("session").value
    assert sign_in(client, "cora", coordinator.code()).status_code == 303
    after = client.get_cookie("session").value
    assert before != after and client.get("/staff/").status_code == 200
    with app.app_context():
        rows = get_session().scalars(select(BrowserSession)).all()
        # cora's enrolment browser and this one, both signed in; no record names the learner any more.
        assert len(rows) == 2 and all("_user_id" in row.data and row.learner_id is None for row in rows)
        assert get_session().scalar(select(Learner)) is not None  # the progress itself is not deleted here
    # The old cookie (from before sign-in) opens neither the staff session nor the learner's.
    stale = app.test_client()
    stale.set_cookie("session", before)
    assert stale.get("/staff/").status_code == 302
    assert "1 of" not in stale.get("/en/progress").get_data(as_text=True)


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


def test_browsing_keeps_a_staff_session_alive_and_only_before_the_view(app: Flask, coordinator: StaffUser) -> None:
    """Each page moves the session's last-seen minute on, so active staff stay signed in; the write
    happens before the view, and asking who is signed in (as every staff template does) writes nothing."""
    minutes = app.config["STAFF_SESSION_MINUTES"]
    for _ in range(3):  # three times the idle limit in all, never idle for longer than it
        clock(app).advance((minutes - 1) * 60)
        assert coordinator.client.get("/staff/").status_code == 200
    with app.test_request_context("/staff/"):
        from flask_login import current_user

        assert not current_user.is_authenticated  # no cookie, no look-up, no write
        assert not get_session().new and not get_session().dirty


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


STAFF_ROUTES = ["/staff/", "/staff/insights", "/staff/translations", "/staff/audit", "/staff/export/summary.csv",
                "/staff/insights/export.csv"]
ALLOWED = {
    "coordinator": {"/staff/", "/staff/export/summary.csv"},
    "educator": {"/staff/insights", "/staff/translations", "/staff/insights/export.csv"},
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
    add_learners(app, 1, completed_lessons=1)  # an ended month with figures, so that exports have a period
    for route in STAFF_ROUTES:
        status = user.client.get(route).status_code
        assert (status == 200) == (route in ALLOWED[role]), (role, route, status)
        assert status in (200, 403), (role, route, status)


def test_authenticator_secrets_are_sealed_at_rest(app: Flask, coordinator: StaffUser) -> None:
    from tests.conftest import database_contents

    contents = database_contents(app)
    assert coordinator.secret.encode() not in contents
    with app.app_context():
        stored = get_session().scalar(select(StaffMember.totp_secret).where(StaffMember.name == "cora"))
    assert stored is not None and stored.startswith("v1:")


def test_db_upgrade_seals_secrets_stored_in_plain_text(app: Flask, coordinator: StaffUser) -> None:
    """An installation from before sealing: its plain secret is sealed by `db upgrade`, and still works."""
    with app.app_context():
        member = get_session().scalar(select(StaffMember).where(StaffMember.name == "cora"))
        member.totp_secret = coordinator.secret
        get_session().commit()
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0 and "sealed 1 staff authenticator secret(s)" in result.output
    with app.app_context():
        stored = get_session().scalar(select(StaffMember.totp_secret).where(StaffMember.name == "cora"))
    assert stored.startswith("v1:") and coordinator.secret not in stored
    assert sign_in(app.test_client(), "cora", coordinator.code()).status_code == 303


def test_a_wrong_totp_key_is_a_clear_error_not_a_silent_failure() -> None:
    from course_app.domain.staff_accounts import StaffAccountError, open_totp_secret, seal_totp_secret

    sealed = seal_totp_secret("JBSWY3DPEHPK3PXP", "right key")
    assert open_totp_secret(sealed, "right key") == "JBSWY3DPEHPK3PXP"
    with pytest.raises(StaffAccountError, match="STAFF_TOTP_KEY"):
        open_totp_secret(sealed, "another key")


def test_the_shared_busy_page_holds_nothing_of_the_visitor_who_made_it(app: Flask, coordinator: StaffUser) -> None:
    """The busy page is made once and given to every visitor for a few seconds: made while a signed-in member
    signs in again, from an address whose query asks url_for for an absolute address (on the request's Host,
    which a forger sets), it names no member and its form posts to this site's own sign-in page."""
    app.extensions.pop("course_app.staff.busy_pages", None)
    member = app.test_client()
    assert sign_in(member, "cora", coordinator.code()).status_code == 303
    with every_password_check_taken(app):
        token = sign_in_form_token(member, "/staff/login?again=1")
        planted = member.post("/staff/login?again=1&_external=1&_scheme=https",
                              data={"csrf_token": token, "name": "cora", "password": PASSWORD,
                                    "code": wrong_codes(coordinator, 1)[0]})
        assert planted.status_code == 503, planted.get_data(as_text=True)[-1500:]
        seen = sign_in(app.test_client(), "someone", "000000")
    page = seen.get_data(as_text=True)
    assert seen.status_code == 503 and "Wait a few seconds" in page
    assert not re.search(r"\bcora\b", page) and "Sign out" not in page and "://localhost" not in page
    assert re.search(r'<form method="post" action="/staff/login(\?[^"]*)?" class="panel">', page), page


def test_one_wrong_code_typed_again_in_later_steps_still_locks_the_account(app: Flask,
                                                                           coordinator: StaffUser) -> None:
    """A code stands for another one every 30 seconds: the same guess, typed once per step, is a new try each time
    (typed twice within one step, it is counted once)."""
    now = stopped_clock(app)
    guess = wrong_codes(coordinator, 1)[0]
    statuses = []
    for _step in range(8):
        statuses += [sign_in(app.test_client(), "cora", guess).status_code for _ in range(2)]
        now.advance(30)
        if guess in {coordinator.code(clock(app).timestamp() + offset) for offset in (-30, 0, 30)}:
            break  # the guess became a real code: the account's codes are what the test cannot choose
    assert 429 in statuses, statuses
    assert statuses[:2] == [422, 422]


def sign_in_form_token(client: FlaskClient, path: str) -> str:
    """The sign-in form's own token (a signed-in member's page also has the sign-out and language forms)."""
    form = client.get(path).get_data(as_text=True).split('class="panel">', 1)[1]
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
    assert found is not None
    return found.group(1)


def test_signing_in_again_ends_the_staff_session_it_replaces(app: Flask, coordinator: StaffUser) -> None:
    def staff_sessions() -> int:
        with app.app_context():
            return len(get_session().scalars(select(StaffSession)).all())

    member = app.test_client()
    assert sign_in(member, "cora", coordinator.code()).status_code == 303
    signed_in = staff_sessions()
    stopped_clock(app).advance(30)  # a new code: a used one is refused
    token = sign_in_form_token(member, "/staff/login?again=1")
    again = member.post("/staff/login?again=1", data={"csrf_token": token, "name": "cora", "password": PASSWORD,
                                                      "code": coordinator.code()})
    assert again.status_code == 303
    assert staff_sessions() == signed_in  # the new one in place of the old
    assert member.get("/staff/").status_code == 200
