"""Helpers for tests that drive forms as a browser would: answer a quiz, save and use a code.

Learner forms carry no token (the server checks where a post came from instead); staff forms
do, and ``csrf_token`` reads one from a page."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from course_app.clock import clock
from course_app.content import current_catalogue
from course_app.content.quiz import Quiz
from course_app.learner.forms import quiz_form
from course_app.questions import Question
from course_app.questions.draw import day_seed, draw_from_token, draw_quiz

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
CODE = re.compile(r'<p class="learner-code" id="learner-code">([\d ]+)</p>')


def csrf_token(client: FlaskClient, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    match = CSRF.search(html)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def starter_quiz(app: Flask, lesson_slug: str, lang: str = "en") -> Quiz:
    with app.app_context():
        quiz = current_catalogue().course("trade-unions").lessons_by_slug[lesson_slug].texts[lang].quiz
    assert quiz is not None
    return quiz


TOKEN = re.compile(r'name="token" type="hidden" value="([^"]+)"')


def page_token(html: str) -> str:
    """The draw token of the quiz form on a page."""
    match = TOKEN.search(html)
    assert match, "no quiz form on the page"
    return match.group(1)


def quiz_answers(app: Flask, quiz: Quiz, *, right: bool = True, token: str | None = None) -> dict[str, object]:
    """Form data answering every question an attempt asks right (or every one wrong), as a browser sends it.

    :param token: the draw token of the form shown (default: the day's draw every reader gets).
    """
    with app.test_request_context():
        secret = app.config["SECRET_KEY"]
        draw = draw_from_token(quiz, token, secret) if token else \
            draw_quiz(quiz, day_seed(int(clock(app).timestamp() // 86400)), secret)
        assert draw is not None, "the token does not belong to this quiz"
        form = quiz_form(draw, formdata=None)
    data: dict[str, object] = {"token": draw.token}
    for fields in form.questions:
        question, shown = fields.question, draw.shown[fields.question.id]
        if question.type in ("single", "multiple"):
            picked = [option.value for option in shown.options
                      if any(choice.id == option.id and choice.correct == right for choice in question.spec.choices)]
            data[fields.name] = picked[:1] if question.type == "single" else picked
        elif question.type == "true_false":
            data[fields.name] = "true" if question.spec.answer == right else "false"
        elif question.type == "number":
            data[fields.name] = str(question.spec.answer if right else question.spec.answer + 1)
        elif question.type == "order":
            ids = [item.id for item in question.spec.items]
            for part in fields.fieldset.parts:
                position = ids.index(part.part_id) + 1
                data[part.field_name] = str(position if right else len(ids) + 1 - position)
        else:
            values = {option.id: option.value for option in shown.options}
            ids = list(values)
            for part in fields.fieldset.parts:
                chosen = part.part_id if right else ids[(ids.index(part.part_id) + 1) % len(ids)]
                data[part.field_name] = values[chosen]
    return data


# What a browser sends with a form it submits from one of this site's own pages.
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


def submit_quiz(client: FlaskClient, app: Flask, lesson_slug: str, lang: str = "en", *, right: bool = True):  # type: ignore[no-untyped-def]
    return answer_quiz(client, app, lesson_slug, lang, right=right)[0]


def answer_quiz(client: FlaskClient, app: Flask, lesson_slug: str, lang: str = "en", *,  # type: ignore[no-untyped-def]
                right: bool = True):
    """Read a starter lesson, open its quiz, answer what the form asks; the response and the questions asked."""
    url = f"/{lang}/trade-unions/{lesson_slug}"
    client.get(url)  # read the lesson first, as a learner does
    token = page_token(client.get(url + "/quiz").get_data(as_text=True))
    quiz = starter_quiz(app, lesson_slug, lang)
    response = client.post(url + "/quiz", data=quiz_answers(app, quiz, right=right, token=token), headers=SAME_ORIGIN)
    return response, asked_questions(app, quiz, token)


def asked_questions(app: Flask, quiz: Quiz, token: str) -> tuple[Question, ...]:
    """The questions the quiz form with this draw token asked."""
    with app.test_request_context():
        draw = draw_from_token(quiz, token, app.config["SECRET_KEY"])
    assert draw is not None, "the token does not belong to this quiz"
    return draw.questions


def save_code(client: FlaskClient, lang: str = "en") -> str:
    response = client.post(f"/{lang}/progress/code", headers=SAME_ORIGIN)
    assert response.status_code == 200
    match = CODE.search(response.get_data(as_text=True))
    assert match, "no code shown"
    return match.group(1)


def continue_with(client: FlaskClient, code: str, lang: str = "en", remember: bool = False):  # type: ignore[no-untyped-def]
    data = {"code": code}
    if remember:
        data["remember"] = "y"
    return client.post(f"/{lang}/progress/continue", data=data, headers=SAME_ORIGIN)
