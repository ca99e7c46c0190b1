"""The checker warns about quizzes that can be passed by pattern, with path:line; --strict fails on them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import make_course, write
from tests.test_cli import invoke_course_app


def choice_question(number: int, right_at: int, right_text: str = "Right answer", others: tuple[str, ...] = ()) -> str:
    texts = list(others or (f"Wrong answer {n}" for n in range(3)))
    texts.insert(right_at, right_text)
    lines = [f"  - id: q{number}", "    type: single", f"    text: Question {number}?", "    choices:"]
    for index, text in enumerate(texts):
        lines.append(f"      - {{id: c{index}, text: '{text}'{', correct: true' if index == right_at else ''}, "
                     f"explain: Because.}}")
    return "\n".join(lines) + "\n"


def statement(number: int, answer: bool) -> str:
    return (f"  - id: s{number}\n    type: true_false\n    text: Statement {number}.\n"
            f"    answer: {str(answer).lower()}\n    explain: Because.\n")


HEADER = "revision: 1\npass_mark: 60\nquestions:\n"
PATTERNS = {
    "one position": (HEADER + "".join(choice_question(n, 0) for n in range(3)),
                     "quiz.en.yaml:4: warning: the right answer is choice 1 in all 3 choice questions"),
    "longest": (HEADER + "".join(choice_question(n, n % 3, "The one long and very precise answer",
                                                 ("Short", "Brief", "Small")) for n in range(3)),
                "quiz.en.yaml:4: warning: the right answer is the longest choice in all 3 single-choice questions"),
    "always false": (HEADER + choice_question(9, 1) + "".join(statement(n, n == 0) for n in range(5)),
                     "warning: 4 of 5 true/false statements are false"),
    "two choices": (HEADER + choice_question(1, 1, others=("Only one other",)) + choice_question(2, 0)
                    + choice_question(3, 2),
                    "quiz.en.yaml:4: warning: question 'q1' has only 2 choices: give at least three"),
}


@pytest.mark.parametrize("pattern", sorted(PATTERNS))
def test_lessons_check_strict_fails_on_each_pattern(tmp_path: Path, pattern: str) -> None:
    text, expected = PATTERNS[pattern]
    course = make_course(tmp_path / "lessons", lessons=("one",), languages=("en",))
    write(course / "one" / "quiz.en.yaml", text)
    env = {"LESSONS_DIR": str(tmp_path / "lessons"), "INSTANCE_PATH": str(tmp_path / "instance")}
    plain = invoke_course_app("lessons", "check", cwd=tmp_path, env=env)
    assert plain.returncode == 0, plain.stdout  # a warning: served, but said
    strict = invoke_course_app("lessons", "check", "--strict", cwd=tmp_path, env=env)
    assert strict.returncode == 1
    assert any(expected in line and line.startswith("lessons/demo/one/quiz.en.yaml:")
               for line in strict.stdout.splitlines()), strict.stdout


def test_an_untranslated_choice_is_a_warning_but_numbers_and_conventions_are_not(tmp_path: Path) -> None:
    original = HEADER + choice_question(1, 1, "Convention C87 of 1948", ("C98", "1949", "Article 26")) \
        + choice_question(2, 2) + choice_question(3, 0)
    translation = original.replace("revision: 1", "translation_of: 1").replace("Question ", "Вопрос ") \
        .replace("Wrong answer", "Неверный ответ").replace("Right answer", "Верный ответ") \
        .replace("Convention C87 of 1948", "Конвенция C87 1948 года").replace("Article 26", "Article 26")
    course = make_course(tmp_path / "lessons", lessons=("one",), languages=("en", "ru"))
    write(course / "one" / "quiz.en.yaml", original)
    write(course / "one" / "quiz.ru.yaml", translation)
    env = {"LESSONS_DIR": str(tmp_path / "lessons"), "INSTANCE_PATH": str(tmp_path / "instance")}
    found = invoke_course_app("lessons", "check", cwd=tmp_path, env=env).stdout
    assert "quiz.ru.yaml:4: warning: question 'q1', choice c3: 'Article 26' is word for word the original's" in found
    assert "'C98'" not in found and "'1949'" not in found  # the same in every language
