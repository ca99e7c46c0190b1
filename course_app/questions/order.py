"""Put in order: the quiz file lists the items in the right order; the learner gives each a position.

Items are shown in an order drawn for the attempt, and never already in the right order (a list
whose right order is alphabetical or chronological would otherwise look solved).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field, SelectField, ValidationError
from wtforms.form import BaseForm
from wtforms.validators import InputRequired

from ..content.fields import FieldReader
from .base import Answer, FieldSet, Option, Part, Question, QuestionKind, Shown, Token, listed_entries, select_choices

MAX_ITEMS = 10


@dataclass(frozen=True)
class OrderItem:
    id: str
    text: str


@dataclass(frozen=True)
class Steps:
    items: tuple[OrderItem, ...]


def never_in_order(items: list[OrderItem], right: tuple[OrderItem, ...]) -> list[OrderItem]:
    """``items`` as shuffled, but moved on by one if the shuffle happened to be the right order."""
    if len(items) > 1 and tuple(items) == right:
        return items[1:] + items[:1]
    return items


class _DifferentPositions:
    """Every item of an order question must get a different position."""

    def __init__(self, names: list[str]) -> None:
        self.names = names

    def __call__(self, form: BaseForm, field: Field) -> None:
        values = [form[name].data for name in self.names if form[name].data]
        if field.data and values.count(field.data) > 1:
            raise ValidationError(_l("Give each step a different position."))


class Order(QuestionKind):
    """Steps to put in their order (1 happens first)."""

    name = "order"
    keys = ("items",)

    def parse(self, fields: FieldReader, question_id: str) -> Steps | None:
        raw_items = fields.sequence("items")
        if raw_items is None:
            return None
        items: list[OrderItem] = []
        for _line, item_id, item_fields in listed_entries(fields, raw_items, "item", "'- id: …' with a 'text:' line",
                                                   ("id", "text"), question_id):
            items.append(OrderItem(item_id, item_fields.text("text")))
        if not 2 <= len(raw_items) <= MAX_ITEMS:
            fields.problems.error(fields.path, raw_items.line, f"items: give 2 to {MAX_ITEMS}, not {len(raw_items)}")
        return Steps(tuple(items))

    def shape(self, question: Question) -> tuple[object, ...]:
        return tuple(item.id for item in question.spec.items)

    def texts(self, question: Question) -> dict[str, str]:
        return {f"item {item.id}": item.text for item in question.spec.items}

    def show(self, question: Question, rng: random.Random, token: Token) -> Shown:
        items = list(question.spec.items)
        rng.shuffle(items)
        shown = never_in_order(items, question.spec.items)
        return Shown(tuple(Option(item.id, item.text, token(question.id, item.id)) for item in shown))

    def form_fields(self, question: Question, shown: Shown, name: str) -> FieldSet:
        positions = [(str(number), str(number)) for number in range(1, len(shown.options) + 1)]
        names = [f"{name}_{index}" for index in range(1, len(shown.options) + 1)]
        fieldset = FieldSet()
        parts = []
        for option, part_name in zip(shown.options, names, strict=True):
            fieldset.fields[part_name] = SelectField(
                option.text, choices=select_choices([("", _l("Position…")), *positions]),
                validators=[InputRequired(message=_l("Choose a position.")), _DifferentPositions(names)])
            parts.append(Part(part_name, option.text, option.id))
        fieldset.parts = tuple(parts)
        return fieldset

    def answer(self, data: Mapping[str, Any], question: Question, shown: Shown, fieldset: FieldSet,
               name: str) -> Answer:
        return {part.part_id: str(data.get(part.field_name) or "") for part in fieldset.parts}

    def judge(self, question: Question, answer: Answer) -> tuple[bool, tuple[str, ...]]:
        """Right when every item has the position it has in the quiz file (1, 2, 3 …)."""
        positions = _text_mapping(answer)
        expected = {item.id: str(index) for index, item in enumerate(question.spec.items, start=1)}
        given = {item_id: positions.get(item_id, "") for item_id in expected}
        valid = all(value.isdigit() for value in given.values())
        order_key = ">".join(sorted(given, key=lambda item_id: (int(given[item_id]), item_id))) if valid else ""
        return given == expected, ((order_key,) if order_key else ())

    def right_keys(self, question: Question) -> set[str]:
        return {">".join(item.id for item in question.spec.items)}

    def sample_answer(self, question: Question, rng: random.Random, right: bool) -> Answer:
        positions = list(range(1, len(question.spec.items) + 1))
        if not right and len(positions) > 1:
            while positions == sorted(positions):
                rng.shuffle(positions)
        return {item.id: str(position) for item, position in zip(question.spec.items, positions, strict=True)}

    def describe(self, question: Question, key: str, labels: Mapping[str, str]) -> str:
        texts = {item.id: item.text for item in question.spec.items}
        return " → ".join(texts.get(part, part) for part in key.split(">"))


def _text_mapping(answer: object) -> dict[str, str]:
    """The text-to-text pairs in an answer; anything else is ignored."""
    if not isinstance(answer, Mapping):
        return {}
    return {key: value for key, value in answer.items() if isinstance(key, str) and isinstance(value, str)}
