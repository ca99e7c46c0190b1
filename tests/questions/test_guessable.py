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


# -- the course as a whole, per language ----------------------------------------------------------

def multiple_question(number: int, right: int, choices: int = 4) -> str:
    """A multiple-answer question with ``right`` right choices of ``choices``, the right ones not first."""
    lines = [f"  - id: m{number}", "    type: multiple", f"    text: Tick every right one ({number}).", "    choices:"]
    for index in range(choices):
        correct = (index + number) % choices < right
        lines.append(f"      - {{id: c{index}, text: 'Choice {index}'{', correct: true' if correct else ''}, "
                     "explain: Because.}")
    return "\n".join(lines) + "\n"


def course_with_quizzes(tmp_path: Path, quizzes: dict[str, list[str]], languages: tuple[str, ...] = ("en",)) -> Path:
    """A course of one lesson per quiz; ``quizzes`` maps each language to its quiz files' texts."""
    lessons = tuple(f"l{index}" for index in range(len(quizzes[languages[0]])))
    course = make_course(tmp_path / "lessons", lessons=lessons, languages=languages)
    for lang in languages:
        for lesson, text in zip(lessons, quizzes[lang], strict=True):
            if lang != languages[0]:
                text = text.replace("revision: 1", "translation_of: 1")
            write(course / lesson / f"quiz.{lang}.yaml", text)
    return course


def course_warnings(tmp_path: Path) -> list[str]:
    """The course-wide pattern warnings (each quiz's own checks are tested above)."""
    from course_app.content.loader import load_catalogue
    from tests.content.test_loader import OPTIONS

    catalogue = load_catalogue(tmp_path / "lessons", OPTIONS)
    return [f"{problem.path.name}:{problem.line}: {problem.message}" for problem in catalogue.problems
            if problem.rule == "guessable" and problem.path.name == "course.yaml"]


def test_a_course_whose_multiple_answer_questions_all_have_as_many_right_answers_is_warned_about(
        tmp_path: Path) -> None:
    # Five questions, each with two right answers of four, spread over two quizzes (no single quiz shows it).
    course_with_quizzes(tmp_path, {"en": [HEADER + "".join(multiple_question(n, 2) for n in range(3)),
                                          HEADER + "".join(multiple_question(n, 2) for n in range(3, 5))]})
    assert course_warnings(tmp_path) == [
        "course.yaml:1: en: all 5 multiple-answer questions of the course have 2 right answers: vary it (from one "
        "right answer to all of them), so that ticking 2 never gives the answer away"]
    env = {"LESSONS_DIR": str(tmp_path / "lessons"), "INSTANCE_PATH": str(tmp_path / "instance")}
    strict = invoke_course_app("lessons", "check", "--strict", cwd=tmp_path, env=env)
    assert strict.returncode == 1
    assert "lessons/demo/course.yaml:1: warning: en: all 5 multiple-answer questions" in strict.stdout


@pytest.mark.parametrize("counts", [(2, 2, 2, 2), (1, 2, 3, 4, 2), (2, 2, 2, 2, 2, 4)], ids=str)
def test_varied_or_few_multiple_answer_questions_pass(tmp_path: Path, counts: tuple[int, ...]) -> None:
    course_with_quizzes(tmp_path, {"en": [HEADER + "".join(multiple_question(n, right)
                                                          for n, right in enumerate(counts))]})
    assert course_warnings(tmp_path) == []


LONG = "The one long and very precise answer"


def single_questions(longest_right: int, total: int, start: int = 0) -> str:
    """``total`` single-choice questions; in the first ``longest_right`` the right answer is the strictly longest."""
    parts = []
    for n in range(total):
        if n < longest_right:
            parts.append(choice_question(start + n, n % 3, LONG, ("Short", "Brief", "Small")))
        else:  # a wrong answer is longer (the right one is never the longest)
            parts.append(choice_question(start + n, n % 3, "Right", (LONG, "Brief", "Small")))
    return "".join(parts)


@pytest.mark.parametrize(("longest_right", "total", "warned"), [
    (0, 5, "0 of 5 single-choice questions (0.0 %)"),      # "never the longest" is a rule to learn
    (1, 5, None),                                           # 20 %: the lower bound is allowed
    (2, 5, None),
    (9, 20, None),                                          # 45 %: the upper bound is allowed
    (10, 21, "10 of 21 single-choice questions (47.6 %)"),  # just above
    (3, 5, "3 of 5 single-choice questions (60.0 %)"),
    (0, 4, None),                                           # too few to judge
], ids=str)
def test_the_longest_choice_is_right_in_20_to_45_per_cent_of_a_courses_single_choice_questions(
        tmp_path: Path, longest_right: int, total: int, warned: str | None) -> None:
    # Split over two lessons: the pattern is the course's, not one quiz's.
    half = total // 2
    first = single_questions(min(longest_right, half), half)
    second = single_questions(max(0, longest_right - half), total - half, start=100)
    course_with_quizzes(tmp_path, {"en": [HEADER + first, HEADER + second]})
    found = [line for line in course_warnings(tmp_path) if "strictly longest" in line]
    if warned is None:
        assert found == []
    else:
        assert len(found) == 1 and found[0].startswith("course.yaml:1: en: the right answer is the strictly longest "
                                                       f"choice in {warned}, outside 20–45 %"), found


def test_ties_for_the_longest_choice_count_as_none(tmp_path: Path) -> None:
    # The right answer shares the greatest length with a wrong one in every question: never "strictly longest".
    tied = "".join(choice_question(n, n % 3, "Same length A", ("Same length B", "Brief", "Small")) for n in range(5))
    course_with_quizzes(tmp_path, {"en": [HEADER + tied]})
    assert [line for line in course_warnings(tmp_path) if "0 of 5 single-choice" in line]


def test_each_language_is_judged_on_its_own_texts(tmp_path: Path) -> None:
    # The same questions: in English the right answer is never the longest, in Russian it is in two of five.
    english = HEADER + single_questions(0, 5)
    russian = HEADER + "".join(
        choice_question(n, n % 3, "Верный и очень подробный, длинный ответ" if n < 2 else "Верный",
                        ("Короткий", "Иной длинный и подробный ответ", "Краткий")) for n in range(5))
    course_with_quizzes(tmp_path, {"en": [english], "ru": [russian]}, languages=("en", "ru"))
    found = course_warnings(tmp_path)
    assert [line.split(":")[2].strip() for line in found if "strictly longest" in line] == ["en"], found


def test_the_authoring_guide_states_the_range_the_checker_uses() -> None:
    from course_app.content.quiz import COURSE_PATTERN_FROM, LONGEST_RIGHT_PERCENT
    from tests.conftest import PROJECT_DIR

    guide = (PROJECT_DIR / "docs" / "authoring.md").read_text(encoding="utf-8")
    low, high = LONGEST_RIGHT_PERCENT
    assert f"fewer than **{low} %** or more than **{high} %**" in guide
    assert f"The range\n{low}–{high} % is one setting in the code (`LONGEST_RIGHT_PERCENT`" in guide
    assert f"a course with {COURSE_PATTERN_FROM} or more multiple-answer questions" in guide
    assert f"among {COURSE_PATTERN_FROM} or more single-choice questions" in guide
