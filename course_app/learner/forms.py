"""The learner's forms: a quiz (built for each attempt's draw), continue with a code, and small action forms.

Learner forms carry no CSRF token: a token needs a session, and reading must set no cookie
(S5). Forged posts from other sites are refused by their ``Sec-Fetch-Site``/``Origin`` instead
(web/cross_site.py). Quiz fields are named by position (q1, q2_3 …), so nothing from another quiz
can be slipped in; every value must be one the form offered, and option values are opaque
tokens of the attempt's draw (questions/draw.py), never the author's ids.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from babel import support
from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField
from wtforms.i18n import messages_path
from wtforms.validators import InputRequired, Length

from ..i18n import get_locale
from ..questions import Answer, Question
from ..questions.base import FieldSet
from ..questions.draw import Draw


class LearnerForm(FlaskForm):
    """A learner's form: no per-visitor token (see the module docstring)."""

    class Meta:
        csrf = False


@dataclass(frozen=True)
class QuestionFields:
    """The form fields of one asked question: its number on the page, its field name and its parts."""

    question: Question
    number: int
    name: str
    fieldset: FieldSet


class QuizForm(LearnerForm):
    """Base class of the per-attempt forms built by ``quiz_form``."""

    draw: Draw
    questions: tuple[QuestionFields, ...] = ()
    token = HiddenField()

    def answers(self) -> dict[str, Answer]:
        """The answers as the grader wants them (the author's ids), keyed by question id."""
        data = self.data
        return {fields.question.id: fields.question.kind.answer(data, fields.question,
                                                                self.draw.shown[fields.question.id],
                                                                fields.fieldset, fields.name)
                for fields in self.questions}

    def first_error_field(self) -> str | None:
        for fields in self.questions:
            for name in (fields.name, *(part.field_name for part in fields.fieldset.parts)):
                if name in self._fields and self[name].errors:
                    return str(self[name].id)
        return None


def quiz_form_class(draw: Draw) -> type[QuizForm]:
    """The form class of one attempt: a field group per asked question, in the order asked."""
    attributes: dict[str, object] = {"draw": draw}
    questions = []
    for number, question in enumerate(draw.questions, start=1):
        name = f"q{number}"
        fieldset = question.kind.form_fields(question, draw.shown[question.id], name)
        attributes.update(fieldset.fields)
        questions.append(QuestionFields(question, number, name, fieldset))
    attributes["questions"] = tuple(questions)
    return type("QuizFormFor", (QuizForm,), attributes)


def quiz_form(draw: Draw, form_class: type[QuizForm] | None = None, **kwargs: object) -> QuizForm:
    """A form for one attempt (of ``form_class``, the draw's form class, if it was built already).

    :param kwargs: passed to the form (e.g. ``formdata=None`` for an empty form); by default
        Flask-WTF reads the current request's form data.
    """
    form: QuizForm = (form_class or quiz_form_class(draw))(**kwargs)
    if form.token.data is None or kwargs.get("formdata", True) is None:
        form.token.data = draw.token
    return form


class ContinueWithCodeForm(LearnerForm):
    # A text field, not a password field: browsers offer to save passwords, and a saved code on
    # a checked phone is exactly what must not exist. The template adds autocomplete="off".
    code = StringField(_l("Your learner code"), validators=[
        InputRequired(message=_l("Type your learner code.")),
        Length(max=80, message=_l("That is too long for a learner code."))])
    remember = BooleanField(_l("Remember this device (otherwise you are forgotten when the browser closes)"))


class ActionForm(LearnerForm):
    """A button that changes something: nothing but the button travels."""


class RememberForm(LearnerForm):
    remember = BooleanField(_l("Remember this device"))


@functools.lru_cache(maxsize=16)
def _wtforms_messages(lang: str) -> support.NullTranslations:
    """WTForms' own messages in ``lang``, read from their file once per process."""
    return support.Translations.load(messages_path(), [lang], domain="wtforms")


def hand_over_wtforms_messages() -> None:
    """Give Flask-WTF the messages of this page's language already read (it would read their file for every
    request that builds a form: a fifth of a quiz submission's time)."""
    request.wtforms_translations = _wtforms_messages(get_locale())  # type: ignore[attr-defined]  # where Flask-WTF looks for them
