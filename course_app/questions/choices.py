"""Single and multiple choice: pick the right answer, or every right answer, from the choices given.

Each choice has an id, its text, whether it is right, and an explanation. The choices are shown
in an order drawn for each attempt; a choice marked ``fixed: true`` (such as "all of the above")
keeps its place.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectMultipleField
from wtforms.validators import InputRequired

from ..content.fields import FieldReader
from .base import (
    Answer,
    FieldSet,
    Option,
    PatternFacts,
    Question,
    QuestionKind,
    Shown,
    Token,
    listed_entries,
    select_choices,
)

MAX_CHOICES = 10
CHOICE_KEYS = ("id", "text", "correct", "explain", "fixed")


@dataclass(frozen=True)
class Choice:
    """An answer to pick, whether it is right, why, and whether it keeps its place."""

    id: str
    text: str
    correct: bool
    explain: str
    fixed: bool = False


@dataclass(frozen=True)
class Choices:
    choices: tuple[Choice, ...]

    @property
    def right_ids(self) -> frozenset[str]:
        return frozenset(choice.id for choice in self.choices if choice.correct)


def shuffled_keeping_fixed(choices: tuple[Choice, ...], rng: random.Random) -> list[Choice]:
    """The choices in a drawn order; fixed ones stay where the author put them."""
    movable = [choice for choice in choices if not choice.fixed]
    rng.shuffle(movable)
    moving = iter(movable)
    return [choice if choice.fixed else next(moving) for choice in choices]


class _ChoiceKind(QuestionKind):
    keys = ("choices",)
    single: ClassVar[bool] = True

    def parse(self, fields: FieldReader, question_id: str) -> Choices | None:
        choices: list[Choice] = []
        raw_choices = fields.sequence("choices")
        if raw_choices is None:
            return None
        for _line, choice_id, choice_fields in listed_entries(
                fields, raw_choices, "choice", "'- id: …' with text, and correct/explain lines", CHOICE_KEYS,
                question_id):
            choices.append(Choice(choice_id, choice_fields.text("text"), choice_fields.boolean("correct"),
                                  choice_fields.text("explain", required=False), choice_fields.boolean("fixed")))
        if not 2 <= len(raw_choices) <= MAX_CHOICES:
            fields.problems.error(fields.path, raw_choices.line,
                                  f"choices: give 2 to {MAX_CHOICES}, not {len(raw_choices)}")
        right = sum(choice.correct for choice in choices)
        if right == 0:
            fields.problems.error(fields.path, fields.line("choices"),
                                  f"question '{question_id}' has no correct answer: mark one with 'correct: true'")
        elif self.single and right > 1:
            fields.problems.error(fields.path, fields.line("choices"),
                                  f"question '{question_id}' is 'single' but has {right} correct choices "
                                  "(use type: multiple)")
        return Choices(tuple(choices))

    def shape(self, question: Question) -> tuple[object, ...]:
        return tuple((choice.id, choice.correct, choice.fixed) for choice in question.spec.choices)

    def texts(self, question: Question) -> dict[str, str]:
        return {f"choice {choice.id}": choice.text for choice in question.spec.choices}

    def show(self, question: Question, rng: random.Random, token: Token) -> Shown:
        ordered = shuffled_keeping_fixed(question.spec.choices, rng)
        return Shown(tuple(Option(choice.id, choice.text, token(question.id, choice.id)) for choice in ordered))

    def answer(self, data: Mapping[str, Any], question: Question, shown: Shown, fieldset: FieldSet,
               name: str) -> Answer:
        given = data.get(name)
        values = given if isinstance(given, list) else [given]
        picked = [option.id for value in values if (option := shown.option_by_value(value)) is not None]
        return picked[0] if self.single and len(picked) == 1 else picked

    def judge(self, question: Question, answer: Answer) -> tuple[bool, tuple[str, ...]]:
        """Right when exactly the right choices were picked."""
        if isinstance(answer, str):
            picked = frozenset({answer})
        elif isinstance(answer, (list, tuple, set, frozenset)):
            picked = frozenset(item for item in answer if isinstance(item, str))
        else:
            picked = frozenset()
        if self.single and len(picked) > 1:
            return False, ()
        known = {choice.id for choice in question.spec.choices}
        return picked == question.spec.right_ids, tuple(sorted(picked & known))

    def right_keys(self, question: Question) -> set[str]:
        return set(question.spec.right_ids)

    def sample_answer(self, question: Question, rng: random.Random, right: bool) -> Answer:
        ids: list[str] = [choice.id for choice in question.spec.choices]
        right_ids: list[str] = sorted(question.spec.right_ids)
        wrong_ids = [choice_id for choice_id in ids if choice_id not in question.spec.right_ids]
        if self.single:
            return right_ids[0] if right or not wrong_ids else rng.choice(wrong_ids)
        if right:
            return right_ids
        picked = [choice_id for choice_id in ids if rng.random() < 0.5] or [rng.choice(ids)]
        return picked if set(picked) != set(right_ids) else [*right_ids, *wrong_ids[:1]]

    def describe(self, question: Question, key: str, labels: Mapping[str, str]) -> str:
        return next((choice.text for choice in question.spec.choices if choice.id == key), key)

    def facts(self, question: Question) -> PatternFacts:
        choices = question.spec.choices
        positions = tuple(index for index, choice in enumerate(choices) if choice.correct)
        longest = None
        if self.single:
            right = next(choice for choice in choices if choice.correct)
            longest = all(len(right.text) > len(choice.text) for choice in choices if choice is not right)
        return PatternFacts(right_positions=positions, right_is_longest=longest, choice_count=len(choices))


class SingleChoice(_ChoiceKind):
    """One right answer among the choices."""

    name = "single"
    one_answer_each = True
    single = True

    def form_fields(self, question: Question, shown: Shown, name: str) -> FieldSet:
        field = RadioField(question.text,
                           choices=select_choices([(option.value, option.text) for option in shown.options]),
                           validators=[InputRequired(message=_l("Choose an answer."))])
        return FieldSet({name: field})


class MultipleChoice(_ChoiceKind):
    """Every right answer among the choices must be ticked, and nothing else."""

    name = "multiple"
    single = False

    def form_fields(self, question: Question, shown: Shown, name: str) -> FieldSet:
        field = SelectMultipleField(question.text,
                                    choices=select_choices([(option.value, option.text) for option in shown.options]),
                                    validators=[InputRequired(message=_l("Tick at least one answer."))])
        return FieldSet({name: field})
