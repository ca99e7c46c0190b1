"""Reading leaves nothing behind: no cookie for readers, nothing readable in the cookie, forms guarded
by where they come from, sessions that really end, and deleted data gone from the database files."""

from __future__ import annotations

import base64
import re
import time
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select

from course_app.db import database, get_session
from course_app.models import BrowserSession, Learner, LessonProgress, QuizProgress
from course_app.web.sessions import CookieSeal, token_hash
from tests.conftest import STARTER_LESSON_COUNT, make_app, using_postgresql
from tests.helpers import SAME_ORIGIN, continue_with, quiz_answers, save_code, starter_quiz, submit_quiz

READING = ["/{lang}/", "/{lang}/trade-unions/", "/{lang}/trade-unions/wages", "/{lang}/trade-unions/what-is-a-union",
           "/{lang}/trade-unions/wages/quiz", "/{lang}/safety", "/{lang}/progress", "/{lang}/progress/delete",
           "/{lang}/trade-unions/what-is-a-union?size=audio"]
NEUTRAL_READING = ["/{lang}/", "/{lang}/c/1/", "/{lang}/c/1/5", "/{lang}/c/1/2", "/{lang}/c/1/5/quiz", "/{lang}/safety",
                   "/{lang}/progress"]
SAME_FOR_EVERY_READER = ["/{lang}/", "/{lang}/trade-unions/", "/{lang}/trade-unions/wages", "/{lang}/safety",
                         "/{lang}/trade-unions/what-is-a-union"]


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize("lang", ["en", "ru", "be"])
def test_reading_sets_no_cookie_and_every_reader_gets_the_same_page(app: Flask, lang: str) -> None:
    for template in READING:
        url = template.format(lang=lang)
        for encoding in ("identity", "gzip"):
            one = app.test_client().get(url, headers={"Accept-Encoding": encoding})
            assert one.status_code == 200, url
            assert "Set-Cookie" not in one.headers, url
            if template in SAME_FOR_EVERY_READER:
                two = app.test_client().get(url, headers={"Accept-Encoding": encoding, "User-Agent": "Other/1"})
                assert two.data == one.data, url
    assert count(app, Learner) == 0 and count(app, BrowserSession) == 0


def test_reading_in_neutral_mode_sets_no_cookie(tmp_path: Path) -> None:
    app = make_app(tmp_path, NEUTRAL_MODE=True)
    for lang in ("en", "ru", "be"):
        for template in NEUTRAL_READING:
            response = app.test_client().get(template.format(lang=lang))
            assert response.status_code == 200 and "Set-Cookie" not in response.headers, template


def cookie_bytes(client: FlaskClient) -> tuple[str, bytes]:
    """The session cookie's value, and everything base64 can make of it without the server's key."""
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.value
    value = cookie.value
    decoded = b""
    for part in re.split(r"[.:|]", value):
        try:
            decoded += base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        except ValueError:
            pass
    return value, decoded


