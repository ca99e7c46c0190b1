"""Quizzes in lesson folders (``quiz.<lang>.yaml``): the schema, its parser and its checks.

Each question type is one unit in ``course_app.questions`` (its own keys, drawing, form fields,
judging); this module reads what every quiz and question has, hands each question's own keys to
its kind, and checks the quiz as a whole: question banks (``ask``), the structure a translation
must keep (``compare_structure``), and patterns that would let a learner pass without
understanding (``check_guessable`` for one quiz, ``check_course_guessable`` for a course's quizzes in
one language; warnings that ``lessons check --strict`` makes errors).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..questions import KINDS, Question
from .fields import FieldReader
from .problems import ProblemList
from .yaml_lines import LineDict, excerpt

MIN_QUESTIONS = 1
MAX_QUESTIONS = 50


@dataclass(frozen=True)
class AskRule:
    """How many questions an attempt asks: ``ask: 5``, or so many from each group (``ask: {cases: 3}``)."""

    total: int | None = None
    per_group: tuple[tuple[str, int], ...] = ()

    def choose(self, questions: tuple[Question, ...], rng: random.Random) -> tuple[Question, ...]:
        """The questions one attempt asks, drawn by ``rng``, in the order the quiz file gives them."""
        if self.total is not None:
            picked = set(rng.sample(range(len(questions)), min(self.total, len(questions))))
        else:
            picked = set()
            for group, count in self.per_group:
                members = [index for index, question in enumerate(questions) if question.group == group]
                picked |= set(rng.sample(members, min(count, len(members))))
        return tuple(question for index, question in enumerate(questions) if index in picked)

    @property
    def asked(self) -> int:
        return self.total if self.total is not None else sum(count for _group, count in self.per_group)


@dataclass(frozen=True)
class Quiz:
    pass_mark: int
    questions: tuple[Question, ...]
    path: Path
    lang: str
    revision: int | None = None
    translation_of: int | None = None
    ask: AskRule | None = None

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


QUIZ_KEYS = ("revision", "translation_of", "pass_mark", "ask", "questions")
COMMON_QUESTION_KEYS = ("id", "type", "text", "explain", "section", "group")


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
                           f"a quiz has {MIN_QUESTIONS} to {MAX_QUESTIONS} questions, "
                           f"this one has {len(raw_questions)}")
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
    ask = _read_ask(fields, tuple(questions), problems)
    if len(problems.errors) > before or pass_mark is None:
        return None
    quiz = Quiz(pass_mark, tuple(questions), path, lang, revision, translation_of, ask)
    if is_original:
        check_guessable(quiz, problems)
    return quiz


def _read_ask(fields: FieldReader, questions: tuple[Question, ...], problems: ProblemList) -> AskRule | None:
    """``ask: N`` (N of all questions) or ``ask: {group: N, …}`` (N of each group's questions)."""
    if not fields.has("ask"):
        return None
    line = fields.line("ask")
    raw = fields.data["ask"]
    if isinstance(raw, int) and not isinstance(raw, bool):
        if not 1 <= raw <= len(questions):
            problems.error(fields.path, line, f"ask: {raw} questions, but the quiz has {len(questions)}: "
                           f"give a number from 1 to {len(questions)}")
            return None
        return AskRule(total=raw)
    if not isinstance(raw, LineDict):
        problems.error(fields.path, line, "ask is a number (ask: 5) or a number per group (ask: followed by "
                       "lines such as '  cases: 3')")
        return None
    groups = {question.group for question in questions}
    per_group = []
    for group, count in raw.items():
        members = sum(question.group == group for question in questions)
        if group not in groups:
            problems.error(fields.path, raw.line_of(group), f"ask: no question has 'group: {group}'")
        elif isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= members:
            problems.error(fields.path, raw.line_of(group), f"ask: {group}: give a number from 1 to {members} "
                           f"(the questions in that group)")
        else:
            per_group.append((str(group), count))
    for question in questions:
        if question.group is None or question.group not in raw:
            problems.error(fields.path, question.line, f"question '{question.id}' is in no group that 'ask' names, "
                           "so it would never be asked: give it a 'group:' from 'ask'")
    return AskRule(per_group=tuple(per_group))


def _parse_question(raw: object, line: int, path: Path, problems: ProblemList) -> Question | None:
    if not isinstance(raw, LineDict):
        problems.error(path, line, "each question is a group of 'key: value' lines starting with '- id:'")
        return None
    fields = FieldReader(raw, path, problems, where=f"the question on line {raw.line}")
    question_id = fields.identifier("id", what="question")
    type_name = fields.text("type")
    kind = KINDS.get(type_name)
    if kind is None:
        if type_name:
            problems.error(path, fields.line("type"), f"unknown question type '{excerpt(type_name)}' "
                           f"(use one of: {', '.join(KINDS)})")
        return None
    fields.check_keys((*COMMON_QUESTION_KEYS, *kind.keys))
    before = len(problems.errors)
    spec = kind.parse(fields, question_id)
    text = fields.text("text")
    explain = fields.text("explain", required=kind.name not in ("single", "multiple"))
    section = fields.integer("section", minimum=1)
    group = fields.slug("group", required=False) or None
    if spec is None or len(problems.errors) > before:
        return None
    return Question(question_id, kind, text, explain, fields.line(), spec, section, group)


# -- quizzes that can be passed by pattern ---------------------------------------------------------

GUESSABLE = "guessable"
ONE_POSITION_FROM = 3
LONGEST_FROM = 3
TRUE_FALSE_FROM = 4
SAME_ANSWER_SHARE = 0.8
# Across a course, in each language: the share of single-choice questions whose right answer is the
# strictly longest choice must lie in this range (in per cent). Below it, "avoid the longest" passes;
# above it, "pick the longest" does. docs/authoring.md states the same range.
LONGEST_RIGHT_PERCENT = (20, 45)
# Fewer questions than this in a course and language are too few to show a pattern.
COURSE_PATTERN_FROM = 5


def check_guessable(quiz: Quiz, problems: ProblemList) -> None:
    """Warn about patterns that let a learner pass by guessing the pattern instead of knowing the answer.

    Choices are shuffled for every attempt on the site, but a quiz is also printed, exported and
    read in its file; and a pattern in how answers are written (the right one always the longest)
    survives any shuffling.
    """
    path = quiz.path
    facts = [(question, question.kind.facts(question)) for question in quiz.questions]
    with_choices = [(q, f) for q, f in facts if f.right_positions]
    first_positions = {f.right_positions[0] for _q, f in with_choices}
    if len(with_choices) >= ONE_POSITION_FROM and len(first_positions) == 1:
        position = first_positions.pop() + 1
        problems.warning(path, with_choices[0][0].line, f"the right answer is choice {position} in all "
                         f"{len(with_choices)} choice questions: vary where it is written", rule=GUESSABLE)
    single = [(q, f) for q, f in facts if f.right_is_longest is not None]
    if len(single) >= LONGEST_FROM and all(f.right_is_longest for _q, f in single):
        problems.warning(path, single[0][0].line, f"the right answer is the longest choice in all {len(single)} "
                         "single-choice questions: make some wrong answers as long and as precise", rule=GUESSABLE)
    statements = [(q, f.true_false) for q, f in facts if f.true_false is not None]
    if len(statements) >= TRUE_FALSE_FROM:
        trues = sum(1 for _q, answer in statements if answer)
        majority = max(trues, len(statements) - trues)
        if majority / len(statements) >= SAME_ANSWER_SHARE:
            word = "true" if trues > len(statements) - trues else "false"
            problems.warning(path, statements[0][0].line, f"{majority} of {len(statements)} true/false statements are "
                             f"{word}: balance them so that always answering {word} does not pass", rule=GUESSABLE)
    for question, fact in facts:
        if fact.choice_count is not None and fact.choice_count < 3:
            problems.warning(path, question.line, f"question '{question.id}' has only {fact.choice_count} choices: "
                             "give at least three (a coin toss passes two)", rule=GUESSABLE)


def check_course_guessable(course_file: Path, quizzes: Iterable[Quiz], problems: ProblemList) -> None:
    """Warn, per language, about patterns that only show across a course's quizzes taken together.

    A learner meets the whole course, so a habit of the writers becomes a rule a guesser can learn:
    every multiple-answer question with the same number of right answers, or the right single-choice
    answer nearly never (or too often) the longest. Reported at ``course_file``, line 1.

    :param quizzes: the quizzes of every lesson, in every language (each is counted in its own language).
    """
    by_lang: dict[str, list[Quiz]] = {}
    for quiz in quizzes:
        by_lang.setdefault(quiz.lang, []).append(quiz)
    low, high = LONGEST_RIGHT_PERCENT
    for lang, found in sorted(by_lang.items()):
        questions = [question for quiz in found for question in quiz.questions]
        counts = [len(question.kind.facts(question).right_positions) for question in questions
                  if question.kind.name == "multiple"]
        if len(counts) >= COURSE_PATTERN_FROM and len(set(counts)) == 1:
            problems.warning(course_file, 1, f"{lang}: all {len(counts)} multiple-answer questions of the course have "
                             f"{counts[0]} right answers: vary it (from one right answer to all of them), so that "
                             f"ticking {counts[0]} never gives the answer away", rule=GUESSABLE)
        longest = [fact.right_is_longest for fact in (question.kind.facts(question) for question in questions)
                   if fact.right_is_longest is not None]
        if len(longest) >= COURSE_PATTERN_FROM:
            right = sum(longest)
            percent = 100 * right / len(longest)
            if not low <= percent <= high:
                advice = ("make more right answers as long and as precise as the wrong ones" if percent < low
                          else "make more wrong answers as long and as precise as the right one")
                problems.warning(course_file, 1,
                                 f"{lang}: the right answer is the strictly longest choice in {right} of "
                                 f"{len(longest)} single-choice questions ({percent:.1f} %), outside {low}–{high} %: "
                                 f"{advice}", rule=GUESSABLE)


# Numbers, years and the names of conventions and protocols (C87, P29) read the same in every language.
_SAME_IN_EVERY_LANGUAGE = re.compile(r"\b(?:[CP]\d+|\d[\d.,/-]*|ILO|ICJ|CFA|ITUC|NORMLEX)\b", re.I)


def untranslated(original: str, translation: str) -> bool:
    """Whether a translated text is the original's words unchanged (numbers and convention names aside)."""
    words = _SAME_IN_EVERY_LANGUAGE.sub(" ", original).split()
    return bool(words) and original.strip() == translation.strip()


# How each kind's shape (see QuestionKind.shape) reads in a message: its parts' name and the fields of each part.
_SHAPE_PARTS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "single": ("choice", ("id", "correct", "fixed")),
    "multiple": ("choice", ("id", "correct", "fixed")),
    "order": ("item", ("id",)),
    "match": ("pair", ("id",)),
}


