"""A learner's pages are the reader's pages of the same generation with their own parts put in, and a learner's
requests run only the statements they must (learner/page_parts.py, domain/progress.py, web/sessions.py)."""

from __future__ import annotations

import difflib
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from course_app.clock import ManualClock
from course_app.content import catalogue_store
from course_app.db import database, get_session
from course_app.models import Learner
from tests.conftest import LANGUAGES, STARTER_LESSON_COUNT, make_app
from tests.helpers import SAME_ORIGIN, quiz_answers, starter_quiz, submit_quiz

LESSON = "/{lang}/trade-unions/wages"


def differences(reader: str, learner: str) -> list[tuple[str, str]]:
    """The spans where the learner's page differs from the reader's: (the reader's text, the learner's text)."""
    matcher = difflib.SequenceMatcher(None, reader, learner, autojunk=False)
    return [(reader[a1:a2], learner[b1:b2]) for tag, a1, a2, b1, b2 in matcher.get_opcodes() if tag != "equal"]


def section(html: str, marker: str) -> str:
    """The element that opens with ``marker`` (a <section> or <p>), up to its end."""
    start = html.index(marker)
    tag = marker[1:marker.index(" ")]
    return html[start:html.index(f"</{tag}>", start) + len(tag) + 3]


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the app's database runs meanwhile for a request of this thread (commits as "COMMIT");
    not those of the app's own background threads (the read counter writes its counts now and then)."""
    seen: list[str] = []
    engine = database(app).engine
    here = threading.get_ident()

    def before(_connection, _cursor, statement, _parameters, _context, _many):  # type: ignore[no-untyped-def]
        if threading.get_ident() == here:
            seen.append(" ".join(statement.split()))

    def commit(_connection):  # type: ignore[no-untyped-def]
        if threading.get_ident() == here:
            seen.append("COMMIT")

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "commit", commit)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "commit", commit)


def writes(seen: list[str]) -> list[str]:
    return [statement for statement in seen if re.match(r"(INSERT|UPDATE|DELETE)\b", statement)]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_learners_lesson_page_is_the_readers_with_their_own_parts(app: Flask, client: FlaskClient,
                                                                   lang: str) -> None:
    reader = app.test_client().get(LESSON.format(lang=lang)).get_data(as_text=True)
    assert submit_quiz(client, app, "wages", lang).status_code == 303
    client.get(LESSON.format(lang=lang) + "/result")  # the result is seen; nothing is left to show
    learner = client.get(LESSON.format(lang=lang)).get_data(as_text=True)

    reader_parts = {section(reader, '<section class="lesson-actions"')}
    learner_parts = {section(learner, '<section class="lesson-actions"')}
    assert 'action="' in next(iter(reader_parts)) and 'action="' not in next(iter(learner_parts))
    found = differences(reader, learner)
    # The done mark replaces the form; the best score is added to the quiz's line; nothing else differs.
    assert len(found) >= 2
    for reader_text, learner_text in found:
        in_actions = any(reader_text in part for part in reader_parts) \
            and any(learner_text in part for part in learner_parts)
        best_score = reader_text == "" and re.fullmatch(r" · [^<>]*100%", learner_text)
        assert in_actions or best_score, (reader_text, learner_text)


def test_the_best_score_and_the_done_mark_are_the_learners_own(app: Flask, client: FlaskClient) -> None:
    submit_quiz(client, app, "wages", right=False)
    page = client.get("/en/trade-unions/wages").get_data(as_text=True)
    score = re.search(r"your best so far: (\d+)%", page)
    assert score is not None and 0 <= int(score.group(1)) < 60
    assert "Mark this lesson as done" in page
    client.post("/en/trade-unions/wages/done", headers=SAME_ORIGIN)
    page = client.get("/en/trade-unions/wages").get_data(as_text=True)
    assert "You have completed this lesson." in page and "Mark this lesson as done" not in page
    # Another learner's page keeps their own parts: nothing of the first learner's leaks into the kept page.
    other = app.test_client()
    submit_quiz(other, app, "wages")
    page = other.get("/en/trade-unions/wages").get_data(as_text=True)
    assert "your best so far: 100%" in page and "You have completed this lesson." in page
    reader = app.test_client().get("/en/trade-unions/wages").get_data(as_text=True)
    assert "your best so far" not in reader and "Mark this lesson as done" in reader


def test_neutral_addresses_keep_their_parts(tmp_path: Path) -> None:
    app = make_app(tmp_path, NEUTRAL_MODE=True)
    client = app.test_client()
    quiz = starter_quiz(app, "wages")
    assert client.post("/en/c/1/5/quiz", data=quiz_answers(app, quiz), headers=SAME_ORIGIN).status_code == 303
    page = client.get("/en/c/1/5").get_data(as_text=True)
    reader = app.test_client().get("/en/c/1/5").get_data(as_text=True)
    assert "your best so far: 100%" in page and "your best so far" not in reader
    assert 'href="/en/c/1/6"' in section(page, '<section class="lesson-actions"')
    assert "trade-unions" not in page


def test_a_message_after_an_action_is_shown_once_on_the_kept_page(app: Flask, client: FlaskClient) -> None:
    submit_quiz(client, app, "wages")
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "A message <for> the learner")]
    page = client.get("/en/trade-unions/wages").get_data(as_text=True)
    assert '<p class="notice notice--success" role="status">A message &lt;for&gt; the learner</p>' in page
    assert "A message" not in client.get("/en/trade-unions/wages").get_data(as_text=True)


