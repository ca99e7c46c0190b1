"""terms.yaml: one word per concept and language, checked in lessons, quizzes and subtitles, shown as a glossary."""

from __future__ import annotations

from pathlib import Path

import pytest

from course_app.content.loader import load_catalogue
from tests.content.test_check_everything import QUIZ
from tests.content.test_loader import OPTIONS
from tests.factories import make_course, make_lesson_text, write
from tests.test_cli import invoke_course_app

TERMS = """\
terms:
  - id: employer
    en: {use: employer, avoid: [boss], means: "Who hires a worker."}
    ru: {use: наниматель, avoid: [работодател], means: "Тот, кто нанимает работника."}
  - id: dues
    en: {use: dues, avoid: [membership fee], means: "What members pay."}
    ru: {use: членские взносы, means: "То, что платят члены."}
"""


def course_with_terms(root: Path, terms: str = TERMS) -> Path:
    course = make_course(root, lessons=("one",), languages=("en", "ru"))
    write(course / "terms.yaml", terms)
    return course


def formatted(root: Path) -> list[str]:
    return [problem.format(root) for problem in load_catalogue(root, OPTIONS).problems]


def test_a_clean_course_with_terms_has_no_warning_and_a_glossary(tmp_path: Path) -> None:
    course_with_terms(tmp_path)
    catalogue = load_catalogue(tmp_path, OPTIONS)
    assert [p.format(tmp_path) for p in catalogue.problems] == []
    glossary = catalogue.course("demo").glossary  # type: ignore[union-attr]
    assert glossary is not None
    assert [(e.term, e.lang) for e in glossary.entries(["ru", "en"])] == [("наниматель", "ru"),
                                                                          ("членские взносы", "ru")]
    assert [e.term for e in glossary.entries(["en", "ru"])] == ["dues", "employer"]


def test_avoided_words_are_warned_at_their_line_in_every_kind_of_file(tmp_path: Path) -> None:
    course = course_with_terms(tmp_path)
    make_lesson_text(course / "one", "ru", original=False,
                     body="## Часть\n\nРаботодателю всё равно.\n\n"
                          "Так пишет «Кодекс о работодателях».\n\n## Источники\n")
    make_lesson_text(course / "one", "en", original=True,
                     body="## Part\n\nAsk your Boss, then pay the membership\nfee and the membership  fee.\n\n"
                          "[A link](https://example.org/boss)\n\n## Sources\n")
    write(course / "one" / "quiz.en.yaml", QUIZ.replace("Pick one", "What does the boss owe?"))
    write(course / "one" / "quiz.ru.yaml", QUIZ.replace("revision: 1", "translation_of: 1"))
    (course / "one" / "media").mkdir()
    write(course / "one" / "media" / "clip.360p.mp4", "not really a video")
    write(course / "one" / "media" / "clip.en.vtt", "WEBVTT\n\n00:00.000 --> 00:02.000\nBosses hire.\n")
    write(course / "one" / "media" / "clip.ru.vtt", "WEBVTT\n\n00:00.000 --> 00:02.000\nНаниматели нанимают.\n")
    en = (course / "one" / "en.md").read_text().replace("## Sources", "```video\ntitle: Clip\nsource: media/clip.mp4\n"
                                                                         "```\n\n## Sources")
    (course / "one" / "en.md").write_text(en)
    problems = [line for line in formatted(tmp_path) if "this course writes" in line]
    assert problems == [
        "demo/one/en.md:8: warning: 'Boss': this course writes 'employer' (terms.yaml, 'employer')",
        "demo/one/en.md:9: warning: 'membership  fee': this course writes 'dues' (terms.yaml, 'dues')",
        "demo/one/media/clip.en.vtt:4: warning: 'Bosses': this course writes 'employer' (terms.yaml, 'employer')",
        "demo/one/quiz.en.yaml:6: warning: 'boss': this course writes 'employer' (terms.yaml, 'employer')",
        "demo/one/ru.md:8: warning: 'Работодателю': this course writes 'наниматель' (terms.yaml, 'employer')",
    ]