def _shown(value: object) -> str:
    """A value as a quiz file writes it: true/false, a number, a quoted id, or 'none'."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, AskRule):
        return str(value.total) if value.total is not None else \
            "{" + ", ".join(f"{group}: {count}" for group, count in value.per_group) + "}"
    return str(value)


def _differs(what: str, mine: object, theirs: object) -> str:
    return f"{what} is {_shown(mine)} here, {_shown(theirs)} in the original"


def _kind_differences(source: Question, translated: Question) -> list[str]:
    """What differs in the kind's own ids and right answers, part by part (choice 2's correct, item 3's id …)."""
    part, names = _SHAPE_PARTS.get(source.type, (None, ("answer",)))
    mine, theirs = translated.kind.shape(translated), source.kind.shape(source)
    if part is None:
        return [_differs(name, a, b) for name, a, b in zip(names, mine, theirs, strict=False) if a != b]
    found = []
    if len(mine) != len(theirs):
        found.append(f"{len(mine)} {part}s here, {len(theirs)} in the original")
    for number, (a, b) in enumerate(zip(mine, theirs, strict=False), start=1):
        a_fields = a if isinstance(a, tuple) else (a,)
        b_fields = b if isinstance(b, tuple) else (b,)
        for name, a_value, b_value in zip(names, a_fields, b_fields, strict=False):
            if a_value != b_value:
                found.append(_differs(f"{part} {number}'s {name}", a_value, b_value))
    return found