def readable_secrets(app: Flask, lesson_slugs: list[str]) -> list[bytes]:
    """Everything that must never be readable from the cookie: slugs, ids, answers, numbers of the moment."""
    words = ["trade-unions", "trade", "union", *lesson_slugs, "wages", "quiz", "lesson", "answer", "score",
             "learner", "csrf", "seen", "first"]
    with app.app_context():
        words += list(get_session().scalars(select(Learner.id)))
    quiz = starter_quiz(app, "wages")
    for question in quiz.questions:
        words.append(question.id)
        words += [choice.id for choice in getattr(question.spec, "choices", ())]
    now = int(time.time())
    numbers = [str(now)[:7], str(now // 60)[:6]]  # a timestamp to the second or minute, as text
    packed = [now.to_bytes(4, "big"), (now // 60).to_bytes(4, "big"), now.to_bytes(4, "little")]
    return [w.encode() for w in words] + [n.encode() for n in numbers] + packed


# The cookie is random-looking text: any short word turns up in it by chance (a 3-letter choice id
# in one cookie of 4,000). Words are looked for where chance cannot make them: 6 characters or
# more in the text, 4 bytes or more in what base64 makes of it. Shorter ones are covered by the
# checks of what the cookie holds (below): a fixed length, and only a random token inside.
SEALED_COOKIE = re.compile(r"[A-Za-z0-9_-]{91}")  # base64url: a nonce, a token, two minutes, a key, a tag


def assert_names_nothing(app: Flask, client: FlaskClient, step: str, lesson_slugs: list[str]) -> None:
    value, decoded = cookie_bytes(client)
    for secret in readable_secrets(app, lesson_slugs):
        assert len(secret) < 6 or secret not in value.encode(), (step, secret)
        assert len(secret) < 4 or secret not in decoded, (step, secret)
    # Not a payload of any kind: the same length at every step, whatever the learner did.
    assert SEALED_COOKIE.fullmatch(value), (step, value)
    # What it seals, opened with the server's key, is a token that means something only with the
    # server's row for it (kept as a hash), and two minute numbers.
    sealed = CookieSeal(app.config["SECRET_KEY"]).open(value)
    assert sealed is not None, step
    with app.app_context():
        assert get_session().scalar(select(BrowserSession).where(
            BrowserSession.token_hash == token_hash(sealed.token))) is not None, step
    # Without that key it opens to nothing.
    assert CookieSeal("another server's key").open(value) is None, step


@pytest.mark.parametrize("neutral", [False, True])
def test_the_cookie_names_nothing_at_any_step(tmp_path: Path, neutral: bool) -> None:
    app = make_app(tmp_path, NEUTRAL_MODE=neutral)
    client = app.test_client()
    slugs = ["study-safely", "what-is-a-union", "freedom-of-association", "forced-labour", "wages", "ilo-supervision"]
    for url in ("/en/trade-unions/wages", "/en/trade-unions/forced-labour", "/en/trade-unions/wages/quiz"):
        client.get(url)
    assert client.get_cookie("session") is None
    submit_quiz(client, app, "wages", right=False)
    assert_names_nothing(app, client, "quiz answered", slugs)
    client.get("/en/trade-unions/wages/result")
    client.post("/en/trade-unions/forced-labour/done", headers=SAME_ORIGIN)
    assert_names_nothing(app, client, "lesson marked done", slugs)
    code = save_code(client)
    assert_names_nothing(app, client, "code saved", slugs)
    assert code.replace(" ", "").encode() not in cookie_bytes(client)[1]
    client.post("/en/progress/remember", data={"remember": "y"}, headers=SAME_ORIGIN)
    assert_names_nothing(app, client, "remembered", slugs)
    elsewhere = app.test_client()
    assert continue_with(elsewhere, code).status_code == 303
    assert_names_nothing(app, elsewhere, "resumed elsewhere", slugs)
    elsewhere.post("/en/progress/delete", headers=SAME_ORIGIN)
    assert elsewhere.get_cookie("session") is None


def test_the_token_is_rotated_when_a_code_is_entered(app: Flask) -> None:
    owner = app.test_client()
    submit_quiz(owner, app, "wages")
    code = save_code(owner)
    other = app.test_client()
    other.post("/en/trade-unions/study-safely/done", headers=SAME_ORIGIN)
    before = other.get_cookie("session").value
    continue_with(other, code)
    after = other.get_cookie("session").value
    assert before != after
    # The cookie from before the code opens nothing any more.
    stale = app.test_client()
    stale.set_cookie("session", before)
    assert "lessons completed" not in stale.get("/en/progress").get_data(as_text=True)


LEARNER_FORMS = [
    ("/en/trade-unions/wages/quiz", "quiz"),
    ("/en/trade-unions/wages/done", None),
    ("/en/c/1/5/done", None),
    ("/en/progress/code", None),
    ("/en/progress/continue", "code"),
    ("/en/progress/remember", {"remember": "y"}),
    ("/en/progress/delete", None),
]


def form_data(app: Flask, kind: object) -> dict[str, object]:
    if kind == "quiz":
        return quiz_answers(app, starter_quiz(app, "wages"))
    if kind == "code":
        return {"code": "1" * 24}
    return dict(kind) if isinstance(kind, dict) else {}


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Sec-Fetch-Site": "cross-site", "Origin": "http://localhost"},
    {"Origin": "https://attacker.example"},
    {"Origin": "null"},
], ids=["cross-site", "same-site", "cross-site-with-our-origin", "other-origin", "null-origin"])
def test_a_post_from_another_site_is_refused_and_changes_nothing(app: Flask, headers: dict[str, str]) -> None:
    learner = app.test_client()
    submit_quiz(learner, app, "forced-labour")
    before = {model: count(app, model) for model in (Learner, BrowserSession, LessonProgress, QuizProgress)}
    for url, kind in LEARNER_FORMS:
        response = learner.post(url, data=form_data(app, kind), headers=headers)
        assert response.status_code == 403, (url, headers)
        assert "Set-Cookie" not in response.headers
        response = app.test_client().post(url, data=form_data(app, kind), headers=headers)
        assert response.status_code == 403, (url, headers)
    assert {model: count(app, model) for model in before} == before
    assert f"1 of {STARTER_LESSON_COUNT} lessons completed" in learner.get("/en/progress").get_data(as_text=True)
    # Staff forms are guarded the same way, on top of their tokens.
    assert app.test_client().post("/staff/login", data={"name": "x"}, headers=headers).status_code == 403


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "same-origin"},
    {"Origin": "http://localhost"},
    {},
], ids=["fetch-metadata", "origin-only", "neither-header"])
def test_the_same_forms_from_this_site_work(app: Flask, headers: dict[str, str]) -> None:
    client = app.test_client()
    for url, kind in LEARNER_FORMS:
        response = client.post(url, data=form_data(app, kind), headers=headers)
        assert response.status_code in (200, 303, 422), (url, response.status_code)
        assert response.status_code != 403


