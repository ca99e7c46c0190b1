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
from typing import Any

from babel import support
from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, HiddenField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
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


@dataclass(frozen=True)
class ChoiceInput:
    """What one choice field of a quiz form accepts: one value (a radio or a select) or several (boxes), each one
    the form offered, the first one not empty (WTForms' InputRequired)."""

    name: str
    several: bool
    offered: frozenset[str]


class QuizForm(LearnerForm):
    """Base class of the per-attempt forms built by ``quiz_form``."""

    draw: Draw
    questions: tuple[QuestionFields, ...] = ()
    # Every field's ChoiceInput, when every field is a plain choice field (see ``answers_at_once``); else None.
    choice_inputs: tuple[ChoiceInput, ...] | None = None
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
    attributes["choice_inputs"] = _choice_inputs(questions)
    return type("QuizFormFor", (QuizForm,), attributes)


# The field classes whose data and checks ``answers_at_once`` knows: WTForms' own, with these options only.
_ONE_VALUE, _SEVERAL_VALUES = (RadioField, SelectField), (SelectMultipleField,)
_PLAIN_OPTIONS = frozenset({"choices", "validators"})


def _choice_inputs(questions: list[QuestionFields]) -> tuple[ChoiceInput, ...] | None:
    """What each field accepts, if every field is a plain choice field: a radio, select or boxes field of WTForms
    (exactly that class), given its choices (as ``SelectChoice``) and InputRequired, and nothing else (no coercion,
    default, other check, name of its own, or the form's own check or filter of it). Otherwise None: such a form is
    checked by WTForms alone."""
    inputs = []
    for fields in questions:
        for name, unbound in fields.fieldset.fields.items():
            field_class = getattr(unbound, "field_class", None)
            options = getattr(unbound, "kwargs", {})
            validators = options.get("validators") or []
            choices = options.get("choices") or ()
            if field_class not in (*_ONE_VALUE, *_SEVERAL_VALUES) or not set(options) <= _PLAIN_OPTIONS \
                    or len(getattr(unbound, "args", ())) > 1 or getattr(unbound, "name", None) is not None \
                    or not validators or any(type(validator) is not InputRequired for validator in validators) \
                    or not all(isinstance(choice, SelectChoice) for choice in choices) \
                    or any(hasattr(QuizForm, f"{hook}_{name}") for hook in ("validate", "filter")):
                return None  # a field named otherwise, checked or filtered by the form, or given other choices
            offered = frozenset(str(choice.value) for choice in choices)
            inputs.append(ChoiceInput(name, field_class in _SEVERAL_VALUES, offered))
    return tuple(inputs)


def answers_at_once(form_class: type[QuizForm], formdata: MultiDict[str, Any]) -> dict[str, Answer] | None:
    """The answers a quiz form's posted data gives, when the form has plain choice fields only and every one was
    answered with what it offered; else None (WTForms then checks the form and says what is wrong).

    For the data it accepts this is WTForms' own result, read without building the form (a fifth of a quiz
    submission's time): a field's data is its first value (a radio or a select) or all its values (boxes); the
    form is valid when each field's first value is not empty (InputRequired) and each value is one it offered
    (the choice check). ``tests/learner/test_quiz_forms.py`` compares the two on every starter quiz.

    :param formdata: the posted form fields (not files, nor a JSON body, which WTForms would also read).
    """
    inputs = form_class.choice_inputs
    if inputs is None:
        return None
    data: dict[str, Any] = {}
    for choice_input in inputs:
        values = formdata.getlist(choice_input.name)
        if not values or not values[0]:
            return None
        if choice_input.several:
            if any(value not in choice_input.offered for value in values):
                return None
            data[choice_input.name] = values
        elif values[0] in choice_input.offered:
            data[choice_input.name] = values[0]
        else:
            return None
    draw = form_class.draw
    return {fields.question.id: fields.question.kind.answer(data, fields.question, draw.shown[fields.question.id],
                                                            fields.fieldset, fields.name)
            for fields in form_class.questions}


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
