"""Each question kind as a unit: parsing, drawing, form values that say nothing, judging, insights' words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask

from course_app.addresses import ServerLinkStyle
from course_app.content.loader import LoadOptions, load_catalogue
from course_app.content.quiz import Quiz
from course_app.domain.grading import grade
from course_app.learner.forms import quiz_form
from course_app.questions import KINDS
from course_app.questions.draw import draw_from_token, draw_quiz
from tests.factories import make_course, write

OPTIONS = LoadOptions(languages=("en",), link_style=ServerLinkStyle(neutral=False))
EVERY_KIND = """revision: 1
pass_mark: 50
questions:
  - id: pick-one
    type: single
    text: Which convention protects the right to organise?
    section: 1
    choices:
      - {id: c87, text: C87, correct: true, explain: Right.}
      - {id: c29, text: C29, explain: Forced labour.}
      - {id: c95, text: C95, explain: Wages.}
      - {id: none-of-these, text: None of these, fixed: true, explain: One of them does.}
  - id: pick-all
    type: multiple
    text: Which are ILO conventions?
    choices:
      - {id: c98, text: C98, correct: true}
      - {id: c105, text: C105, correct: true}
      - {id: x1, text: X1}
  - id: statement
    type: true_false
    text: The ILO was founded in 1919.
    answer: true
    explain: In 1919, with the Treaty of Versailles.
  - id: steps
    type: order
    text: Put the steps in order.
    explain: Complaint, examination, report.
    items:
      - {id: alpha, text: A complaint is filed}
      - {id: beta, text: The committee examines it}
      - {id: gamma, text: The committee reports}
  - id: pairs
    type: match
    text: Match each convention with its subject.
    explain: See the lesson.
    pairs:
      - {id: dues, prompt: C87, answer: Freedom of association}
      - {id: bargaining, prompt: C98, answer: Collective bargaining}
      - {id: labour, prompt: C29, answer: Forced labour}
  - id: year
    type: number
    text: In which year was C87 adopted?
    answer: 1948
    explain: In 1948, in San Francisco.