def test_forms_work_behind_a_proxy_under_an_onion_address(tmp_path: Path) -> None:
    app = make_app(tmp_path, BEHIND_PROXY=True, NEUTRAL_MODE=True)
    client = app.test_client()
    onion = "abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstu.onion"
    proxied = {"Host": "127.0.0.1:8080", "X-Forwarded-Host": onion, "X-Forwarded-Proto": "http"}
    response = client.post("/ru/c/1/5/done", headers={**proxied, "Origin": f"http://{onion}"})
    assert response.status_code == 303
    refused = client.post("/ru/c/1/5/done", headers={**proxied, "Origin": "http://127.0.0.1:8080"})
    assert refused.status_code == 403


def test_leave_ends_the_session_on_the_server(app: Flask) -> None:
    client = app.test_client()
    submit_quiz(client, app, "wages")
    copied = client.get_cookie("session").value
    response = client.get("/en/leave", headers=SAME_ORIGIN)
    assert response.status_code == 303 and "session=;" in response.headers["Set-Cookie"]
    assert '"cookies"' in response.headers["Clear-Site-Data"]
    replay = app.test_client()
    replay.set_cookie("session", copied)
    page = replay.get("/en/progress").get_data(as_text=True)
    assert "lessons completed" not in page and "best score" not in page
    assert count(app, BrowserSession) == 0


