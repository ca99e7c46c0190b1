"""True or false: is the statement right? ``answer: true`` or ``answer: false``."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import RadioField
from wtforms.validators import InputRequired

from ..content.fields import FieldReader
from .base import Answer, FieldSet, PatternFacts, Question, QuestionKind, Shown, select_choices


@dataclass(frozen=True)
class Statement:
    answer: bool


class TrueFalse(QuestionKind):
    """A statement the learner says is true or false (the two buttons never move, and say nothing)."""

    name = "true_false"
    one_answer_each = True
    keys = ("answer",)

    def parse(self, fields: FieldReader, question_id: str) -> Statement | None:
        if not fields.has("answer"):
            fields.missing("answer", " (true or false)")
            return None
        return Statement(fields.boolean("answer"))

    def shape(self, question: Question) -> tuple[object, ...]:
        return (question.spec.answer,)

    def form_fields(self, question: Question, shown: Shown, name: str) -> FieldSet:
        field = RadioField(question.text, choices=select_choices([("true", _l("True")), ("false", _l("False"))]),
                           validators=[InputRequired(message=_l("Choose an answer."))])
        return FieldSet({name: field})

    def answer(self, data: Mapping[str, Any], question: Question, shown: Shown, fieldset: FieldSet,
               name: str) -> Answer:
        given = data.get(name)
        return given if given in ("true", "false") else None

    def judge(self, question: Question, answer: Answer) -> tuple[bool, tuple[str, ...]]:
        if not isinstance(answer, str) or answer not in ("true", "false"):
            return False, ()
        return (answer == "true") == question.spec.answer, (answer,)

    def right_keys(self, question: Question) -> set[str]:
        return {"true" if question.spec.answer else "false"}

    def sample_answer(self, question: Question, rng: random.Random, right: bool) -> Answer:
        return "true" if question.spec.answer == right else "false"

    def describe(self, question: Question, key: str, labels: Mapping[str, str]) -> str:
        return labels.get(key, key)

    def facts(self, question: Question) -> PatternFacts:
        return PatternFacts(true_false=question.spec.answer)