"""


def load_quiz(root: Path, text: str = EVERY_KIND) -> tuple[Quiz | None, list[str]]:
    course = make_course(root, lessons=("one",), languages=("en",))
    write(course / "one" / "quiz.en.yaml", text)
    catalogue = load_catalogue(root, OPTIONS)
    lesson = catalogue.course("demo").lessons_by_slug.get("one")
    quiz = lesson.texts["en"].quiz if lesson else None
    return quiz, [p.format(root) for p in catalogue.problems]


def test_every_kind_parses_from_its_own_module(tmp_path: Path) -> None:
    quiz, problems = load_quiz(tmp_path)
    assert quiz is not None, problems
    assert [question.type for question in quiz.questions] == ["single", "multiple", "true_false", "order", "match",
                                                               "number"]
    assert all(question.kind is KINDS[question.type] for question in quiz.questions)
    assert quiz.questions[0].section == 1


def yaml_ids(quiz: Quiz) -> set[str]:
    ids = set()
    for question in quiz.questions:
        spec = question.spec
        ids |= {item.id for item in (*getattr(spec, "choices", ()), *getattr(spec, "items", ()),
                                     *getattr(spec, "pairs", ()))}
    return ids


def test_form_values_say_nothing_and_change_with_the_draw(app: Flask, tmp_path: Path) -> None:
    quiz, _ = load_quiz(tmp_path)
    values = []
    for seed in ("one", "two"):
        draw = draw_quiz(quiz, seed, "secret")
        with app.test_request_context():
            form = quiz_form(draw, formdata=None)
            html = "".join(str(field()) for field in form if field.name != "token")
        found = set(re.findall(r'value="([^"]*)"', html))
        assert not found & yaml_ids(quiz), found & yaml_ids(quiz)
        values.append(found - {"", "true", "false", "1", "2", "3"})
    assert values[0] and values[0].isdisjoint(values[1])


def test_a_draw_is_the_same_for_the_same_seed_and_its_token_cannot_be_forged(tmp_path: Path) -> None:
    quiz, _ = load_quiz(tmp_path)
    first, again = draw_quiz(quiz, "seed", "secret"), draw_quiz(quiz, "seed", "secret")
    assert first == again
    assert draw_from_token(quiz, first.token, "secret") == first
    seed, mac = first.token.split(".")
    for forged in (f"other.{mac}", f"{seed}.{'0' * 16}", seed, ""):
        assert draw_from_token(quiz, forged, "secret") is None
    assert draw_from_token(quiz, first.token, "another secret") is None


def test_fixed_choices_keep_their_place_and_order_is_never_solved(tmp_path: Path) -> None:
    quiz, _ = load_quiz(tmp_path)
    orders = set()
    for seed in range(200):
        draw = draw_quiz(quiz, str(seed), "secret")
        single = draw.shown["pick-one"]
        assert single.options[-1].id == "none-of-these"
        orders.add(tuple(option.id for option in single.options))
        steps = [option.id for option in draw.shown["steps"].options]
        assert steps != ["alpha", "beta", "gamma"]
        pairs = draw.shown["pairs"]
        assert [o.id for o in pairs.options] != [p.id for p in pairs.prompts]
    assert len(orders) == 6  # the three others take every order


def test_each_kind_judges_right_and_wrong(tmp_path: Path) -> None:
    quiz, _ = load_quiz(tmp_path)
    right = {"pick-one": "c87", "pick-all": ["c105", "c98"], "statement": "true",
             "steps": {"alpha": "1", "beta": "2", "gamma": "3"},
             "pairs": {"dues": "dues", "bargaining": "bargaining", "labour": "labour"}, "year": "1948"}
    assert grade(quiz, right).score == 100
    wrong = {"pick-one": "c29", "pick-all": ["c98"], "statement": "false",
             "steps": {"alpha": "2", "beta": "1", "gamma": "3"},
             "pairs": {"dues": "labour", "bargaining": "bargaining", "labour": "dues"}, "year": "1949"}
    result = grade(quiz, wrong)
    assert [item.correct for item in result.questions] == [False] * 6
    assert result.questions[-1].answer_keys == ("1949",)
    # Anything that does not fit is wrong, never an error.
    for junk in (None, 7, "x", ["a", "b"], {"k": 1}, "12345678901234567890", " 0019 48"):
        grade(quiz, dict.fromkeys(right, junk))
    assert grade(quiz, {**right, "year": "01948"}).questions[-1].correct  # leading zeros aside


def test_insight_words_come_from_each_kind(tmp_path: Path) -> None:
    quiz, _ = load_quiz(tmp_path)
    questions = {question.id: question for question in quiz.questions}
    labels = {"true": "True", "false": "False"}
    describe = lambda qid, key: questions[qid].kind.describe(questions[qid], key, labels)  # noqa: E731
    assert describe("pick-one", "c29") == "C29"
    assert describe("statement", "false") == "False"
    assert describe("steps", "beta>alpha>gamma") == \
        "The committee examines it → A complaint is filed → The committee reports"
    assert describe("pairs", "dues=labour") == "C87 = Forced labour"
    assert describe("year", "1949") == "1949"
    assert KINDS["number"].right_keys(questions["year"]) == {"1948"}


def test_the_number_kind_is_one_unit(tmp_path: Path) -> None:
    """Adding fill-in-the-number touched its module, its template, its tests and one registry line."""
    package = Path(__file__).resolve().parents[2] / "course_app"
    users = sorted(str(path.relative_to(package)) for path in package.rglob("*.py")
                   if "FillInTheNumber" in path.read_text(encoding="utf-8"))
    assert users == ["questions/__init__.py", "questions/number.py"]
    templates = sorted(str(path.relative_to(package)) for path in (package / "templates").rglob("*.html")
                       if "spec.answer }}" in path.read_text(encoding="utf-8") and "number" in path.name)
    assert templates == ["templates/questions/number.html"]


@pytest.mark.parametrize(("typed", "right"), [("1948", True), (" 1948 ", True), ("01948", True), ("1949", False)])
def test_number_answers_from_the_form(app: Flask, tmp_path: Path, typed: str, right: bool) -> None:
    quiz, _ = load_quiz(tmp_path)
    draw = draw_quiz(quiz, "seed", "secret")
    year = next(fields for fields in quiz_form_for(app, draw).questions if fields.question.id == "year")
    with app.test_request_context(method="POST", data={year.name: typed, "token": draw.token}):
        form = quiz_form(draw)
        form.validate()
        answers = form.answers()
    assert KINDS["number"].judge(year.question, answers["year"])[0] is right


def quiz_form_for(app: Flask, draw):  # type: ignore[no-untyped-def]
    with app.test_request_context():
        return quiz_form(draw, formdata=None)


@pytest.mark.parametrize("typed", ["19a8", "-1948", "1948.0", "١٩٤٨", "1" * 13])
def test_number_field_accepts_digits_only(app: Flask, tmp_path: Path, typed: str) -> None:
    quiz, _ = load_quiz(tmp_path)
    draw = draw_quiz(quiz, "seed", "secret")
    year = next(fields for fields in quiz_form_for(app, draw).questions if fields.question.id == "year")
    with app.test_request_context(method="POST", data={year.name: typed, "token": draw.token}):
        form = quiz_form(draw)
        assert not form.validate()
        assert form[year.name].errors == ["Type the number with digits only."]


def test_banks_ask_some_questions_and_a_new_draw_asks_others(tmp_path: Path) -> None:
    bank = EVERY_KIND.replace("pass_mark: 50\n", "pass_mark: 50\nask: 3\n")
    quiz, problems = load_quiz(tmp_path, bank)
    assert quiz is not None, problems
    sets = {tuple(question.id for question in draw_quiz(quiz, str(seed), "s").questions) for seed in range(50)}
    assert all(len(asked) == 3 for asked in sets) and len(sets) > 5
    order = [question.id for question in quiz.questions]
    assert all(list(asked) == sorted(asked, key=order.index) for asked in sets)  # in the file's order
    draw = draw_quiz(quiz, "x", "s")
    result = grade(quiz, {question.id: "nothing" for question in draw.questions}, draw.questions)
    assert len(result.questions) == 3


def test_banks_per_group(tmp_path: Path) -> None:
    text = EVERY_KIND.replace("pass_mark: 50\n", "pass_mark: 50\nask:\n  recall: 2\n  apply: 1\n")
    for index, group in enumerate(("recall", "recall", "recall", "apply", "apply", "apply")):
        marker = ["  - id: pick-one\n", "  - id: pick-all\n", "  - id: statement\n", "  - id: steps\n",
                  "  - id: pairs\n", "  - id: year\n"][index]
        text = text.replace(marker, marker + f"    group: {group}\n")
    quiz, problems = load_quiz(tmp_path, text)
    assert quiz is not None, problems
    for seed in range(30):
        asked = draw_quiz(quiz, str(seed), "s").questions
        assert [q.group for q in asked].count("recall") == 2 and [q.group for q in asked].count("apply") == 1


@pytest.mark.parametrize(("change", "expected"), [
    (("pass_mark: 50\n", "pass_mark: 50\nask: 9\n"), "quiz.en.yaml:3: ask: 9 questions, but the quiz has 6"),
    (("pass_mark: 50\n", "pass_mark: 50\nask:\n  recall: 2\n"), "question 'pick-one' is in no group that 'ask' names"),
    (("    answer: 1948\n", "    answer: nineteen\n"),
     "quiz.en.yaml:44: 'answer' in the question on line 41 must be a whole number"),
    (("    section: 1\n", "    section: first\n"), "'section' in the question on line 4 must be a whole number"),
])
def test_bank_and_kind_mistakes_are_reported_at_their_line(tmp_path: Path, change: tuple[str, str],
                                                           expected: str) -> None:
    _quiz, problems = load_quiz(tmp_path, EVERY_KIND.replace(*change))
    assert any(expected in problem for problem in problems), problems