def test_leave_from_another_site_clears_the_browser_but_not_the_server(app: Flask) -> None:
    client = app.test_client()
    submit_quiz(client, app, "wages")
    copied = client.get_cookie("session").value
    response = client.get("/en/leave", headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 303 and "session=;" in response.headers["Set-Cookie"]
    # Another site cannot end a learner's session: the learner's own cookie still works.
    replay = app.test_client()
    replay.set_cookie("session", copied)
    assert f"1 of {STARTER_LESSON_COUNT} lessons completed" in replay.get("/en/progress").get_data(as_text=True)
    # A link typed by the learner (no fetch metadata, a Referer from this site) ends it.
    replay.get("/en/leave", headers={"Referer": "http://localhost/en/progress"})
    again = app.test_client()
    again.set_cookie("session", copied)
    assert "lessons completed" not in again.get("/en/progress").get_data(as_text=True)


def test_delete_everything_ends_the_session_and_a_copied_cookie_opens_nothing(app: Flask) -> None:
    client = app.test_client()
    submit_quiz(client, app, "wages")
    copied = client.get_cookie("session").value
    client.post("/en/progress/delete", headers=SAME_ORIGIN)
    replay = app.test_client()
    replay.set_cookie("session", copied)
    assert "lessons completed" not in replay.get("/en/progress").get_data(as_text=True)
    assert count(app, BrowserSession) == 0 and count(app, Learner) == 0


@pytest.mark.skipif(using_postgresql(), reason="SQLite's files; the PostgreSQL pass checks the rows below")
def test_after_delete_everything_the_learner_is_in_neither_the_database_file_nor_its_wal(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    client = app.test_client()
    submit_quiz(client, app, "wages")
    submit_quiz(client, app, "forced-labour")
    with app.app_context():
        learner_id = get_session().scalars(select(Learner.id)).one()
    instance = Path(app.instance_path)
    before = b"".join(path.read_bytes() for path in instance.glob("course_app.sqlite3*"))
    assert learner_id.encode() in before  # it was there, so the search below can find it
    client.post("/en/progress/delete", headers=SAME_ORIGIN)
    # Read the files while the server still runs (closing every connection would checkpoint anyway).
    database_file = (instance / "course_app.sqlite3").read_bytes()
    wal = instance / "course_app.sqlite3-wal"
    wal_bytes = wal.read_bytes() if wal.exists() else b""
    assert learner_id.encode() not in database_file
    assert learner_id.encode() not in wal_bytes
    assert_every_connection_turns_secure_delete_on(app)


def assert_every_connection_turns_secure_delete_on(app: Flask) -> None:
    """The app turns ``secure_delete`` on itself, on each new connection: some SQLite builds have it on
    by default and others off, so a connection that starts with it off must end with it on."""
    engine = database(app).engine
    if engine.dialect.name != "sqlite":
        return

    def start_with_it_off(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.execute("PRAGMA secure_delete=OFF")

    event.listen(engine, "connect", start_with_it_off, insert=True)  # before the app's own listener
    try:
        engine.dispose()
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    finally:
        event.remove(engine, "connect", start_with_it_off)
        engine.dispose()


def test_after_delete_everything_no_row_names_the_learner(app: Flask) -> None:
    from tests.conftest import database_contents

    client = app.test_client()
    submit_quiz(client, app, "wages")
    with app.app_context():
        learner_id = get_session().scalars(select(Learner.id)).one()
    client.post("/en/progress/delete", headers=SAME_ORIGIN)
    assert learner_id.encode() not in database_contents(app)


def test_the_code_field_is_not_a_password_field(client: FlaskClient) -> None:
    html = client.get("/en/progress").get_data(as_text=True)
    field = re.search(r'<input [^>]*name="code"[^>]*>', html).group(0)
    assert 'type="text"' in field and not re.search(r'<input[^>]*type="password"', html)
    for attribute in ('autocomplete="off"', 'inputmode="numeric"', 'spellcheck="false"', 'autocapitalize="off"'):
        assert attribute in field, attribute


def test_a_cookie_written_before_results_were_sealed_still_opens() -> None:
    """Learners keep their session across the upgrade that added the result's key to the cookie."""
    import os
    import struct

    seal = CookieSeal("k" * 48)
    nonce = os.urandom(12)
    old_payload = struct.pack(">16sII", b"t" * 16, 1000, 900)
    value = base64.urlsafe_b64encode(nonce + seal._aead.encrypt(nonce, old_payload, b"session")).rstrip(b"=").decode()
    opened = seal.open(value)
    assert opened is not None and (opened.token, opened.expires_minute, opened.brief_key) == (b"t" * 16, 1000, b"")
