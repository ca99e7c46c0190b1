"""Grading for every question type, including property tests with tampered answers."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from course_app.content.quiz import Quiz
from course_app.domain.grading import grade
from course_app.questions import KINDS, Question
from course_app.questions.choices import Choice, Choices
from course_app.questions.match import MatchPair, Pairs
from course_app.questions.order import OrderItem, Steps
from course_app.questions.true_false import Statement

SINGLE = Question("one", KINDS["single"], "Pick one", "", 1, Choices((
    Choice("a", "A", True, "right"), Choice("b", "B", False, "wrong"), Choice("c", "C", False, "wrong"))))
MULTIPLE = Question("many", KINDS["multiple"], "Pick all", "", 2, Choices((
    Choice("a", "A", True, ""), Choice("b", "B", True, ""), Choice("c", "C", False, ""))))
TRUE_FALSE = Question("tf", KINDS["true_false"], "Statement", "because", 3, Statement(False))
ORDER = Question("steps", KINDS["order"], "Order", "e", 4, Steps((
    OrderItem("first", "1"), OrderItem("second", "2"), OrderItem("third", "3"))))
MATCH = Question("pairs", KINDS["match"], "Match", "e", 5, Pairs((
    MatchPair("x", "X", "ex"), MatchPair("y", "Y", "why"), MatchPair("z", "Z", "zed"))))
QUIZ = Quiz(60, (SINGLE, MULTIPLE, TRUE_FALSE, ORDER, MATCH), Path("quiz.en.yaml"), "en", 1)

RIGHT = {
    "one": "a",
    "many": ["a", "b"],
    "tf": "false",
    "steps": {"first": "1", "second": "2", "third": "3"},
    "pairs": {"x": "x", "y": "y", "z": "z"},
}


def test_all_right_scores_100_and_passes() -> None:
    result = grade(QUIZ, RIGHT)
    assert [r.correct for r in result.questions] == [True] * 5
    assert (result.score, result.passed) == (100, True)


def test_each_type_judges_wrong_answers() -> None:
    cases = {
        "one": "b",
        "many": ["a"],                                   # one correct missing
        "tf": "true",
        "steps": {"first": "2", "second": "1", "third": "3"},
        "pairs": {"x": "y", "y": "x", "z": "z"},
    }
    for question_id, wrong in cases.items():
        result = grade(QUIZ, {**RIGHT, question_id: wrong})
        verdicts = {r.question.id: r.correct for r in result.questions}
        assert verdicts[question_id] is False, question_id
        assert sum(verdicts.values()) == 4
        assert (result.score, result.passed) == (80, True)


def test_multiple_needs_exactly_the_correct_set() -> None:
    assert not grade(QUIZ, {**RIGHT, "many": ["a", "b", "c"]}).questions[1].correct
    assert grade(QUIZ, {**RIGHT, "many": ["b", "a"]}).questions[1].correct


def test_pass_mark_boundary() -> None:
    answers = {**RIGHT, "one": "b", "tf": "true"}   # 3 of 5 = 60%
    assert grade(QUIZ, answers).score == 60 and grade(QUIZ, answers).passed
    answers["many"] = []
    assert grade(QUIZ, answers).score == 40 and not grade(QUIZ, answers).passed


def test_answer_keys_for_educators() -> None:
    result = grade(QUIZ, {**RIGHT, "steps": {"first": "2", "second": "1", "third": "3"},
                          "pairs": {"x": "y", "y": "x", "z": "z"}})
    keys = {r.question.id: r.answer_keys for r in result.questions}
    assert keys["one"] == ("a",)
    assert keys["many"] == ("a", "b")
    assert keys["tf"] == ("false",)
    assert keys["steps"] == ("second>first>third",)
    assert keys["pairs"] == ("x=y", "y=x")


answer_values = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.lists(st.text(max_size=10), max_size=6),
    st.dictionaries(st.text(max_size=10), st.text(max_size=5), max_size=6),
    st.integers(),
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(["one", "many", "tf", "steps", "pairs", "other"]), answer_values))
def test_tampered_answers_never_crash_and_never_gain(answers: dict) -> None:  # type: ignore[type-arg]
    result = grade(QUIZ, answers)
    assert 0 <= result.score <= 100
    for question_result in result.questions:
        given_answer = answers.get(question_result.question.id)
        if question_result.correct:
            # A right verdict only for an answer that is right by the rules of its type.
            assert _is_right(question_result.question.id, given_answer)
        assert all(len(key) < 500 for key in question_result.answer_keys)


def _is_right(question_id: str, value: object) -> bool:
    expected = RIGHT[question_id]
    if question_id == "many":
        return isinstance(value, (list, tuple)) and set(value) == set(expected)
    if question_id == "one":
        return value == "a" or value == ["a"]
    return value == expected
