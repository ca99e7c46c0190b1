"""A quiz answered in full is read without building its WTForms form (learner/forms.py, ``answers_at_once``): for
every form data it accepts, WTForms accepts it too and gives the same answers, and it accepts every form WTForms
accepts when the form has plain choice fields only."""

from __future__ import annotations

import random
from typing import Any

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from course_app.content import catalogue_store
from course_app.content.quiz import Quiz
from course_app.learner import quizzes
from course_app.learner.forms import QuestionFields, _choice_inputs, answers_at_once, quiz_form, quiz_form_class
from course_app.questions.base import FieldSet
from course_app.questions.draw import draw_quiz
from tests.helpers import SAME_ORIGIN, quiz_answers

FORMS_PER_DRAW = 40


def starter_quizzes(app: Flask) -> list[Quiz]:
    return [text.quiz for course in catalogue_store(app).catalogue.courses for lesson in course.lessons
            for text in lesson.texts.values() if text.quiz is not None]


def field_values(rng: random.Random, offered: list[str], how: str, several: bool) -> list[str]:
    """One field's posted values: an answer it offered, or one of the ways to answer wrongly."""
    answer = rng.sample(offered, rng.randint(1, len(offered))) if several else [rng.choice(offered)]
    return {"answered": answer, "missing": [], "empty": [""], "not offered": ["x" + offered[0]],
            "then junk": [*answer, "junk"], "twice": answer + answer, "empty first": ["", *answer]}[how]


def posted(rng: random.Random, fields: dict[str, tuple[list[str], bool]], token: str) -> MultiDict[str, str]:
    """Form data for one attempt: every field answered, one field answered wrongly, or each field anyhow."""
    ways = ["missing", "empty", "not offered", "then junk", "twice", "empty first"]
    mode = rng.choice(["all answered", "all answered", "one wrong", "anyhow"])
    broken = rng.choice(list(fields))
    data: list[tuple[str, str]] = [("token", token)]
    for name, (offered, several) in fields.items():
        how = "answered" if mode == "all answered" or (mode == "one wrong" and name != broken) else \
            rng.choice(ways) if mode == "one wrong" else rng.choice(["answered", *ways])
        data += [(name, value) for value in field_values(rng, [value for value in offered if value], how, several)]
    if rng.random() < 0.2:
        data.append(("q99", "not a field"))
    rng.shuffle(data)
    return MultiDict(data)


def offered_values(form_class: type[Any]) -> dict[str, tuple[list[str], bool]]:
    """Each field of a form class with the values it offers and whether it takes several (from WTForms itself)."""
    fields: dict[str, tuple[list[str], bool]] = {}
    for question_fields in form_class.questions:
        for name, unbound in question_fields.fieldset.fields.items():
            choices = unbound.kwargs.get("choices") or [None]
            values = [str(choice.value) for choice in choices if choice is not None] or ["1", "2"]
            fields[name] = (values, unbound.field_class.__name__ == "SelectMultipleField")
    return fields


def test_read_at_once_the_answers_are_wtforms_own(app: Flask) -> None:
    rng = random.Random(20261207)
    secret = str(app.config["SECRET_KEY"])
    checked = {"read at once": 0, "left to WTForms, valid": 0, "invalid": 0}
    kinds_left_to_wtforms: set[str] = set()
    for quiz in starter_quizzes(app):
        for seed in ("a", "b"):
            draw = draw_quiz(quiz, seed, secret)
            form_class = quiz_form_class(draw)
            if form_class.choice_inputs is None:
                kinds_left_to_wtforms |= {question.type for question in draw.questions}
            fields = offered_values(form_class)
            for _ in range(FORMS_PER_DRAW):
                data = posted(rng, fields, draw.token)
                with app.test_request_context(method="POST", data=data):
                    form = quiz_form(draw, form_class)
                    valid = form.validate()
                    by_wtforms = form.answers() if valid else None
                    at_once = answers_at_once(form_class, request.form)
                if at_once is not None:
                    assert valid and at_once == by_wtforms, (quiz.lang, data)
                    checked["read at once"] += 1
                elif valid:
                    assert form_class.choice_inputs is None, (quiz.lang, data)  # a form it could have read
                    checked["left to WTForms, valid"] += 1
                else:
                    checked["invalid"] += 1
    assert checked["read at once"] > 500 and checked["invalid"] > 500, checked  # both met often
    assert checked["left to WTForms, valid"] > 0, checked  # an order question answered with distinct positions
    assert kinds_left_to_wtforms >= {"order"}  # a form with a cross-field check is WTForms' alone


def test_a_submission_answered_in_full_builds_no_form_and_a_wrong_one_is_explained(
        app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    quiz = catalogue_store(app).catalogue.course("trade-unions").lessons_by_slug["wages"].texts["en"].quiz
    assert quiz is not None
    built: list[int] = []
    build = quizzes.quiz_form
    monkeypatch.setattr(quizzes, "quiz_form", lambda *args, **kwargs: built.append(1) or build(*args, **kwargs))
    answers = quiz_answers(app, quiz)
    response = client.post("/en/trade-unions/wages/quiz", data=answers, headers=SAME_ORIGIN)
    assert response.status_code == 303 and built == []
    first_field = next(name for name in answers if name != "token")
    response = client.post("/en/trade-unions/wages/quiz", data={**answers, first_field: []}, headers=SAME_ORIGIN)
    assert response.status_code == 422 and built == [1]  # WTForms says which answer is missing


@pytest.mark.parametrize("field", [
    RadioField("Q", name="other", choices=[SelectChoice("a", "A")], validators=[InputRequired()]),
    RadioField("Q", choices=[("a", "A")], validators=[InputRequired()]),
    RadioField("Q", choices=[SelectChoice("a", "A")], validators=[InputRequired(), Length(max=3)]),
    RadioField("Q", choices=[SelectChoice("a", "A")], validators=[InputRequired()], default="a"),
    RadioField("Q", choices=[SelectChoice("a", "A")]),
    StringField("Q", validators=[InputRequired()]),
], ids=["its own name", "tuple choices", "another check", "a default", "not required", "a text field"])
def test_a_field_answers_at_once_cannot_read_as_wtforms_does_leaves_the_form_to_wtforms(app: Flask,
                                                                                         field: Any) -> None:
    question = starter_quizzes(app)[0].questions[0]
    fields = QuestionFields(question, 1, "q1", FieldSet({"q1": field}))
    assert _choice_inputs([fields]) is None
    plain = RadioField("Q", choices=[SelectChoice("a", "A")], validators=[InputRequired()])
    assert _choice_inputs([QuestionFields(question, 1, "q1", FieldSet({"q1": plain}))]) is not None

