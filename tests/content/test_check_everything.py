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


def check(tmp_path: Path, lessons: Path) -> tuple[int, list[str]]:
    result = invoke_course_app("lessons", "check", cwd=tmp_path,
                               env={"LESSONS_DIR": str(lessons), "INSTANCE_PATH": str(tmp_path / "instance")})
    return result.returncode, result.stdout.strip().splitlines()


def test_a_front_matter_error_does_not_hide_the_bodys_problems(tmp_path: Path) -> None:
    """A YAML error in the front matter, a broken lesson: link, a missing picture and section: 9 in the quiz: one
    run reports all four, each with its path:line, and the avoid-list words of the same file too."""
    lessons = tmp_path / "lessons"
    course = make_course(lessons, lessons=("one", "two"), languages=("en", "ru"))
    write(course / "terms.yaml", """
        terms:
          - id: employer
            en: {use: employer, avoid: [boss], means: "Who hires a worker."}
            ru: {use: наниматель, means: "Тот, кто нанимает."}
    """)
    write(course / "one" / "en.md", """
        ---
        title: Work: what it is
        summary: A summary
        revision: 1
        ---
        ## First part

        Ask your boss about [the second lesson](lesson:nowhere).

        ![A chart](media/chart.png)

        ## Second part

        See [the sources](#sources), [part two](#section-2) and [the other lesson](lesson:two#section-99).
        Read [the ILO](www.ilo.org) too.
    """)
    write(course / "one" / "quiz.en.yaml", QUIZ.replace("    type: single", "    type: single\n    section: 9"))
    code, lines = check(tmp_path, lessons)
    assert code == 1
    expected = [
        "lessons/demo/one/en.md:2: a text has a ':' in it, so it reads as a new key",
        "lessons/demo/one/en.md:8: link to lesson 'nowhere': course 'demo' has no lesson 'nowhere'",
        "lessons/demo/one/en.md:10: image 'media/chart.png': no such file in one/",
        "lessons/demo/one/quiz.en.yaml:4: question 'q': section: 9, but en.md has sections 1 to 2",
        "lessons/demo/one/en.md:8: warning: 'boss': this course writes 'employer' (terms.yaml, 'employer')",
        "lessons/demo/one/en.md:14: link '#sources': sections are linked as #section-N (this lesson has sections "
        "1 to 2)",
        "lessons/demo/one/en.md:14: warning: link 'lesson:two#section-99': lesson 'two' has sections 1 to 2, so "
        "there is no #section-99; the link opens the top of that lesson",
        "lessons/demo/one/en.md:15: link 'www.ilo.org' is a web address without its beginning: add https:// "
        "(https://www.ilo.org)",
        "lessons/demo/one/quiz.ru.yaml:1: warning: missing translation: the quiz is shown in en to ru readers",
    ]
    for start in expected:
        found = [line for line in lines if line.startswith(start)]
        assert len(found) == 1, (start, lines)
    assert len(lines) == len(expected), lines
    assert not any("#section-2" in line for line in lines)


def test_a_section_link_names_the_heading_it_meant(tmp_path: Path) -> None:
    lessons = tmp_path / "lessons"
    course = make_course(lessons, lessons=("one", "two"), languages=("en",))
    make_lesson_text(course / "one", "en", original=True,
                     body="## Part\n\nSee [sources](#sources), [x](lesson:one#section-3) and [y](lesson:two#Part).\n"
                          "\n## Sources\n\n- A source\n")
    code, lines = check(tmp_path, lessons)
    assert code == 1
    assert lines == [
        "lessons/demo/one/en.md:8: link '#sources': sections are linked as #section-N (this lesson has sections 1 to "
        "2); 'Sources' is #section-2",
        "lessons/demo/one/en.md:8: link 'lesson:one#section-3': this lesson has sections 1 to 2, so there is no "
        "#section-3",
        "lessons/demo/one/en.md:8: link 'lesson:two#Part': sections are linked as #section-N, counted from the "
        "lesson's first heading",
    ], lines


def test_a_tab_in_course_yaml_is_one_error_not_missing_translations(tmp_path: Path) -> None:
    lessons = tmp_path / "lessons"
    course = make_course(lessons, lessons=("one",), languages=("en", "ru"))
    write(course / "course.yaml", """
        title: {en: Demo, ru: Демо}
        summary: {en: About, ru: О курсе}
        languages: [en, ru]
        modules:
          - title: {en: Part, ru: Часть}
            lessons:
        \t    - one
    """)
    code, lines = check(tmp_path, lessons)
    assert code == 1
    assert len(lines) == 1 and lines[0].startswith("lessons/demo/course.yaml:"), lines
    assert "a tab is used for indenting" in lines[0]