def test_a_reload_renders_the_pages_anew(tmp_path: Path, lessons_copy: Path) -> None:
    app = make_app(tmp_path, LESSONS_DIR=str(lessons_copy))
    client = app.test_client()
    submit_quiz(client, app, "wages")
    assert "Wages and the minimum wage" in client.get("/en/trade-unions/wages").get_data(as_text=True)
    text = lessons_copy / "trade-unions" / "wages" / "en.md"
    text.write_text(text.read_text(encoding="utf-8").replace("title: Wages and the minimum wage",
                                                             "title: Wages, renamed"), encoding="utf-8")
    catalogue_store(app).reload_if_changed()
    page = client.get("/en/trade-unions/wages").get_data(as_text=True)
    assert "Wages, renamed" in page and "your best so far: 100%" in page


def test_the_progress_page_is_the_readers_with_the_learners_courses(app: Flask, client: FlaskClient) -> None:
    reader = app.test_client().get("/en/progress").get_data(as_text=True)
    submit_quiz(client, app, "wages")
    submit_quiz(client, app, "forced-labour", right=False)
    learner = client.get("/en/progress").get_data(as_text=True)
    assert f"1 of {STARTER_LESSON_COUNT} lessons completed" in learner
    assert "Quiz: best score 100%, 1 attempt" in learner
    assert re.search(r"Forced labour</a>\s*<span class=\"badge\">Started</span><p class=\"meta\">Quiz: best score "
                     r"\d+%, 1 attempt</p>", learner)
    for reader_text, learner_text in differences(reader, learner):
        # Only the courses (in place of "Nothing yet") differ; the forms are every learner's.
        assert "<form" not in reader_text + learner_text, (reader_text, learner_text)


def test_a_lesson_page_seen_before_writes_nothing_and_reads_once(app: Flask, client: FlaskClient) -> None:
    submit_quiz(client, app, "wages")
    client.get("/en/trade-unions/wages")
    with statements(app) as seen:
        assert client.get("/en/trade-unions/wages").status_code == 200
    assert writes(seen) == [] and len(seen) == 1, seen  # the session's record with the learner's standing
    with statements(app) as seen:
        assert client.get("/en/progress").status_code == 200
    assert writes(seen) == [] and len(seen) == 2, seen  # the session's record, the learner's whole progress


def test_a_lesson_page_new_to_the_learner_is_noted_once(app: Flask, client: FlaskClient) -> None:
    submit_quiz(client, app, "wages")
    with statements(app) as seen:
        client.get("/en/trade-unions/strikes")
    assert any("INTO lesson_progress" in statement for statement in writes(seen)), seen
    with statements(app) as seen:
        client.get("/en/trade-unions/strikes")
    assert writes(seen) == []


def test_a_submission_is_one_transaction_of_few_statements(app: Flask) -> None:
    quiz = starter_quiz(app, "wages")
    fresh = app.test_client()
    with statements(app) as seen:
        assert fresh.post("/en/trade-unions/wages/quiz", data=quiz_answers(app, quiz),
                          headers=SAME_ORIGIN).status_code == 303
    # learner, lesson row, quiz row, answer counters, lesson and quiz counters, course standing, session record
    assert seen.count("COMMIT") == 1 and seen[-1] == "COMMIT", seen
    assert len(writes(seen)) <= 8, writes(seen)
    with statements(app) as seen:
        assert fresh.post("/en/trade-unions/wages/quiz", data=quiz_answers(app, quiz),
                          headers=SAME_ORIGIN).status_code == 303
    assert seen.count("COMMIT") == 1, seen
    # the quiz row, the quiz counters and the session record; the questions were met before, the lesson was done
    assert len(writes(seen)) == 3, writes(seen)
    assert len(seen) <= 8, seen


def test_the_learners_day_is_noted_once_a_day_by_any_of_their_pages(tmp_path: Path) -> None:
    clock = ManualClock(datetime(2026, 11, 2, 22, 0, tzinfo=UTC))
    app = make_app(tmp_path)
    app.extensions["course_app.clock"] = clock
    client = app.test_client()
    submit_quiz(client, app, "wages")
    clock.advance(timedelta(hours=4).total_seconds())  # the next day, within the session's hours
    with statements(app) as seen:
        client.get("/en/progress")
    assert any(statement.startswith("UPDATE learner") for statement in writes(seen)), seen
    with app.app_context():
        assert get_session().scalar(select(Learner.last_seen_on)) == clock.today()
    with statements(app) as seen:
        client.get("/en/trade-unions/wages")
        client.get("/en/progress")
    assert writes(seen) == []


def test_learners_own_quiz_draws_are_kept_apart_from_the_pages(app: Flask, client: FlaskClient) -> None:
    """Every attempt gives a learner a new draw: those draws have their own bounded store, so a day of answered
    quizzes never pushes the kept pages and parts out."""
    from course_app.content import current_generation

    for _ in range(3):
        submit_quiz(client, app, "wages", right=False)
    with app.app_context():
        pages = current_generation().cache("page_parts", lambda: None)
        draws = current_generation().cache("quiz_draws", lambda: None)
    assert draws is not None and len(draws._kept) >= 2  # the learner's own draws, one per attempt
    kept_draws = [key[1] for key in pages._kept if key[0] == "value" and key[1][0] == "quiz draw"]
    assert all(seed.startswith("day") for *_quiz, seed in kept_draws), kept_draws  # only the draws readers share
