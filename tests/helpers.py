"""Helpers for tests that drive forms as a browser would: answer a quiz, save and use a code.

Learner forms carry no token (the server checks where a post came from instead); staff forms
do, and ``csrf_token`` reads one from a page."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from course_app.content import current_catalogue
from course_app.content.quiz import QuestionType, Quiz
from course_app.learner.forms import quiz_form

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


def quiz_answers(app: Flask, quiz: Quiz, *, right: bool = True) -> dict[str, object]:
    """Form data answering every question of ``quiz`` right (or every one wrong)."""
    with app.test_request_context():
        form = quiz_form(quiz, formdata=None, meta={"csrf": False})
    data: dict[str, object] = {}
    for fields in form.questions:
        question = fields.question
        if question.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
            picked = [c.id for c in question.choices if c.correct == right]
            if question.type is QuestionType.SINGLE:
                picked = picked[:1]
            data[fields.name] = picked
        elif question.type is QuestionType.TRUE_FALSE:
            data[fields.name] = "true" if question.answer == right else "false"
        elif question.type is QuestionType.ORDER:
            count = len(question.items)
            for part in fields.parts:
                position = [item.id for item in question.items].index(part.part_id) + 1
                data[part.field_name] = str(position if right else count + 1 - position)
        else:
            ids = [pair.id for pair in question.pairs]
            for part in fields.parts:
                data[part.field_name] = part.part_id if right else ids[(ids.index(part.part_id) + 1) % len(ids)]
    return data


# What a browser sends with a form it submits from one of this site's own pages.
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


def submit_quiz(client: FlaskClient, app: Flask, lesson_slug: str, lang: str = "en", *, right: bool = True):  # type: ignore[no-untyped-def]
    url = f"/{lang}/trade-unions/{lesson_slug}"
    client.get(url)  # read the lesson first, as a learner does
    client.get(url + "/quiz")
    data = quiz_answers(app, starter_quiz(app, lesson_slug, lang), right=right)
    return client.post(url + "/quiz", data=data, headers=SAME_ORIGIN)


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
