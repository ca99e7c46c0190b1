"""Quizzes through the app: grading on the server, the result page, and tampered forms."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from course_app.clock import ShiftedClock
from course_app.db import get_session
from course_app.learner import quizzes
from course_app.models import AnswerTally, Learner, LessonProgress, QuizProgress
from course_app.questions.draw import day_seed, draw_quiz
from tests.conftest import make_app
from tests.factories import make_course
from tests.helpers import SAME_ORIGIN, answer_quiz, page_token, quiz_answers, starter_quiz, submit_quiz


def count_rows(app: Flask, model: type) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize("lang", ["en", "ru", "be"])
def test_quiz_page_is_a_plain_form_linked_from_the_lesson(client: FlaskClient, lang: str) -> None:
    lesson = client.get(f"/{lang}/trade-unions/forced-labour").get_data(as_text=True)
    assert f'href="/{lang}/trade-unions/forced-labour/quiz"' in lesson
    assert "<fieldset" not in lesson  # the lesson page stays light; the quiz has its own page
    html = client.get(f"/{lang}/trade-unions/forced-labour/quiz").get_data(as_text=True)
    assert f'<form method="post" action="/{lang}/trade-unions/forced-labour/quiz" novalidate>' in html
    assert html.count('<fieldset class="question"') >= 3
    assert html.count("<legend>") >= 3
    assert 'name="csrf_token"' not in html  # no per-visitor token: the page is the same for every reader


def test_right_answers_pass_and_result_shows_explanations(app: Flask, client: FlaskClient) -> None:
    response, asked = answer_quiz(client, app, "forced-labour")
    assert response.status_code == 303
    assert response.headers["Location"] == "/en/trade-unions/forced-labour/result"
    html = client.get("/en/trade-unions/forced-labour/result").get_data(as_text=True)
    total = len(asked)
    assert total < len(starter_quiz(app, "forced-labour").questions)  # a bank: an attempt asks some of them
    assert f"{total} of {total} right: 100%" in html
    assert "You passed" in html
    for question in asked:
        for choice in getattr(question.spec, "choices", ()):
            if choice.correct and choice.explain:
                assert choice.explain.split("\n")[0][:40].replace("'", "&#39;").replace('"', "&#34;") in html
    with app.app_context():
        progress = get_session().scalars(select(QuizProgress)).one()
        assert (progress.attempts, progress.best_score, progress.passed_on is not None) == (1, 100, True)
        lesson = get_session().scalars(select(LessonProgress)).one()
        assert lesson.completed_on is not None  # passing completes the lesson


def test_wrong_answers_fail_and_retry_keeps_the_best_score(app: Flask, client: FlaskClient) -> None:
    submit_quiz(client, app, "wages", right=False)
    html = client.get("/en/trade-unions/wages/result").get_data(as_text=True)
    assert re.search(r"0 of \d+ right: 0%", html)
    assert "Not passed yet" in html
    assert 'href="/en/trade-unions/wages/quiz"' in html  # try again
    submit_quiz(client, app, "wages", right=True)
    submit_quiz(client, app, "wages", right=False)
    with app.app_context():
        progress = get_session().scalars(select(QuizProgress)).one()
        assert (progress.attempts, progress.best_score) == (3, 100)


def test_only_first_answers_feed_the_anonymous_counters(app: Flask, client: FlaskClient) -> None:
    """Each question counts once per learner: the first time it is met, even if a later attempt draws it."""
    first = {question.id for question in answer_quiz(client, app, "wages", right=False)[1]}
    second = {question.id for question in answer_quiz(client, app, "wages", right=True)[1]}
    with app.app_context():
        rows = get_session().scalars(select(AnswerTally)).all()
        answered = {row.question_id: row.count for row in rows if row.answer_key == "answered"}
        correct = {row.question_id: row.count for row in rows if row.answer_key == "correct"}
    assert answered == {question_id: 1 for question_id in first | second}
    # Right at the retry counts only for questions met there for the first time.
    assert correct == {question_id: 1 for question_id in second - first}
    # The counters have no column that could point back to a learner; their day is the first of a span of days.
    assert {column.name for column in AnswerTally.__table__.columns} == {
        "course_slug", "lesson_slug", "question_id", "lang", "answer_key", "day", "count"}


def test_unanswered_questions_are_listed_and_nothing_is_recorded(app: Flask, client: FlaskClient) -> None:
    token = page_token(client.get("/ru/trade-unions/wages/quiz").get_data(as_text=True))
    response = client.post("/ru/trade-unions/wages/quiz", data={"token": token}, headers=SAME_ORIGIN)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="error-summary"' in html
    assert re.search(r'<a href="#q1">', html)
    assert count_rows(app, QuizProgress) == 0


@pytest.mark.parametrize("token", [None, "", "day1.0000000000000000", "forged.seed", "a.b.c"])
def test_a_missing_or_forged_draw_is_asked_again_and_nothing_is_recorded(app: Flask, client: FlaskClient,
                                                                        token: str | None) -> None:
    data = quiz_answers(app, starter_quiz(app, "wages"))
    if token is None:
        data.pop("token")
    else:
        data["token"] = token
    response = client.post("/en/trade-unions/wages/quiz", data=data, headers=SAME_ORIGIN)
    assert response.status_code == 422
    assert "This quiz changed since the page was opened" in response.get_data(as_text=True)
    assert count_rows(app, QuizProgress) == 0 and count_rows(app, Learner) == 0


@pytest.mark.parametrize("tamper", ["unknown-choice", "other-quiz", "bad-position", "duplicate-position"])
def test_tampered_answers_are_form_errors_and_record_nothing(app: Flask, client: FlaskClient, tamper: str) -> None:
    quiz = starter_quiz(app, "ilo-supervision")
    # The quiz asks 6 questions of a larger bank; take the first draw that asks an order question
    # (the day's draw may not), as a form opened on that day would carry it.
    draws = (draw_quiz(quiz, day_seed(day), app.config["SECRET_KEY"]) for day in range(20_000, 20_400))
    draw = next(draw for draw in draws if any(q.type == "order" for q in quiz.questions if q.id in draw.shown))
    data = quiz_answers(app, quiz, token=draw.token)
    order_fields = sorted(key for key in data if "_" in key)
    if tamper == "unknown-choice":
        first = next(key for key in data if "_" not in key)
        data[first] = ["no-such-choice"]
    elif tamper == "other-quiz":
        data = {f"{key}x": value for key, value in data.items()}  # answers to fields this quiz does not have
    elif tamper == "bad-position":
        data[order_fields[0]] = "99"
    else:
        data[order_fields[0]] = data[order_fields[1]]
    response = client.post("/en/trade-unions/ilo-supervision/quiz", data=data, headers=SAME_ORIGIN)
    assert response.status_code == 422
    assert count_rows(app, QuizProgress) == 0 and count_rows(app, AnswerTally) == 0


def test_a_megabyte_of_data_is_refused(app: Flask, client: FlaskClient) -> None:
    response = client.post("/en/trade-unions/wages/quiz", data={"q1": "x" * 1_000_000}, headers=SAME_ORIGIN)
    assert response.status_code == 413
    assert count_rows(app, QuizProgress) == 0


def test_quiz_on_a_lesson_without_one_is_404(tmp_path: Path) -> None:
    lessons = tmp_path / "lessons"
    make_course(lessons, "demo")  # lessons with no quiz file
    app = make_app(tmp_path, LESSONS_DIR=str(lessons))
    client = app.test_client()
    assert client.post("/en/demo/no-lesson/quiz", headers=SAME_ORIGIN).status_code == 404
    assert client.get("/en/demo/one/quiz").status_code == 404
    assert client.post("/en/demo/one/quiz", data={"q1": "a"}, headers=SAME_ORIGIN).status_code == 404
    assert client.get("/en/demo/one/result").status_code == 404
    assert count_rows(app, QuizProgress) == 0 and count_rows(app, AnswerTally) == 0


def test_result_without_an_attempt_goes_back_to_the_quiz(client: FlaskClient) -> None:
    response = client.get("/en/trade-unions/wages/result")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/en/trade-unions/wages/quiz")


def test_mark_done_completes_the_lesson(app: Flask, client: FlaskClient) -> None:
    response = client.post("/be/trade-unions/study-safely/done", headers=SAME_ORIGIN)
    assert response.status_code == 303
    html = client.get("/be/trade-unions/study-safely").get_data(as_text=True)
    assert 'class="notice notice--success"' in html
    course = client.get("/be/trade-unions/").get_data(as_text=True)
    assert "badge--done" in course


def test_result_survives_a_refresh_and_a_language_switch_then_goes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_app

    app = make_app(tmp_path)
    clock = ShiftedClock()
    app.extensions["course_app.clock"] = clock
    client = app.test_client()
    submit_quiz(client, app, "wages")
    for url in ("/en/trade-unions/wages/result", "/en/trade-unions/wages/result", "/ru/trade-unions/wages/result"):
        response = client.get(url)
        assert response.status_code == 200 and "100%" in response.get_data(as_text=True), url
    # A dropped connection and a reload a while later still find it.
    clock.advance(30 * 60)
    assert client.get("/be/trade-unions/wages/result").status_code == 200
    # Past its short life, it is gone (the cookie names nothing; the server no longer shows it).
    clock.advance(31 * 60)
    assert client.get("/en/trade-unions/wages/result").status_code == 303
    # And at the next action it goes at once.
    submit_quiz(client, app, "wages")
    assert client.get("/en/trade-unions/wages/result").status_code == 200
    client.post("/en/trade-unions/study-safely/done", headers=SAME_ORIGIN)
    assert client.get("/en/trade-unions/wages/result").status_code == 303


def bank_app(tmp_path):  # type: ignore[no-untyped-def]
    """An app over a course whose quiz asks 3 of its 6 questions (one of every kind)."""
    from tests.conftest import make_app
    from tests.factories import make_course, write
    from tests.questions.test_kinds import EVERY_KIND

    course = make_course(tmp_path / "lessons", lessons=("one",), languages=("en",))
    write(course / "one" / "quiz.en.yaml", EVERY_KIND.replace("pass_mark: 50\n", "pass_mark: 50\nask: 3\n"))
    return make_app(tmp_path / "site", LESSONS_DIR=str(tmp_path / "lessons"))


def asked(html: str) -> list[str]:
    return re.findall(r"<legend><span class=\"question__number\">\d+\.</span> ([^<]+)</legend>", html)


def test_retries_with_a_bank_ask_other_questions_and_errors_keep_the_draw(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = bank_app(tmp_path)
    client = app.test_client()
    quiz = app.extensions["course_app.catalogue"].catalogue.course("demo").lessons_by_slug["one"].texts["en"].quiz
    seen_sets = []
    for _ in range(6):
        page = client.get("/en/demo/one/quiz").get_data(as_text=True)
        token = page_token(page)
        shown = asked(page)
        assert len(shown) == 3
        # A form sent back with an error shows the same questions, in the same order, with the same options.
        response = client.post("/en/demo/one/quiz", data={"token": token}, headers=SAME_ORIGIN)
        assert response.status_code == 422
        again = response.get_data(as_text=True)
        assert asked(again) == shown and page_token(again) == token
        assert re.findall(r'value="(v[0-9a-f]+)"', again) == re.findall(r'value="(v[0-9a-f]+)"', page)
        answer = client.post("/en/demo/one/quiz", data=quiz_answers(app, quiz, token=token), headers=SAME_ORIGIN)
        assert answer.status_code == 303
        result = client.get("/en/demo/one/result").get_data(as_text=True)
        assert "3 of 3 right: 100%" in result and "Try again, with new questions" in result
        seen_sets.append(tuple(shown))
    assert len(set(seen_sets)) > 1  # each retry is a new draw


def test_the_result_explains_wrong_answers_and_links_to_their_section(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_app
    from tests.factories import make_course, write
    from tests.questions.test_kinds import EVERY_KIND

    course = make_course(tmp_path / "lessons", lessons=("one",), languages=("en",))
    write(course / "one" / "quiz.en.yaml", EVERY_KIND)
    app = make_app(tmp_path / "site", LESSONS_DIR=str(tmp_path / "lessons"))
    client = app.test_client()
    quiz = app.extensions["course_app.catalogue"].catalogue.course("demo").lessons_by_slug["one"].texts["en"].quiz
    token = page_token(client.get("/en/demo/one/quiz").get_data(as_text=True))
    client.post("/en/demo/one/quiz", data=quiz_answers(app, quiz, right=False, token=token), headers=SAME_ORIGIN)
    html = client.get("/en/demo/one/result").get_data(as_text=True)
    assert "0 of 6 right: 0%" in html
    assert 'href="/en/demo/one#section-1">Read this part of the lesson again</a>' in html
    assert "In 1948, in San Francisco." in html
    assert "Your answer: <strong>1949</strong>. The right answer: <strong>1948</strong>." in html


def test_no_quiz_page_shows_an_authors_id_as_a_value(app: Flask, client: FlaskClient) -> None:
    from tests.questions.test_kinds import yaml_ids

    for lesson in app.extensions["course_app.catalogue"].catalogue.course("trade-unions").lessons:
        for lang, text in lesson.texts.items():
            if text.quiz is None:
                continue
            html = client.get(f"/{lang}/trade-unions/{lesson.slug}/quiz").get_data(as_text=True)
            values = set(re.findall(r'value="([^"]*)"', html))
            assert not values & yaml_ids(text.quiz), (lesson.slug, lang, values & yaml_ids(text.quiz))


def _records(app) -> list[str]:  # type: ignore[no-untyped-def]
    """Every browser session record's short-lived state, as the database holds it."""
    from sqlalchemy import select

    from course_app.db import get_session
    from course_app.models import BrowserSession

    with app.app_context():
        return [row.data for row in get_session().scalars(select(BrowserSession))]