def quiz_differences(original: Quiz, translation: Quiz) -> list[tuple[int, str]]:
    """Every way a translated quiz differs from its original in anything but its texts, as (line, what differs).

    Ids, types, right answers, sections, groups, the order of questions and parts, the pass mark
    and ``ask``: each difference names the field and both values.
    """
    found: list[tuple[int, str]] = []
    if translation.pass_mark != original.pass_mark:
        found.append((1, _differs("pass_mark", translation.pass_mark, original.pass_mark)))
    if translation.ask != original.ask:
        found.append((1, _differs("ask", translation.ask, original.ask)))
    if len(translation.questions) != len(original.questions):
        found.append((1, f"{len(translation.questions)} questions here, {len(original.questions)} in the original"))
    for number, (source, translated) in enumerate(zip(original.questions, translation.questions, strict=False),
                                                  start=1):
        for name, mine, theirs in (("id", translated.id, source.id), ("type", translated.type, source.type),
                                   ("section", translated.section, source.section),
                                   ("group", translated.group, source.group)):
            if mine != theirs:
                found.append((translated.line, _differs(f"question {number}'s {name}", mine, theirs)))
        if source.type == translated.type and source.kind.shape(source) != translated.kind.shape(translated):
            found.extend((translated.line, f"question {number}: {difference}")
                         for difference in _kind_differences(source, translated))
    return found


def compare_structure(original: Quiz, translation: Quiz, problems: ProblemList) -> bool:
    """Warn where a translated quiz differs from the original in anything but its texts, and where a text was
    left word for word as the original's.

    A quiz that differs is **stale**, whatever its ``translation_of`` says: its readers get the original
    quiz until it is brought in line (a warning, never an error that holds the lesson back).
    :returns: True when the structures match.
    """
    path = translation.path
    differences = quiz_differences(original, translation)
    for line, difference in differences:
        problems.warning(path, line, f"stale translation: differs from the original {original.path.name} "
                         f"({difference}), so {translation.lang} readers get the original quiz; keep every id, "
                         "type, right answer, section and order as the original has them", rule="stale")
    if differences:
        return False
    for source, translated in zip(original.questions, translation.questions, strict=True):
        theirs = source.kind.texts(source)
        for key, text in translated.kind.texts(translated).items():
            if untranslated(theirs.get(key, ""), text):
                problems.warning(path, translated.line, f"question '{translated.id}', {key}: '{excerpt(text)}' is "
                                 "word for word the original's: translate it", rule="translation")
    return True
