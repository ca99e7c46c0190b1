"""Judging quiz answers: pure functions, no database, no Flask.

Each question's kind judges it (``course_app.questions``) from the learner's answer exactly as
the form delivered it, decoded to the author's ids; answers that do not fit the question (an
unknown choice, a missing item) are simply wrong, never an error. With a question bank only the
questions an attempt asked are graded, and the score is the share of those answered right.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..content.quiz import Quiz
from ..questions import Answer, Question


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    correct: bool
    given: Answer
    # Counters for educators: what was answered, as short keys (choice ids, "true", "a>b>c", "p=q", "1948").
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
        """The share of the questions asked answered right, as a whole percentage (rounded down)."""
        total = len(self.questions)
        return (100 * self.correct_count) // total if total else 0

    @property
    def passed(self) -> bool:
        return self.score >= self.quiz.pass_mark


def grade(quiz: Quiz, answers: Mapping[str, Answer], asked: Sequence[Question] | None = None) -> QuizResult:
    """Judge the questions an attempt asked (default: all of ``quiz``); answers to others are ignored."""
    results = []
    for question in asked if asked is not None else quiz.questions:
        given = answers.get(question.id)
        correct, keys = question.kind.judge(question, given)
        results.append(QuestionResult(question, correct, given, keys))
    return QuizResult(quiz, tuple(results))