def test_answers_kept_for_the_result_expire_whether_or_not_the_learner_posts_again(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The server never holds a learner's answers readable: they are sealed under a key only the cookie holds.
    An hour after, they are refused, and the next request of any kind — a page view — removes them."""
    from tests.conftest import make_app

    app = make_app(tmp_path)
    clock = ShiftedClock()
    app.extensions["course_app.clock"] = clock
    client = app.test_client()
    submit_quiz(client, app, "wages")
    [data] = _records(app)
    assert "_brief" in data and '"answers"' not in data and '"lesson"' not in data and "last_quiz" not in data
    # Browsing (no form posted) for an hour and more: the result goes from the record at the first page view.
    clock.advance(40 * 60)
    assert client.get("/en/trade-unions/wages").status_code == 200
    assert "_brief" in _records(app)[0]
    clock.advance(21 * 60)
    assert client.get("/en/trade-unions/").status_code == 200
    assert all("_brief" not in record for record in _records(app))
    assert client.get("/en/trade-unions/wages/result").status_code == 303
    # A copy of the record and of an old cookie opens nothing: each result has a key of its own.
    submit_quiz(client, app, "wages")
    before = client.get_cookie("session").value
    submit_quiz(client, app, "wages")
    stale = app.test_client()
    stale.set_cookie("session", before)
    assert stale.get("/en/trade-unions/wages/result").status_code in (302, 303)


def test_an_attempt_the_database_refuses_leaves_the_session_as_it_was(app: Flask, client: FlaskClient,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The result is sealed and the next draw made before anything is written, but kept only once the attempt is:
    when writing it fails, the learner keeps the draw they had and no result of an attempt never counted."""
    assert submit_quiz(client, app, "wages", right=False).status_code == 303
    url = "/en/trade-unions/wages"
    token = page_token(client.get(url + "/quiz").get_data(as_text=True))  # the learner's next draw

    def refused(*_arguments: object, **_keywords: object) -> None:
        raise OperationalError("UPDATE quiz_progress …", {}, Exception("disk I/O error"))

    monkeypatch.setattr(quizzes, "record_quiz_attempt", refused)
    answers = quiz_answers(app, starter_quiz(app, "wages"), right=True, token=token)
    assert client.post(url + "/quiz", data=answers, headers=SAME_ORIGIN).status_code >= 500
    monkeypatch.undo()
    assert client.get(url + "/result").status_code == 303  # no result to show: back to the quiz
    assert page_token(client.get(url + "/quiz").get_data(as_text=True)) == token  # the same draw
    with app.app_context():
        progress = get_session().scalars(select(QuizProgress)).one()
        assert (progress.attempts, progress.best_score) == (1, 0)
