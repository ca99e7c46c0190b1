"""Match: each prompt with its answer. Prompts and answers are both shown in a drawn order, and the
answers are sent as opaque values (never the pair's id, which is often written like the prompt)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import InputRequired

from ..content.fields import FieldReader
from ..content.yaml_lines import excerpt
from .base import Answer, FieldSet, Option, Part, Question, QuestionKind, Shown, Token, listed_entries, select_choices

MAX_PAIRS = 10


@dataclass(frozen=True)
class MatchPair:
    id: str
    prompt: str
    answer: str


@dataclass(frozen=True)
class Pairs:
    pairs: tuple[MatchPair, ...]


class Match(QuestionKind):
    """Prompts to match with their answers, one answer each."""

    name = "match"
    keys = ("pairs",)

    def parse(self, fields: FieldReader, question_id: str) -> Pairs | None:
        raw_pairs = fields.sequence("pairs")
        if raw_pairs is None:
            return None
        pairs: list[MatchPair] = []
        answers: dict[str, int] = {}
        for line, pair_id, pair_fields in listed_entries(fields, raw_pairs, "pair",
                                                   "'- id: …' with 'prompt:' and 'answer:' lines",
                                                   ("id", "prompt", "answer"), question_id):
            answer = pair_fields.text("answer")
            if answer in answers:
                fields.problems.error(fields.path, line, f"answer '{excerpt(answer)}' is used twice (also on line "
                                      f"{answers[answer]}): every prompt needs its own answer")
            answers[answer] = line
            pairs.append(MatchPair(pair_id, pair_fields.text("prompt"), answer))
        if not 2 <= len(raw_pairs) <= MAX_PAIRS:
            fields.problems.error(fields.path, raw_pairs.line, f"pairs: give 2 to {MAX_PAIRS}, not {len(raw_pairs)}")
        return Pairs(tuple(pairs))

    def shape(self, question: Question) -> tuple[object, ...]:
        return tuple(pair.id for pair in question.spec.pairs)

    def texts(self, question: Question) -> dict[str, str]:
        return {**{f"prompt {pair.id}": pair.prompt for pair in question.spec.pairs},
                **{f"answer {pair.id}": pair.answer for pair in question.spec.pairs}}

    def show(self, question: Question, rng: random.Random, token: Token) -> Shown:
        prompts = list(question.spec.pairs)
        answers = list(question.spec.pairs)
        rng.shuffle(prompts)
        rng.shuffle(answers)
        if len(answers) > 1 and [pair.id for pair in answers] == [pair.id for pair in prompts]:
            answers = answers[1:] + answers[:1]  # never each answer beside its own prompt
        return Shown(options=tuple(Option(pair.id, pair.answer, token(question.id, pair.id)) for pair in answers),
                     prompts=tuple(Option(pair.id, pair.prompt, "") for pair in prompts))

    def form_fields(self, question: Question, shown: Shown, name: str) -> FieldSet:
        options = select_choices([("", _l("Choose…")), *((option.value, option.text) for option in shown.options)])
        fieldset = FieldSet()
        parts = []
        for index, prompt in enumerate(shown.prompts, start=1):
            part_name = f"{name}_{index}"
            fieldset.fields[part_name] = SelectField(prompt.text, choices=options,
                                                     validators=[InputRequired(message=_l("Choose a match."))])
            parts.append(Part(part_name, prompt.text, prompt.id))
        fieldset.parts = tuple(parts)
        return fieldset

    def answer(self, data: Mapping[str, Any], question: Question, shown: Shown, fieldset: FieldSet,
               name: str) -> Answer:
        chosen = {}
        for part in fieldset.parts:
            option = shown.option_by_value(data.get(part.field_name))
            chosen[part.part_id] = option.id if option is not None else ""
        return chosen

    def judge(self, question: Question, answer: Answer) -> tuple[bool, tuple[str, ...]]:
        """Right when every prompt is matched with its own answer."""
        chosen = {key: value for key, value in answer.items()
                  if isinstance(key, str) and isinstance(value, str)} if isinstance(answer, Mapping) else {}
        known = {pair.id for pair in question.spec.pairs}
        keys = tuple(f"{pair.id}={chosen[pair.id]}" for pair in question.spec.pairs
                     if chosen.get(pair.id) in known and chosen[pair.id] != pair.id)
        return all(chosen.get(pair.id) == pair.id for pair in question.spec.pairs), keys

    def sample_answer(self, question: Question, rng: random.Random, right: bool) -> Answer:
        ids = [pair.id for pair in question.spec.pairs]
        chosen = list(ids)
        if not right and len(ids) > 1:
            while chosen == ids:
                rng.shuffle(chosen)
        return dict(zip(ids, chosen, strict=True))

    def describe(self, question: Question, key: str, labels: Mapping[str, str]) -> str:
        pairs = {pair.id: pair for pair in question.spec.pairs}
        prompt, _, answer = key.partition("=")
        if prompt in pairs and answer in pairs:
            return f"{pairs[prompt].prompt} = {pairs[answer].answer}"
        return key
