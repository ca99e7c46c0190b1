"""The learner's forms: a quiz (built for each quiz), continue with a code, and small action forms.

Learner forms carry no CSRF token: a token needs a session, and reading must set no cookie
(S5). Forged posts from other sites are refused by their ``Sec-Fetch-Site``/``Origin`` instead
(cross_site.py). Quiz fields are named by position (q1, q2_3 …), so nothing from another quiz
can be slipped in, and every value must be one the form offered.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, StringField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from ..content.quiz import Question, QuestionType, Quiz
from ..domain.grading import Answer


def stable_shuffle(values: list[str], seed: str) -> list[str]:
    """The same "random" order every time for the same seed: answers never move between visits."""
    shuffled = list(values)
    random.Random(seed).shuffle(shuffled)
    if len(shuffled) > 1 and shuffled == values:
        shuffled = shuffled[1:] + shuffled[:1]
    return shuffled


def choices(pairs: list[tuple[str, object]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]  # type: ignore[arg-type]


@dataclass(frozen=True)
class QuestionPart:
    """One select of an order or match question: its field, its label, and the item/pair it is for."""

    field_name: str
    label: str
    part_id: str


@dataclass(frozen=True)
class QuestionFields:
    """The form fields of one question: one field, or one per item/prompt (order, match), in display order."""

    question: Question
    number: int
    name: str
    parts: tuple[QuestionPart, ...] = ()


class LearnerForm(FlaskForm):
    """A learner's form: no per-visitor token (see the module docstring)."""

    class Meta:
        csrf = False


class QuizForm(LearnerForm):
    """Base class of the per-quiz forms built by ``quiz_form``."""

    questions: tuple[QuestionFields, ...] = ()

    def answers(self) -> dict[str, Answer]:
        """The answers as the grader wants them, keyed by question id."""
        answers: dict[str, Answer] = {}
        for fields in self.questions:
            question = fields.question
            if fields.parts:
                answers[question.id] = {part.part_id: str(self[part.field_name].data or "") for part in fields.parts}
            else:
                answers[question.id] = self[fields.name].data
        return answers

    def first_error_field(self) -> str | None:
        for fields in self.questions:
            for name in (fields.name, *(part.field_name for part in fields.parts)):
                if name in self._fields and self[name].errors:
                    return self[name].id
        return None


class _UniquePositions:
    """Every item of an order question must get a different position."""

    def __init__(self, names: list[str]) -> None:
        self.names = names

    def __call__(self, form: FlaskForm, field: SelectField) -> None:
        values = [form[name].data for name in self.names if form[name].data]
        if len(values) != len(set(values)) and field.data and values.count(field.data) > 1:
            raise ValidationError(_l("Give each step a different position."))


_FORM_CLASSES: dict[int, tuple[Quiz, type[QuizForm]]] = {}


def quiz_form(quiz: Quiz, **kwargs: object) -> QuizForm:
    """A form for ``quiz``, with one field group per question in quiz order.

    :param kwargs: passed to the form (e.g. ``formdata=None`` for an empty form); by default
        Flask-WTF reads the current request's form data.
    """
    cached = _FORM_CLASSES.get(id(quiz))
    if cached is None or cached[0] is not quiz:
        cached = (quiz, _quiz_form_class(quiz))
        _FORM_CLASSES[id(quiz)] = cached  # a reloaded catalogue brings new quiz objects, and new classes
    return cached[1](**kwargs)


def _quiz_form_class(quiz: Quiz) -> type[QuizForm]:
    """The form class of one quiz, built once (classes are made from the quiz's questions)."""
    attributes: dict[str, object] = {}
    questions: list[QuestionFields] = []
    for number, question in enumerate(quiz.questions, start=1):
        name = f"q{number}"
        seed = f"{quiz.path.parent.name}/{question.id}"
        required = InputRequired(message=_l("Choose an answer."))
        if question.type is QuestionType.SINGLE:
            attributes[name] = RadioField(question.text, choices=choices([(c.id, c.text) for c in question.choices]),
                                          validators=[required])
        elif question.type is QuestionType.MULTIPLE:
            attributes[name] = SelectMultipleField(
                question.text, choices=choices([(c.id, c.text) for c in question.choices]),
                validators=[InputRequired(message=_l("Tick at least one answer."))])
        elif question.type is QuestionType.TRUE_FALSE:
            attributes[name] = RadioField(question.text, choices=choices([("true", _l("True")), ("false", _l("False"))]),
                                          validators=[required])
        else:
            parts: list[QuestionPart] = []
            if question.type is QuestionType.ORDER:
                positions = [(str(i), str(i)) for i in range(1, len(question.items) + 1)]
                items = {item.id: item for item in question.items}
                shown = stable_shuffle(list(items), seed)
                names = [f"{name}_{index}" for index in range(1, len(shown) + 1)]
                for item_id, part_name in zip(shown, names, strict=True):
                    attributes[part_name] = SelectField(
                        items[item_id].text, choices=choices([("", _l("Position…")), *positions]),
                        validators=[InputRequired(message=_l("Choose a position.")), _UniquePositions(names)])
                    parts.append(QuestionPart(part_name, items[item_id].text, item_id))
            else:
                answer_order = stable_shuffle([pair.id for pair in question.pairs], seed)
                answers = {pair.id: pair.answer for pair in question.pairs}
                options = choices([("", _l("Choose…")), *((pair_id, answers[pair_id]) for pair_id in answer_order)])
                for index, pair in enumerate(question.pairs, start=1):
                    part_name = f"{name}_{index}"
                    attributes[part_name] = SelectField(pair.prompt, choices=options,
                                                        validators=[InputRequired(message=_l("Choose a match."))])
                    parts.append(QuestionPart(part_name, pair.prompt, pair.id))
            questions.append(QuestionFields(question, number, name, tuple(parts)))
            continue
        questions.append(QuestionFields(question, number, name))
    attributes["questions"] = tuple(questions)
    return type("QuizFormFor", (QuizForm,), attributes)


class ContinueWithCodeForm(LearnerForm):
    # A text field, not a password field: browsers offer to save passwords, and a saved code on
    # a checked phone is exactly what must not exist. The template adds autocomplete="off".
    code = StringField(_l("Your learner code"), validators=[
        InputRequired(message=_l("Type your learner code.")), Length(max=80, message=_l("That is too long for a learner code."))])
    remember = BooleanField(_l("Remember this device (otherwise you are forgotten when the browser closes)"))


class ActionForm(LearnerForm):
    """A button that changes something: nothing but the button travels."""


class RememberForm(LearnerForm):
    remember = BooleanField(_l("Remember this device"))
