"""Quizzes in lesson folders (``quiz.<lang>.yaml``): the schema, its parser and its checks.

Each question type has a parser in ``QUESTION_PARSERS``; judging answers lives apart, in
``course_app.domain.grading``. A translation repeats the original's structure (ids, types,
which answers are right, the pass mark) and only translates the texts; ``compare_structure``
reports where it does not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from .fields import SLUG_PATTERN, FieldReader
from .problems import ProblemList
from .yaml_lines import LineDict, LineList

MIN_QUESTIONS = 1
MAX_QUESTIONS = 50
MAX_OPTIONS = 10


class QuestionType(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUE_FALSE = "true_false"
    ORDER = "order"
    MATCH = "match"


@dataclass(frozen=True)
class Choice:
    """An answer to pick (single, multiple), with whether it is right and why."""

    id: str
    text: str
    correct: bool
    explain: str


@dataclass(frozen=True)
class OrderItem:
    """One thing to put in order; the quiz file lists them in the right order."""

    id: str
    text: str


@dataclass(frozen=True)
class MatchPair:
    """A prompt and the answer that belongs to it."""

    id: str
    prompt: str
    answer: str


@dataclass(frozen=True)
class Question:
    id: str
    type: QuestionType
    text: str
    explain: str
    line: int
    choices: tuple[Choice, ...] = ()
    answer: bool | None = None
    items: tuple[OrderItem, ...] = ()
    pairs: tuple[MatchPair, ...] = ()

    @property
    def correct_choice_ids(self) -> frozenset[str]:
        return frozenset(choice.id for choice in self.choices if choice.correct)

    def shape(self) -> tuple[object, ...]:
        """What a translation must keep identical: ids, type and which answers are right."""
        return (
            self.id,
            self.type.value,
            tuple((c.id, c.correct) for c in self.choices),
            self.answer,
            tuple(item.id for item in self.items),
            tuple(pair.id for pair in self.pairs),
        )


@dataclass(frozen=True)
class Quiz:
    pass_mark: int
    questions: tuple[Question, ...]
    path: Path
    lang: str
    revision: int | None = None
    translation_of: int | None = None

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


QUIZ_KEYS = ("revision", "translation_of", "pass_mark", "questions")
COMMON_QUESTION_KEYS = ("id", "type", "text", "explain")


def parse_quiz(data: object, path: Path, lang: str, is_original: bool, problems: ProblemList) -> Quiz | None:
    """Build a Quiz from parsed YAML, reporting every problem; None when it cannot be used."""
    if not isinstance(data, LineDict):
        problems.error(path, 1, "a quiz file must be a list of 'key: value' lines (revision, pass_mark, questions)")
        return None
    before = len(problems.errors)
    fields = FieldReader(data, path, problems)
    fields.check_keys(QUIZ_KEYS)
    revision = translation_of = None
    if is_original:
        revision = fields.integer("revision", default=1, minimum=1)
        if fields.has("translation_of"):
            problems.error(path, fields.line("translation_of"),
                           "'translation_of' belongs in translations; the original has 'revision'")
    else:
        translation_of = fields.integer("translation_of", minimum=1)
        if fields.has("revision"):
            problems.error(path, fields.line("revision"),
                           "'revision' belongs in the original; a translation says 'translation_of: N'")
        elif translation_of is None:
            problems.warning(path, data.line, "add 'translation_of: N' (the original's revision this follows)",
                             rule="stale")
    pass_mark = fields.integer("pass_mark", required=True, minimum=1, maximum=100)
    questions: list[Question] = []
    raw_questions = fields.sequence("questions")
    if raw_questions is not None:
        if not MIN_QUESTIONS <= len(raw_questions) <= MAX_QUESTIONS:
            problems.error(path, raw_questions.line,
                           f"a quiz has {MIN_QUESTIONS} to {MAX_QUESTIONS} questions, this one has {len(raw_questions)}")
        seen: dict[str, int] = {}
        for index, raw in enumerate(raw_questions):
            question = _parse_question(raw, raw_questions.line_of(index), path, problems)
            if question is None:
                continue
            if question.id in seen:
                problems.error(path, question.line,
                               f"duplicate question id '{question.id}' (first on line {seen[question.id]})")
                continue
            seen[question.id] = question.line
            questions.append(question)
    if len(problems.errors) > before or pass_mark is None:
        return None
    return Quiz(pass_mark, tuple(questions), path, lang, revision, translation_of)


def _parse_question(raw: object, line: int, path: Path, problems: ProblemList) -> Question | None:
    if not isinstance(raw, LineDict):
        problems.error(path, line, "each question is a group of 'key: value' lines starting with '- id:'")
        return None
    fields = FieldReader(raw, path, problems, where=f"the question on line {raw.line}")
    question_id = fields.text("id")
    if question_id and not SLUG_PATTERN.match(question_id):
        problems.error(path, fields.line("id"), f"question id '{question_id}' must be lowercase letters, digits and hyphens")
    type_name = fields.text("type")
    try:
        question_type = QuestionType(type_name)
    except ValueError:
        if type_name:
            known = ", ".join(t.value for t in QuestionType)
            problems.error(path, fields.line("type"), f"unknown question type '{type_name}' (use one of: {known})")
        return None
    parser = QUESTION_PARSERS[question_type]
    before = len(problems.errors)
    question = parser(fields, question_id, question_type)
    if len(problems.errors) > before:
        return None
    return question


def _parse_choices(fields: FieldReader, question_id: str, question_type: QuestionType) -> Question:
    fields.check_keys((*COMMON_QUESTION_KEYS, "choices"))
    choices: list[Choice] = []
    raw_choices = fields.sequence("choices")
    if raw_choices is not None:
        seen: set[str] = set()
        for index, raw in enumerate(raw_choices):
            line = raw_choices.line_of(index)
            if not isinstance(raw, LineDict):
                fields.problems.error(fields.path, line, "each choice is '- id: …' with text, and correct/explain lines")
                continue
            choice_fields = FieldReader(raw, fields.path, fields.problems, where=f"the choice on line {line}")
            choice_fields.check_keys(("id", "text", "correct", "explain"))
            choice_id = choice_fields.text("id")
            if choice_id in seen:
                fields.problems.error(fields.path, line, f"duplicate choice id '{choice_id}' in question '{question_id}'")
            seen.add(choice_id)
            choices.append(Choice(choice_id, choice_fields.text("text"), choice_fields.boolean("correct"),
                                  choice_fields.text("explain", required=False)))
        _check_count(fields, raw_choices, "choices", 2, MAX_OPTIONS)
        correct = sum(choice.correct for choice in choices)
        if correct == 0:
            fields.problems.error(fields.path, fields.line("choices"),
                                  f"question '{question_id}' has no correct answer: mark one with 'correct: true'")
        elif question_type is QuestionType.SINGLE and correct > 1:
            fields.problems.error(fields.path, fields.line("choices"),
                                  f"question '{question_id}' is 'single' but has {correct} correct choices "
                                  "(use type: multiple)")
    return Question(question_id, question_type, fields.text("text"), fields.text("explain", required=False),
                    fields.line(), choices=tuple(choices))


def _parse_true_false(fields: FieldReader, question_id: str, question_type: QuestionType) -> Question:
    fields.check_keys((*COMMON_QUESTION_KEYS, "answer"))
    answer = None
    if not fields.has("answer"):
        fields.missing("answer", " (true or false)")
    else:
        answer = fields.boolean("answer")
    return Question(question_id, question_type, fields.text("text"), fields.text("explain"), fields.line(),
                    answer=answer)


def _parse_order(fields: FieldReader, question_id: str, question_type: QuestionType) -> Question:
    fields.check_keys((*COMMON_QUESTION_KEYS, "items"))
    items: list[OrderItem] = []
    raw_items = fields.sequence("items")
    if raw_items is not None:
        seen: set[str] = set()
        for index, raw in enumerate(raw_items):
            line = raw_items.line_of(index)
            if not isinstance(raw, LineDict):
                fields.problems.error(fields.path, line, "each item is '- id: …' with a 'text:' line")
                continue
            item_fields = FieldReader(raw, fields.path, fields.problems, where=f"the item on line {line}")
            item_fields.check_keys(("id", "text"))
            item_id = item_fields.text("id")
            if item_id in seen:
                fields.problems.error(fields.path, line, f"duplicate item id '{item_id}' in question '{question_id}'")
            seen.add(item_id)
            items.append(OrderItem(item_id, item_fields.text("text")))
        _check_count(fields, raw_items, "items", 2, MAX_OPTIONS)
    return Question(question_id, question_type, fields.text("text"), fields.text("explain"), fields.line(),
                    items=tuple(items))


def _parse_match(fields: FieldReader, question_id: str, question_type: QuestionType) -> Question:
    fields.check_keys((*COMMON_QUESTION_KEYS, "pairs"))
    pairs: list[MatchPair] = []
    raw_pairs = fields.sequence("pairs")
    if raw_pairs is not None:
        seen: set[str] = set()
        answers: dict[str, int] = {}
        for index, raw in enumerate(raw_pairs):
            line = raw_pairs.line_of(index)
            if not isinstance(raw, LineDict):
                fields.problems.error(fields.path, line, "each pair is '- id: …' with 'prompt:' and 'answer:' lines")
                continue
            pair_fields = FieldReader(raw, fields.path, fields.problems, where=f"the pair on line {line}")
            pair_fields.check_keys(("id", "prompt", "answer"))
            pair_id = pair_fields.text("id")
            if pair_id in seen:
                fields.problems.error(fields.path, line, f"duplicate pair id '{pair_id}' in question '{question_id}'")
            seen.add(pair_id)
            answer = pair_fields.text("answer")
            if answer in answers:
                fields.problems.error(fields.path, line,
                                      f"answer '{answer}' is used twice (also on line {answers[answer]}): "
                                      "every prompt needs its own answer")
            answers[answer] = line
            pairs.append(MatchPair(pair_id, pair_fields.text("prompt"), answer))
        _check_count(fields, raw_pairs, "pairs", 2, MAX_OPTIONS)
    return Question(question_id, question_type, fields.text("text"), fields.text("explain"), fields.line(),
                    pairs=tuple(pairs))


def _check_count(fields: FieldReader, values: LineList, name: str, minimum: int, maximum: int) -> None:
    if not minimum <= len(values) <= maximum:
        fields.problems.error(fields.path, values.line, f"{name}: give {minimum} to {maximum}, not {len(values)}")


QUESTION_PARSERS: dict[QuestionType, Callable[[FieldReader, str, QuestionType], Question]] = {
    QuestionType.SINGLE: _parse_choices,
    QuestionType.MULTIPLE: _parse_choices,
    QuestionType.TRUE_FALSE: _parse_true_false,
    QuestionType.ORDER: _parse_order,
    QuestionType.MATCH: _parse_match,
}


def compare_structure(original: Quiz, translation: Quiz, problems: ProblemList) -> bool:
    """Report where a translated quiz differs from the original in anything but its texts.

    :returns: True when the structures match.
    """
    ok = True
    path = translation.path
    if translation.pass_mark != original.pass_mark:
        problems.error(path, 1, f"pass_mark is {translation.pass_mark} here but {original.pass_mark} "
                       f"in the original {original.path.name}", rule="translation")
        ok = False
    original_ids = [q.id for q in original.questions]
    translated_ids = [q.id for q in translation.questions]
    if original_ids != translated_ids:
        problems.error(path, 1, f"questions differ from the original {original.path.name}: "
                       f"expected {', '.join(original_ids)}; found {', '.join(translated_ids)}", rule="translation")
        return False
    for source, translated in zip(original.questions, translation.questions, strict=True):
        if source.shape() != translated.shape():
            problems.error(path, translated.line,
                           f"question '{translated.id}' does not match the original (line {source.line} of "
                           f"{original.path.name}): keep its type, ids, correct answers and order; translate only texts",
                           rule="translation")
            ok = False
    return ok
