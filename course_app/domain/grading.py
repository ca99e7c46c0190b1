"""Judging quiz answers: pure functions, no database, no Flask.

Each question type has a judge in ``JUDGES``. A judge gets the question and the learner's
answer exactly as the form delivered it and decides whether it is right; answers that do
not fit the question (an unknown choice, a missing item) are simply wrong, never an error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ..content.quiz import Question, QuestionType, Quiz

# What a form delivers for one question: a choice id (single, true_false), several choice
# ids (multiple), or a mapping of item/prompt id to position/answer id (order, match).
Answer = str | Sequence[str] | Mapping[str, str] | None


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    correct: bool
    given: Answer
    # Counters for educators: what was answered, as short keys (choice ids, "true", "a>b>c", "p=q").
    answer_keys: tuple[str, ...]


@dataclass(frozen=True)
class QuizResult:
    quiz: Quiz
    questions: tuple[QuestionResult, ...]

    @property
    def correct_count(self) -> int:
        return sum(result.correct for result in self.questions)

    @property
    def score(self) -> int:
        """The share of questions answered right, as a whole percentage (rounded down)."""
        total = len(self.questions)
        return (100 * self.correct_count) // total if total else 0

    @property
    def passed(self) -> bool:
        return self.score >= self.quiz.pass_mark


def _as_set(answer: object) -> frozenset[str]:
    """The choice ids in an answer; anything that is not text counts as no choice."""
    if isinstance(answer, str):
        return frozenset({answer})
    if isinstance(answer, (list, tuple, set, frozenset)):
        return frozenset(item for item in answer if isinstance(item, str))
    return frozenset()


def _as_mapping(answer: object) -> Mapping[str, str]:
    """The text-to-text pairs in an answer; anything else is ignored."""
    if not isinstance(answer, Mapping):
        return {}
    return {key: value for key, value in answer.items() if isinstance(key, str) and isinstance(value, str)}


def judge_choices(question: Question, answer: Answer) -> tuple[bool, tuple[str, ...]]:
    """single and multiple: right when exactly the correct choices were picked."""
    picked = _as_set(answer)
    if question.type is QuestionType.SINGLE and len(picked) > 1:
        return False, ()
    known = {choice.id for choice in question.choices}
    keys = tuple(sorted(picked & known))
    return picked == question.correct_choice_ids, keys


def judge_true_false(question: Question, answer: Answer) -> tuple[bool, tuple[str, ...]]:
    if not isinstance(answer, str) or answer not in ("true", "false"):
        return False, ()
    return (answer == "true") == question.answer, (str(answer),)


def judge_order(question: Question, answer: Answer) -> tuple[bool, tuple[str, ...]]:
    """Right when every item has the position it has in the quiz file (1, 2, 3 …)."""
    positions = _as_mapping(answer)
    expected = {item.id: str(index) for index, item in enumerate(question.items, start=1)}
    given = {item_id: positions.get(item_id, "") for item_id in expected}
    correct = given == expected
    valid = all(value.isdigit() for value in given.values())
    order_key = ">".join(sorted(given, key=lambda item_id: (int(given[item_id]), item_id))) if valid else ""
    return correct, ((order_key,) if order_key else ())


def judge_match(question: Question, answer: Answer) -> tuple[bool, tuple[str, ...]]:
    """Right when every prompt is matched with its own answer."""
    chosen = _as_mapping(answer)
    known = {pair.id for pair in question.pairs}
    keys = tuple(f"{pair.id}={chosen[pair.id]}" for pair in question.pairs
                 if chosen.get(pair.id) in known and chosen[pair.id] != pair.id)
    correct = all(chosen.get(pair.id) == pair.id for pair in question.pairs)
    return correct, keys


JUDGES: dict[QuestionType, Callable[[Question, Answer], tuple[bool, tuple[str, ...]]]] = {
    QuestionType.SINGLE: judge_choices,
    QuestionType.MULTIPLE: judge_choices,
    QuestionType.TRUE_FALSE: judge_true_false,
    QuestionType.ORDER: judge_order,
    QuestionType.MATCH: judge_match,
}


def grade(quiz: Quiz, answers: Mapping[str, Answer]) -> QuizResult:
    """Judge every question of ``quiz``; answers to questions it does not have are ignored."""
    results = []
    for question in quiz.questions:
        given = answers.get(question.id)
        correct, keys = JUDGES[question.type](question, given)
        results.append(QuestionResult(question, correct, given, keys))
    return QuizResult(quiz, tuple(results))