def test_strict_check_fails_on_a_term_warning(tmp_path: Path) -> None:
    course = course_with_terms(tmp_path / "lessons")
    make_lesson_text(course / "one", "ru", original=False, body="## Часть\n\nРаботодатель.\n\n## Источники\n")
    env = {"LESSONS_DIR": str(tmp_path / "lessons"), "INSTANCE_PATH": str(tmp_path / "instance")}
    relaxed = invoke_course_app("lessons", "check", cwd=tmp_path, env=env)
    strict = invoke_course_app("lessons", "check", "--strict", cwd=tmp_path, env=env)
    assert relaxed.returncode == 0 and strict.returncode == 1
    assert strict.stdout.strip() == ("lessons/demo/one/ru.md:8: warning: 'Работодатель': this course writes "
                                     "'наниматель' (terms.yaml, 'employer')")


@pytest.mark.parametrize(("terms", "message"), [
    ("terms: nothing\n", "demo/terms.yaml:1: 'terms' must be a list"),
    ("concepts: []\n", "demo/terms.yaml:1: unknown key 'concepts'"),
    ("terms:\n  - id: employer\n    ru: {use: наниматель, means: Тот, кто нанимает.}\n",
     "demo/terms.yaml:2: concept 'employer' has no 'en' wording"),
    ("terms:\n  - id: employer\n    en: {use: employer, means: Hires., avoid: [employ]}\n",
     "demo/terms.yaml:3: 'employer' en: the word to use, 'employer', contains 'employ', which it says to avoid"),
    ("terms:\n  - id: worker\n    en: {use: worker, means: Works., avoid: [hire]}\n"
     "  - id: employer\n    en: {use: hirer, means: Hires.}\n",
     "demo/terms.yaml:2: 'worker' en avoids 'hire', but 'employer' says to use 'hirer'"),
    ("terms:\n  - id: a\n    en: {use: x, means: y, avoid: [ab]}\n",
     "demo/terms.yaml:3: 'avoid' entries are words or stems of at least three letters, not 'ab'"),
    ("terms:\n  - id: a\n    en: {use: x, means: y}\n  - id: a\n    en: {use: z, means: w}\n",
     "demo/terms.yaml:4: concept 'a' is listed twice (first on line 2)"),
    ("terms:\n  - id: a\n    en: {use: x, mean: y}\n", "demo/terms.yaml:3: unknown key 'mean' in 'a' en"),
])
def test_a_malformed_term_list_is_reported_at_its_line(tmp_path: Path, terms: str, message: str) -> None:
    course_with_terms(tmp_path, terms)
    problems = formatted(tmp_path)
    assert [line for line in problems if line.startswith(message)], problems


def test_a_missing_translation_of_a_term_is_a_translation_warning(tmp_path: Path) -> None:
    course_with_terms(tmp_path, "terms:\n  - id: employer\n    en: {use: employer, means: Who hires.}\n")
    catalogue = load_catalogue(tmp_path, OPTIONS)
    assert [(p.format(tmp_path), p.rule) for p in catalogue.problems] == [
        ("demo/terms.yaml:2: warning: concept 'employer' has no 'ru' wording; its glossary shows the original's",
         "translation")]
    entries = catalogue.course("demo").glossary.entries(["ru", "en"])  # type: ignore[union-attr]
    assert [(e.term, e.lang) for e in entries] == [("employer", "en")]


def test_a_lesson_may_not_take_the_glossary_address(tmp_path: Path) -> None:
    make_course(tmp_path, lessons=("glossary",), languages=("en",))
    assert [line for line in formatted(tmp_path) if line.startswith("demo/course.yaml:")] == [
        "demo/course.yaml:11: lesson 'glossary': this address is used by the site itself; rename the folder"]
