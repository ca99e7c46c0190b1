"""Quiz files: every checker rule with its path:line, and translations that must match the original."""

from __future__ import annotations

from pathlib import Path

import pytest

from course_app.addresses import ServerLinkStyle
from course_app.content.loader import LoadOptions, load_catalogue
from tests.factories import make_course, write

OPTIONS = LoadOptions(languages=("en", "ru", "be"), link_style=ServerLinkStyle(neutral=False))
GOOD = """revision: 1
pass_mark: 60
questions:
  - id: pick
    type: single
    text: Pick one
    choices:
      - id: a
        text: A
        correct: true
        explain: Right.
      - id: b
        text: B
        explain: Wrong.
      - id: c
        text: C
        explain: Wrong too.
  - id: tf
    type: true_false
    text: True?
    answer: true
    explain: Because.
"""


def messages(root: Path) -> list[str]:
    return [p.format(root) for p in load_catalogue(root, OPTIONS).problems]


def with_quiz(root: Path, en: str, ru: str | None = None) -> Path:
    course = make_course(root, lessons=("one",))
    write(course / "one" / "quiz.en.yaml", en)
    if ru is not None:
        write(course / "one" / "quiz.ru.yaml", ru)
    return course


def translated(text: str, words: dict[str, str]) -> str:
    for english, other in words.items():
        text = text.replace(english, other)
    return text


RUSSIAN = {"revision: 1": "translation_of: 1", "Pick one": "Выберите", "text: A": "text: Первый",
           "text: B": "text: Второй", "text: C": "text: Третий", "True?": "Правда?"}
BELARUSIAN = {"revision: 1": "translation_of: 1", "Pick one": "Выберыце", "text: A": "text: Першы",
              "text: B": "text: Другі", "text: C": "text: Трэці", "True?": "Праўда?"}


def test_good_quiz_and_faithful_translation_are_clean(tmp_path: Path) -> None:
    course = with_quiz(tmp_path, GOOD, translated(GOOD, RUSSIAN))
    write(course / "one" / "quiz.be.yaml", translated(GOOD, BELARUSIAN))
    assert messages(tmp_path) == []
    lesson = load_catalogue(tmp_path, OPTIONS).course("demo").lessons_by_slug["one"]
    assert lesson.texts["ru"].quiz.questions[0].text == "Выберите"


@pytest.mark.parametrize(("change", "expected"), [
    (("        correct: true\n", ""), "demo/one/quiz.en.yaml:7: question 'pick' has no correct answer"),
    (("  - id: tf", "  - id: pick"), "demo/one/quiz.en.yaml:18: duplicate question id 'pick' (first on line 4)"),
    (("      - id: b", "      - id: a"), "demo/one/quiz.en.yaml:12: duplicate choice id 'a' in question 'pick'"),
    (("pass_mark: 60", "pass_mark: 120"), "demo/one/quiz.en.yaml:2: 'pass_mark' must be from 1 to 100, not 120"),
    (("pass_mark: 60", "pass_mark: 0"), "demo/one/quiz.en.yaml:2: 'pass_mark' must be from 1 to 100, not 0"),
    (("type: single", "type: essay"), "demo/one/quiz.en.yaml:5: unknown question type 'essay'"),
    (("    answer: true\n", ""), "demo/one/quiz.en.yaml:18: missing required key 'answer' in the question on line 18"),
    (("        explain: Wrong.", "        explain: Wrong.\n        correct: true"),
     "demo/one/quiz.en.yaml:7: question 'pick' is 'single' but has 2 correct choices"),
])
def test_quiz_rules_point_at_their_line(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    with_quiz(tmp_path, GOOD.replace(*change))
    found = messages(tmp_path)
    assert any(message.startswith(expected) for message in found), found


STALE = "warning: stale translation: differs from the original quiz.en.yaml"


@pytest.mark.parametrize(("change", "expected"), [
    (("      - id: b", "      - id: d"), f"demo/one/quiz.ru.yaml:4: {STALE} (question 1: choice 2's id is 'd' here, "
                                         "'b' in the original), so ru readers get the original quiz"),
    (("answer: true", "answer: false"), f"demo/one/quiz.ru.yaml:18: {STALE} (question 2: answer is false here, true "
                                        "in the original)"),
    (("        correct: true\n        explain: Right.\n      - id: b\n        text: B\n",
      "        explain: Right.\n      - id: b\n        text: B\n        correct: true\n"),
     f"demo/one/quiz.ru.yaml:4: {STALE} (question 1: choice 1's correct is false here, true in the original)"),
    (("pass_mark: 60", "pass_mark: 70"), f"demo/one/quiz.ru.yaml:1: {STALE} (pass_mark is 70 here, 60 in the "
                                         "original)"),
    (("  - id: tf", "  - id: other"), f"demo/one/quiz.ru.yaml:18: {STALE} (question 2's id is 'other' here, 'tf' in "
                                      "the original)"),
    (("type: true_false\n    text: True?\n    answer: true", "type: number\n    text: True?\n    answer: 1"),
     f"demo/one/quiz.ru.yaml:18: {STALE} (question 2's type is 'number' here, 'true_false' in the original)"),
    (("    explain: Because.", "    explain: Because.\n    section: 1"),
     f"demo/one/quiz.ru.yaml:18: {STALE} (question 2's section is 1 here, none in the original)"),
])
def test_a_translated_quiz_that_differs_is_stale_and_names_the_field(tmp_path: Path, change: tuple[str, str],
                                                                      expected: str) -> None:
    """Whatever its translation_of says: a warning naming the field and both values, and ru readers get the
    original quiz; the lesson is still published."""
    translation = GOOD.replace("revision: 1", "translation_of: 1").replace(*change)
    with_quiz(tmp_path, GOOD, translation)
    found = messages(tmp_path)
    assert any(message.startswith(expected) for message in found), found
    assert not any(" warning: " not in message for message in found if "quiz.ru.yaml" in message), found
    catalogue = load_catalogue(tmp_path, OPTIONS)
    lesson = catalogue.course("demo").lessons_by_slug["one"]
    assert lesson.texts["ru"].quiz is None and lesson.quiz_states["ru"] == "stale"
    assert [item.what for item in catalogue.held_back] == ["ru quiz of 'demo/one'"]


def test_a_quiz_id_that_breaks_the_rule_says_how_to_write_it(tmp_path: Path) -> None:
    quiz = GOOD.replace("      - id: b", "      - id: Notice_Period").replace("  - id: tf", "  - id: TF 2")
    with_quiz(tmp_path, quiz)
    found = messages(tmp_path)
    assert ("demo/one/quiz.en.yaml:12: choice id 'Notice_Period' must be lowercase letters a–z, digits and single "
            "hyphens: write 'notice-period'") in found
    assert ("demo/one/quiz.en.yaml:18: question id 'TF 2' must be lowercase letters a–z, digits and single hyphens: "
            "write 'tf-2'") in found


def test_stale_quiz_translation_is_a_warning(tmp_path: Path) -> None:
    with_quiz(tmp_path, GOOD.replace("revision: 1", "revision: 2"), GOOD.replace("revision: 1", "translation_of: 1"))
    assert ("demo/one/quiz.ru.yaml:1: warning: stale translation: follows revision 1 of the original quiz, "
            "which is now at revision 2") in messages(tmp_path)


def test_missing_quiz_translation_is_a_warning(tmp_path: Path) -> None:
    with_quiz(tmp_path, GOOD)
    assert ("demo/one/quiz.ru.yaml:1: warning: missing translation: the quiz is shown in en to ru readers"
            in messages(tmp_path))
