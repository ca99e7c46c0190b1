"""One `lessons check` run reports every problem of a course at once, each once, with nothing else."""

from __future__ import annotations

from pathlib import Path

from tests.factories import make_course, make_lesson_text, write
from tests.test_cli import invoke_course_app

QUIZ = """revision: 1
pass_mark: 60
questions:
  - id: q
    type: single
    text: Pick one
    choices:
      - {id: a, text: First answer, correct: true, explain: Right.}
      - {id: b, text: Second answer, explain: Wrong.}
      - {id: c, text: Third answer, explain: Wrong.}
"""


def test_every_mistake_at_once(tmp_path: Path) -> None:
    lessons = tmp_path / "lessons"
    course = make_course(lessons, lessons=("one", "two"), languages=("en", "ru"))
    # A broken course.yaml: a misspelt key.
    course_yaml = course / "course.yaml"
    course_yaml.write_text(course_yaml.read_text().replace("summary:", "sumary:", 1))
    # Five typical mistakes in the lessons themselves.
    make_lesson_text(course / "one", "en", original=True, extra="sumary: A typo\n",
                     body="## Part\n\nSee [the next one](lesson:nowhere) and ![](media/missing.png).\n")
    write(course / "one" / "ru.md", "---\ntitle: Урок: первый\nsummary: Кратко\ntranslation_of: 1\n---\n## Часть\n")
    write(course / "two" / "ru.md", "---\ntitle: Урок два\nsummary: Кратко\ntranslation_of: 1\n## Часть\n")
    # A broken original quiz (a tab), and its translation, which must not add a follow-on error.
    write(course / "two" / "quiz.en.yaml", QUIZ.replace("  - id: q", "\t- id: q"))
    write(course / "two" / "quiz.ru.yaml", QUIZ.replace("revision: 1", "translation_of: 1"))
    result = invoke_course_app("lessons", "check", cwd=tmp_path,
                               env={"LESSONS_DIR": str(lessons), "INSTANCE_PATH": str(tmp_path / "instance")})
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    expected = [
        "lessons/demo/course.yaml:4: unknown key 'sumary' (did you mean 'summary'?)",
        "lessons/demo/course.yaml:1: missing required key 'summary'",
        "lessons/demo/one/en.md:5: unknown key 'sumary' (did you mean 'summary'?)",
        "lessons/demo/one/en.md:9: link to lesson 'nowhere': course 'demo' has no lesson 'nowhere'",
        "lessons/demo/one/en.md:9: image 'media/missing.png' has no alt text",
        "lessons/demo/one/en.md:9: image 'media/missing.png': no such file",
        "lessons/demo/one/ru.md:2: a text has a ':' in it",
        "lessons/demo/two/ru.md:1: the front matter is never closed",
        "lessons/demo/two/quiz.en.yaml:4: a tab is used for indenting",
    ]
    for start in expected:
        found = [line for line in lines if line.startswith(start)]
        assert len(found) == 1, (start, lines)
    assert len(lines) == len(expected), lines
    assert "no original" not in result.stdout and "missing translation" not in result.stdout


def test_checking_one_lesson_or_one_file_finds_its_typo(tmp_path: Path) -> None:
    lessons = tmp_path / "lessons"
    course = make_course(lessons, lessons=("one", "two"), languages=("en",))
    make_lesson_text(course / "one", "en", original=True, extra="sumary: A typo\n")
    env = {"LESSONS_DIR": str(lessons), "INSTANCE_PATH": str(tmp_path / "instance")}
    for target in (course / "one", course / "one" / "en.md", course):
        result = invoke_course_app("lessons", "check", str(target), cwd=tmp_path, env=env)
        assert result.returncode == 1, (target, result.stdout, result.stderr)
        assert result.stdout.strip() == "lessons/demo/one/en.md:5: unknown key 'sumary' (did you mean 'summary'?)"
    other = invoke_course_app("lessons", "check", str(course / "two"), cwd=tmp_path, env=env)
    assert other.returncode == 0 and other.stdout == ""
