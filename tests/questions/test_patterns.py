"""Answering the starter course's quizzes by pattern must not pass more often than blind guessing.

For every quiz, 200 attempts per strategy, each a new draw (as a learner's retries are):
"first option", "longest option", "always false" (true/false; the first option elsewhere) and
blind random guessing. The pass rates are printed (run with -s to see them); a pattern that
passes clearly more often than guessing fails the test.
"""

from __future__ import annotations

import math
import random

import pytest
from flask import Flask

from course_app.content.quiz import Quiz
from course_app.domain.grading import grade
from course_app.questions import Answer, Question
from course_app.questions.base import Shown
from course_app.questions.draw import draw_quiz
from tests.helpers import starter_quiz

ATTEMPTS = 200
STRATEGIES = ("first option", "longest option", "always false", "random")


def answer_by(strategy: str, question: Question, shown: Shown, rng: random.Random) -> Answer:
    """What a learner who follows ``strategy`` answers, in the author's ids (as the form would decode it)."""
    options = list(shown.options)
    if question.type == "true_false":
        if strategy == "always false":
            return "false"
        if strategy == "random":
            return rng.choice(["true", "false"])
        return "true"  # "True" is the first option and as long as "False"
    if question.type == "number":
        return str(rng.randrange(1900, 2030))
    if strategy == "random":
        if question.type == "single":
            return rng.choice(options).id
        if question.type == "multiple":
            return [option.id for option in options if rng.random() < 0.5] or [rng.choice(options).id]
        if question.type == "order":
            positions = list(range(1, len(options) + 1))
            rng.shuffle(positions)
            return {option.id: str(position) for option, position in zip(options, positions, strict=True)}
        return {prompt.id: rng.choice(options).id for prompt in shown.prompts}
    pick = max(options, key=lambda option: len(option.text)) if strategy == "longest option" else options[0]
    if question.type in ("single", "multiple"):
        return pick.id if question.type == "single" else [pick.id]
    if question.type == "order":
        return {option.id: str(position) for position, option in enumerate(options, start=1)}
    return {prompt.id: pick.id for prompt in shown.prompts}


def pass_rate(quiz: Quiz, strategy: str, seed: int) -> float:
    rng = random.Random(seed)
    passed = 0
    for attempt in range(ATTEMPTS):
        draw = draw_quiz(quiz, f"{strategy}-{seed}-{attempt}", "pattern-test")
        answers = {question.id: answer_by(strategy, question, draw.shown[question.id], rng)
                   for question in draw.questions}
        passed += grade(quiz, answers, draw.questions).passed
    return passed / ATTEMPTS


def starter_quizzes(app: Flask) -> dict[str, Quiz]:
    course = app.extensions["course_app.catalogue"].catalogue.course("trade-unions")
    return {lesson.slug: starter_quiz(app, lesson.slug) for lesson in course.lessons
            if lesson.texts["en"].quiz is not None}


@pytest.mark.parametrize("strategy", [s for s in STRATEGIES if s != "random"])
def test_no_pattern_passes_clearly_more_often_than_guessing(app: Flask, strategy: str) -> None:
    report = []
    for slug, quiz in starter_quizzes(app).items():
        guessing = pass_rate(quiz, "random", 1)
        pattern = pass_rate(quiz, strategy, 2)
        # "Clearly more often": beyond three standard errors of the difference of two rates, plus 5 points.
        spread = math.sqrt(max(guessing * (1 - guessing), 0.01) * 2 / ATTEMPTS)
        report.append(f"{slug}: {strategy} {pattern:.0%}, random guessing {guessing:.0%}")
        assert pattern <= guessing + 3 * spread + 0.05, "; ".join(report)
    print("\n".join(report))
