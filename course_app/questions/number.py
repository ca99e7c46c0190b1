"""Fill in the number: a year, an article, a convention's number ("In which year was C87 adopted?").

The answer is a whole number, typed with digits only and graded exactly (leading zeros aside).
The counters for educators keep right and wrong and the numbers typed — digits only, so no free
text a learner wrote is ever stored.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import InputRequired, Regexp

from ..content.fields import FieldReader
from .base import Answer, FieldSet, Question, QuestionKind, Shown

MAX_DIGITS = 12


@dataclass(frozen=True)
class Number:
    answer: int


def digits_of(text: object) -> str | None:
    """The number a learner typed, as digits without leading zeros; None if it is not digits only."""
    if not isinstance(text, str):
        return None
    stripped = text.strip()
    if not stripped.isdigit() or not stripped.isascii() or len(stripped) > MAX_DIGITS:
        return None
    return str(int(stripped))


class FillInTheNumber(QuestionKind):
    """A whole number to type, such as a year or an article number."""

    name = "number"
    one_answer_each = True
    keys = ("answer",)

    def parse(self, fields: FieldReader, question_id: str) -> Number | None:
        answer = fields.integer("answer", required=True, minimum=0, maximum=10**MAX_DIGITS - 1)
        return Number(answer) if answer is not None else None

    def shape(self, question: Question) -> tuple[object, ...]:
        return (question.spec.answer,)

    def form_fields(self, question: Question, shown: Shown, name: str) -> FieldSet:
        field = StringField(question.text, validators=[
            InputRequired(message=_l("Type a number.")),
            Regexp(rf"^\s*[0-9]{{1,{MAX_DIGITS}}}\s*$", message=_l("Type the number with digits only."))])
        return FieldSet({name: field})

    def answer(self, data: Mapping[str, Any], question: Question, shown: Shown, fieldset: FieldSet,
               name: str) -> Answer:
        return digits_of(data.get(name))

    def judge(self, question: Question, answer: Answer) -> tuple[bool, tuple[str, ...]]:
        digits = digits_of(answer)
        if digits is None:
            return False, ()
        return digits == str(question.spec.answer), (digits,)

    def right_keys(self, question: Question) -> set[str]:
        return {str(question.spec.answer)}

    def sample_answer(self, question: Question, rng: random.Random, right: bool) -> Answer:
        return str(question.spec.answer + (0 if right else rng.choice((1, 2, 10))))
