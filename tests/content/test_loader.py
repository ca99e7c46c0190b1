"""The loader and validator on good and broken lesson files: every problem with its path:line."""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser
from pathlib import Path

import pytest

from course_app.addresses import ServerLinkStyle
from course_app.content.loader import LoadOptions, load_catalogue
from course_app.content.model import Catalogue
from course_app.content.problems import Problem, Severity
from tests.conftest import STARTER_LESSONS
from tests.factories import make_course, make_lesson_text, write

OPTIONS = LoadOptions(languages=("en", "ru", "be"), link_style=ServerLinkStyle(neutral=False))


def parse_tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Every element in ``html`` with its attributes, as a browser would see them."""
    found: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, attrs))

    Collector().feed(html)
    return found


def problems_of(root: Path) -> list[Problem]:
    return list(load_catalogue(root, OPTIONS).problems)


def formatted(root: Path) -> list[str]:
    return [p.format(root) for p in problems_of(root)]


def test_starter_course_is_clean_and_complete() -> None:
    catalogue = load_catalogue(STARTER_LESSONS, OPTIONS)
    assert [p.format() for p in catalogue.problems] == []
    course = catalogue.course("trade-unions")
    assert course is not None
    assert len(course.lessons) >= 8
    for lesson in course.lessons:
        assert set(lesson.texts) == {"en", "ru", "be"}, lesson.slug
        for text in lesson.texts.values():
            assert text.title and text.html
            # A bank of at least eight questions, of which each attempt asks five or six.
            assert text.quiz is not None and len(text.quiz.questions) >= 8, (lesson.slug, text.lang)
            assert text.quiz.ask is not None and text.quiz.ask.asked in (5, 6)
            # Every lesson ends with its sources.
            assert text.headings[-1].text in {"Sources", "Источники", "Крыніцы"}, (lesson.slug, text.lang)


def test_small_course_loads_in_order_with_numbers(tmp_path: Path) -> None:
    make_course(tmp_path, "beta", order=2)
    make_course(tmp_path, "alpha", lessons=("a", "b", "c"), order=1)
    catalogue = load_catalogue(tmp_path, OPTIONS)
    assert [c.slug for c in catalogue.courses] == ["alpha", "beta"]
    alpha = catalogue.courses[0]
    assert [(lesson.slug, lesson.number) for lesson in alpha.lessons] == [("a", 1), ("b", 2), ("c", 3)]
    assert alpha.number == 1 and catalogue.course_by_number(2).slug == "beta"


def test_broken_front_matter_holds_back_its_lesson_only(tmp_path: Path) -> None:
    course = make_course(tmp_path)
    path = course / "one" / "ru.md"
    path.write_text("---\ntitle: [broken\nsummary: x\n---\nBody\n", encoding="utf-8")
    catalogue = load_catalogue(tmp_path, OPTIONS)
    messages = [p.format(tmp_path) for p in catalogue.problems]
    assert any(m.startswith(("demo/one/ru.md:2: YAML syntax error", "demo/one/ru.md:3: YAML syntax error"))
               for m in messages), messages
    demo = catalogue.course("demo")
    assert "one" not in demo.lessons_by_slug and demo.held_back["one"].problems[0].path == path
    assert demo.held_back["one"].titles == {"en": "one (en)", "be": "one (be)"}
    assert [item.what for item in catalogue.held_back] == ["lesson 'demo/one'"]
    assert set(demo.lessons_by_slug["two"].texts) == {"en", "ru", "be"}
    # The educators' view shows what can be read of it, and why it is held back.
    shown = load_catalogue(tmp_path, dataclasses.replace(OPTIONS, include_drafts=True)).course("demo")
    assert set(shown.lessons_by_slug["one"].texts) == {"en", "be"} and shown.lessons_by_slug["one"].held_back


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("summary: no title\nrevision: 1\n", "demo/one/en.md:2: missing required key 'title'"),
        ("title: T\nrevison: 1\n", "demo/one/en.md:3: unknown key 'revison' (did you mean 'revision'?)"),
        ("title: T\ntitle: again\n", "demo/one/en.md:3: duplicate key 'title' (first on line 2)"),
        ("title: T\nminutes: soon\n", "demo/one/en.md:3: 'minutes' must be a whole number, not 'soon'"),
        ("title: yes\n", "demo/one/en.md:2: 'title' must be text (put it in quotes if it is yes/no/true/false)"),
    ],
)
def test_front_matter_errors_point_at_their_line(tmp_path: Path, front: str, expected: str) -> None:
    course = make_course(tmp_path)
    write(course / "one" / "en.md", f"---\n{front}---\n\nBody\n")
    assert expected in formatted(tmp_path)


def test_missing_front_matter_and_unclosed_front_matter(tmp_path: Path) -> None:
    course = make_course(tmp_path)
    write(course / "one" / "en.md", "# Just markdown\n")
    write(course / "two" / "en.md", "---\ntitle: T\n")
    messages = formatted(tmp_path)
    assert any(m.startswith("demo/one/en.md:1: a lesson file starts with a '---' line") for m in messages)
    assert "demo/two/en.md:1: the front matter is never closed: add a line with '---' after it" in messages


def test_course_file_errors(tmp_path: Path) -> None:
    write(tmp_path / "demo" / "course.yaml", """
        title:
          en: Demo
        summary:
          en: About
        languages: [en, xx]
        modules:
          - title:
              en: M
            lessons: [one, one, ghost, Bad_Slug]
        colour: red
    """)
    make_lesson_text(tmp_path / "demo" / "one", "en", original=True)
    messages = formatted(tmp_path)
    assert "demo/course.yaml:5: language 'xx' is not one the site speaks (en, ru, be)" in messages
    assert "demo/course.yaml:9: duplicate lesson 'one' (also on line 9)" in messages
    assert "demo/course.yaml:9: lesson 'ghost' has no folder demo/ghost/" in messages
    assert any(m.startswith("demo/course.yaml:9: lesson 'Bad_Slug' must be a folder name") for m in messages)
    assert any(m.startswith("demo/course.yaml:10: unknown key 'colour'") for m in messages)
    # A course with errors in course.yaml is left out whole.
    assert load_catalogue(tmp_path, OPTIONS).courses == ()


def test_reserved_and_malformed_course_folder_names(tmp_path: Path) -> None:
    make_course(tmp_path, "progress")
    make_course(tmp_path, "Bad Name")
    messages = formatted(tmp_path)
    assert ("progress/course.yaml:1: the course folder name 'progress' is used by the site itself; choose another"
            in messages)
    assert any(m.startswith("Bad Name/course.yaml:1: the course folder name 'Bad Name' is its web address")
               for m in messages)


def test_missing_translation_is_a_warning_and_falls_back(tmp_path: Path) -> None:
    course = make_course(tmp_path)
    (course / "one" / "be.md").unlink()
    problems = problems_of(tmp_path)
    assert [(p.format(tmp_path), p.severity) for p in problems] == [
        ("demo/one/be.md:1: warning: missing translation: readers in be see this lesson in another language",
         Severity.WARNING)
    ]
    catalogue = load_catalogue(tmp_path, OPTIONS)
    demo = catalogue.course("demo")
    lesson = demo.lessons_by_slug["one"]
    assert demo.text_of(lesson, "be").lang == "en"


def test_missing_original_is_an_error(tmp_path: Path) -> None:
    course = make_course(tmp_path)
    (course / "one" / "en.md").unlink()
    assert "demo/one/en.md:1: missing: the original (en) text of lesson 'one'" in formatted(tmp_path)


def test_broken_internal_links_and_remote_images(tmp_path: Path) -> None:
    course = make_course(tmp_path)
    body = ("## Part\n\nSee [two](lesson:two) and [gone](lesson:nowhere).\n\n"
            "Also [other](lesson:elsewhere/one).\n\n![](https://cdn.example/x.png)\n")
    make_lesson_text(course / "one", "en", original=True, body=body)
    messages = formatted(tmp_path)
    # Front matter takes lines 1-5, so the body's first line is line 6.
    assert "demo/one/en.md:8: link to lesson 'nowhere': course 'demo' has no lesson 'nowhere'" in messages
    assert "demo/one/en.md:10: link to lesson 'elsewhere/one': there is no course 'elsewhere'" in messages
    assert any(m.startswith("demo/one/en.md:12: image 'https://cdn.example/x.png' is on another site")
               for m in messages)
    assert any(m.startswith("demo/one/en.md:12: image 'https://cdn.example/x.png' has no alt text") for m in messages)


def test_lesson_links_are_relative_and_work_across_courses(tmp_path: Path) -> None:
    course = make_course(tmp_path, "demo")
    make_course(tmp_path, "other", lessons=("x",))
    make_lesson_text(course / "one", "en", original=True,
                     body="## A\n\n[next](lesson:two#section-1) and [far](lesson:other/x) and [web](https://ilo.org)\n")
    catalogue = load_catalogue(tmp_path, OPTIONS)
    html = catalogue.course("demo").lessons_by_slug["one"].texts["en"].html
    assert 'href="two#section-1"' in html
    assert 'href="../other/x"' in html
    assert 'href="https://ilo.org" rel="noopener noreferrer"' in html
    neutral = load_catalogue(tmp_path, LoadOptions(("en", "ru", "be"), ServerLinkStyle(neutral=True)))
    html = neutral.course("demo").lessons_by_slug["one"].texts["en"].html
    assert 'href="2#section-1"' in html and 'href="../2/1"' in html


def test_markdown_cannot_inject_markup(tmp_path: Path) -> None:
    course = make_course(tmp_path)
    body = ('## Part\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n'
            '[click](javascript:alert(1))\n')
    make_lesson_text(course / "one", "en", original=True, body=body)
    catalogue = load_catalogue(tmp_path, OPTIONS)
    html = catalogue.course("demo").lessons_by_slug["one"].texts["en"].html
    tags = parse_tags(html)
    assert {tag for tag, _ in tags} <= {"h2", "p", "a"}
    assert all(not name.startswith("on") for _, attrs in tags for name, _ in attrs)
    assert all(not (value or "").startswith("javascript") for _, attrs in tags for _, value in attrs)
    assert "&lt;script&gt;" in html  # shown as text, harmless


def test_headings_get_stable_anchors_and_h1_is_a_warning(tmp_path: Path) -> None:
    course = make_course(tmp_path)
    make_lesson_text(course / "one", "en", original=True, body="# Big\n\ntext\n\n## Small\n")
    catalogue = load_catalogue(tmp_path, OPTIONS)
    text = catalogue.course("demo").lessons_by_slug["one"].texts["en"]
    assert [(h.anchor, h.text, h.level) for h in text.headings] == [("section-1", "Big", 2), ("section-2", "Small", 2)]
    assert '<h2 id="section-1">Big</h2>' in text.html
    assert any("start sections with '##'" in m for m in formatted(tmp_path))


def test_stale_and_future_translations(tmp_path: Path) -> None:
    course = make_course(tmp_path)
    make_lesson_text(course / "one", "en", original=True, extra="")
    write(course / "one" / "en.md", "---\ntitle: T\nrevision: 3\n---\nBody\n")
    write(course / "one" / "ru.md", "---\ntitle: T\ntranslation_of: 2\n---\nBody\n")
    write(course / "one" / "be.md", "---\ntitle: T\ntranslation_of: 4\n---\nBody\n")
    messages = formatted(tmp_path)
    assert ("demo/one/ru.md:3: warning: stale translation: follows revision 2 of the original, "
            "which is now at revision 3") in messages
    assert "demo/one/be.md:3: translation_of: 4 is newer than the original's revision 3" in messages


def test_not_utf8_file(tmp_path: Path) -> None:
    course = make_course(tmp_path)
    (course / "one" / "ru.md").write_bytes("---\ntitle: Тест\n---\n".encode("cp1251"))
    assert "demo/one/ru.md:2: the file is not UTF-8 text: save it as UTF-8 in your editor" in formatted(tmp_path)


def test_unlisted_folder_and_foreign_language_file_warn(tmp_path: Path) -> None:
    course = make_course(tmp_path)
    make_lesson_text(course / "stray", "en", original=True)
    make_lesson_text(course / "one", "fr", original=False)
    messages = formatted(tmp_path)
    assert ("demo/course.yaml:1: warning: lesson folder 'stray/' is not listed under any module, so it is not shown"
            in messages)
    assert any(m.startswith("demo/one/fr.md:1: warning: 'fr' is not one of the course's languages") for m in messages)


def test_translation_structure_must_match_the_original(tmp_path: Path) -> None:
    course = make_course(tmp_path)
    make_lesson_text(course / "one", "ru", original=False, body="## Только один раздел\n\nТекст.\n")
    assert ("demo/one/ru.md:1: warning: structure differs from en.md: 1 sections (## headings), "
            "the original has 2") in formatted(tmp_path)


def test_a_load_beside_other_threads_never_forks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Forking a multithreaded process can hang the child: only a single-threaded load reads in processes."""
    import threading

    from course_app.content import loader

    make_course(tmp_path, lessons=("a", "b", "c"))
    pools: list[str] = []

    class RecordingPool:
        """Stands in for ProcessPoolExecutor: records who asked, then runs the jobs here."""

        def __init__(self, *args: object, **kwargs: object) -> None:
            pools.append(threading.current_thread().name)

        def __enter__(self) -> RecordingPool:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def map(self, function, jobs, chunksize=1):  # type: ignore[no-untyped-def]
            return map(function, jobs)

    monkeypatch.setattr(loader, "ProcessPoolExecutor", RecordingPool)
    monkeypatch.setattr(loader, "PARALLEL_FROM", 2)
    monkeypatch.setattr(loader.os, "cpu_count", lambda: 4)
    loaded: list[Catalogue] = []
    beside = threading.Event()
    busy = threading.Thread(target=beside.wait, name="a server thread")
    busy.start()
    try:
        reader = threading.Thread(target=lambda: loaded.append(load_catalogue(tmp_path, OPTIONS)), name="watcher")
        reader.start()
        reader.join()
    finally:
        beside.set()
        busy.join()
    assert pools == [] and [lesson.slug for lesson in loaded[0].course("demo").lessons] == ["a", "b", "c"]  # type: ignore[union-attr]
    # Alone in its process, as a server starting up: the same load is read in several processes.
    monkeypatch.setattr(loader.threading, "active_count", lambda: 1)
    load_catalogue(tmp_path, OPTIONS)
    assert pools == ["MainThread"]
