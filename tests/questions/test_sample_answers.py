"""Made-up answers for synthetic data: the right one is judged right, a wrong one wrong, for every kind."""

from __future__ import annotations

import random
from pathlib import Path

from course_app.questions import KINDS
from tests.questions.test_kinds import load_quiz


def test_sample_answers_are_judged_as_asked(tmp_path: Path) -> None:
    quiz, problems = load_quiz(tmp_path)
    assert quiz is not None, problems
    assert {question.kind.name for question in quiz.questions} == set(KINDS)
    rng = random.Random(3)
    for question in quiz.questions:
        for _ in range(20):
            assert question.kind.judge(question, question.kind.sample_answer(question, rng, True))[0], question.id
            assert not question.kind.judge(question, question.kind.sample_answer(question, rng, False))[0], question.id
