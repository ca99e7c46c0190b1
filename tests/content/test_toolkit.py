"""Educator toolkit: lessons new → check clean, translation status counts, reload without downtime."""

from __future__ import annotations

import gc
import json
import weakref
from functools import partial
from pathlib import Path

import pytest

from course_app.content import catalogue_store
from course_app.content.loader import load_catalogue
from course_app.content.scaffold import ScaffoldError, scaffold_lesson
from course_app.content.store import CatalogueStore
from tests.conftest import make_app
from tests.content.test_loader import OPTIONS
from tests.factories import edit_front_matter, front_matter_value, make_course
from tests.test_cli import invoke_course_app


def course_app(tmp_path: Path, lessons: Path, *args: str):  # type: ignore[no-untyped-def]
    return invoke_course_app(*args, cwd=tmp_path, env={"LESSONS_DIR": str(lessons),
                                                       "INSTANCE_PATH": str(tmp_path / "instance")})


def test_new_lesson_in_existing_course_then_check_is_clean(lessons_copy: Path, tmp_path: Path) -> None:
    result = course_app(tmp_path, lessons_copy, "lessons", "new", "trade-unions/right-to-strike", "--quiz")
    assert result.returncode == 0, result.stderr
    folder = lessons_copy / "trade-unions" / "right-to-strike"
    assert sorted(p.name for p in folder.iterdir()) == ["be.md", "en.md", "quiz.be.yaml", "quiz.en.yaml",
                                                        "quiz.ru.yaml", "ru.md"]
    assert "      - right-to-strike" in (lessons_copy / "trade-unions" / "course.yaml").read_text()
    assert "translation_of: 1" in (folder / "ru.md").read_text()
    assert "draft: true" in (folder / "en.md").read_text() and "These are drafts" in result.stdout
    check = course_app(tmp_path, lessons_copy, "lessons", "check", "--strict")
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout == ""
    # A draft: learners do not see it; the preview does.
    app = make_app(tmp_path / "site", LESSONS_DIR=str(lessons_copy))
    assert app.test_client().get("/ru/trade-unions/right-to-strike").status_code == 404
    assert "right-to-strike" not in app.test_client().get("/ru/trade-unions/").get_data(as_text=True)
    preview = make_app(tmp_path / "preview", LESSONS_DIR=str(lessons_copy), PREVIEW=True)
    assert preview.test_client().get("/ru/trade-unions/right-to-strike").status_code == 200
    # Published once the educator removes the line; comments for educators never reach learners.
    en = folder / "en.md"
    en.write_text("\n".join(line for line in en.read_text().split("\n") if "draft" not in line.lower()))
    app = make_app(tmp_path / "published", LESSONS_DIR=str(lessons_copy))
    html = app.test_client().get("/ru/trade-unions/right-to-strike").get_data(as_text=True)
    assert "Напишите урок здесь." in html and "never shown to learners" not in html and "&lt;!--" not in html


def test_new_course_with_chosen_languages_is_a_draft(lessons_copy: Path, tmp_path: Path) -> None:
    result = course_app(tmp_path, lessons_copy, "lessons", "new", "health/first-aid", "--langs", "ru,be")
    assert result.returncode == 0, result.stderr
    assert (lessons_copy / "health" / "course.yaml").is_file()
    assert course_app(tmp_path, lessons_copy, "lessons", "check", "--strict").returncode == 0
    app = make_app(tmp_path / "site", LESSONS_DIR=str(lessons_copy))
    assert "Новый курс" not in app.test_client().get("/ru/").get_data(as_text=True)
    preview = make_app(tmp_path / "preview", LESSONS_DIR=str(lessons_copy), PREVIEW=True)
    assert "Новый курс" in preview.test_client().get("/ru/").get_data(as_text=True)


def test_new_lesson_takes_the_courses_languages(lessons_copy: Path, tmp_path: Path) -> None:
    new_course = course_app(tmp_path, lessons_copy, "lessons", "new", "health/first-aid", "--langs", "ru,en")
    assert new_course.returncode == 0, new_course.stderr
    second = course_app(tmp_path, lessons_copy, "lessons", "new", "health/burns")
    assert second.returncode == 0, second.stderr
    folder = lessons_copy / "health" / "burns"
    assert sorted(path.name for path in folder.iterdir()) == ["en.md", "ru.md"]  # no be.md in an en/ru course
    assert "revision: 1" in (folder / "ru.md").read_text()  # ru is this course's original


@pytest.mark.parametrize(("target", "message"), [
    ("trade-unions/wages", "already exists"),
    ("Trade/Unions", "write COURSE/LESSON"),
    ("just-one-part", "write COURSE/LESSON"),
    ("progress/x", "used by the site itself"),
])
def test_new_refuses_bad_targets(lessons_copy: Path, target: str, message: str) -> None:
    with pytest.raises(ScaffoldError, match=message):
        scaffold_lesson(lessons_copy, target, ["en"])


def test_new_with_unknown_language_is_a_usage_error(lessons_copy: Path, tmp_path: Path) -> None:
    result = course_app(tmp_path, lessons_copy, "lessons", "new", "x/y", "--langs", "en,fr")
    assert result.returncode == 2 and "does not speak fr" in result.stderr


def test_status_counts_translated_missing_and_stale(lessons_copy: Path, tmp_path: Path) -> None:
    unit = lessons_copy / "trade-unions"
    (unit / "wages" / "be.md").unlink()
    (unit / "wages" / "quiz.ru.yaml").unlink()
    forced_labour = unit / "forced-labour" / "en.md"
    edit_front_matter(forced_labour, revision=int(front_matter_value(forced_labour, "revision")) + 1)  # type: ignore[call-overload]
    # The Belarusian page shows the Belarusian video, so its Belarusian subtitles are the ones counted.
    (unit / "what-is-a-union" / "media" / "what-a-union-does-be.be.vtt").unlink()
    lessons = len(load_catalogue(lessons_copy, OPTIONS).course("trade-unions").lessons)  # type: ignore[union-attr]
    result = course_app(tmp_path, lessons_copy, "lessons", "status", "--format", "json")
    rows = {row["lang"]: row for row in json.loads(result.stdout)}
    assert rows["en"]["lessons"] == {"translated": lessons, "stale": 0, "missing": 0}
    assert rows["ru"]["lessons"] == {"translated": lessons - 1, "stale": 1, "missing": 0}
    assert rows["be"]["lessons"] == {"translated": lessons - 2, "stale": 1, "missing": 1}
    assert rows["ru"]["quizzes"] == {"translated": lessons - 1, "stale": 0, "missing": 1}
    assert rows["be"]["subtitles"] == {"translated": 1, "stale": 0, "missing": 1}
    assert rows["ru"]["subtitles"] == {"translated": 2, "stale": 0, "missing": 0}
    text = course_app(tmp_path, lessons_copy, "lessons", "status").stdout
    assert "trade-unions" in text and f"{lessons - 2}/{lessons} ok, 1 stale, 1 missing" in text


def test_reload_accepts_a_good_change_and_refuses_a_bad_one(lessons_copy: Path, tmp_path: Path) -> None:
    # The test reloads by itself, so no watcher thread runs: one could reload first and leave it nothing.
    app = make_app(tmp_path, LESSONS_DIR=str(lessons_copy), RELOAD_LESSONS=False)
    client = app.test_client()
    path = lessons_copy / "trade-unions" / "wages" / "en.md"
    good = path.read_text().replace("title: Wages and the minimum wage", "title: Wages, fairly paid")
    path.write_text(good)
    store = catalogue_store(app)
    result = store.reload_if_changed()
    assert result is not None and result.accepted
    assert "<h1>Wages, fairly paid</h1>" in client.get("/en/trade-unions/wages").get_data(as_text=True)
    path.write_text(good.replace("title: Wages, fairly paid", "title: [broken"))
    refused = store.reload_if_changed()
    assert refused is not None and not refused.accepted
    assert any(p.path == path for p in refused.new_errors)
    # The previous version keeps serving, whole.
    assert "<h1>Wages, fairly paid</h1>" in client.get("/en/trade-unions/wages").get_data(as_text=True)
    # Fixing it is accepted again.
    path.write_text(good.replace("title: Wages, fairly paid", "title: Wages again"))
    assert store.reload_if_changed().accepted
    assert "<h1>Wages again</h1>" in client.get("/en/trade-unions/wages").get_data(as_text=True)


def test_a_running_server_publishes_changed_files_by_itself(lessons_copy: Path, tmp_path: Path) -> None:
    """A git pull publishes with no operator step: the watcher thread, off the request path, reloads."""
    app = make_app(tmp_path, LESSONS_DIR=str(lessons_copy), RELOAD_LESSONS=True)
    client = app.test_client()
    store = catalogue_store(app)
    store.check_interval = 0.05  # look often, so the test need not wait a second
    store.swapped.clear()
    path = lessons_copy / "trade-unions" / "wages" / "ru.md"
    path.write_text(path.read_text().replace("title: ", "title: Обновлено — ", 1))
    client.get("/ru/")  # the first request starts the watcher; the request itself does not look
    assert store.swapped.wait(timeout=30), "the watcher did not publish the change"
    assert "Обновлено — " in client.get("/ru/trade-unions/wages").get_data(as_text=True)


def test_the_watcher_ends_when_its_store_is_closed_or_let_go(tmp_path: Path) -> None:
    """A watcher never outlives its store: closed, it stops; let go, the store is collected and the
    watcher ends, instead of looking at the files of an app nobody uses for ever."""
    lessons = tmp_path / "lessons"
    make_course(lessons, "demo")
    watchers = []
    for let_go in (False, True):
        store = CatalogueStore(lessons, partial(load_catalogue, options=OPTIONS),
                               watch=True, check_interval=0.01)
        assert store.generation.catalogue.course("demo") is not None  # the first use starts the watcher
        watcher = store._watcher
        assert watcher is not None and watcher.is_alive()
        if let_go:
            collected = weakref.ref(store)
            del store
            gc.collect()
            assert collected() is None
        else:
            store.close()
        watcher.join(timeout=10)
        watchers.append(watcher.is_alive())
    assert watchers == [False, False]


def test_drafts_hidden_on_a_server_and_shown_in_preview(lessons_copy: Path, tmp_path: Path) -> None:
    path = lessons_copy / "trade-unions" / "wages" / "en.md"
    edit_front_matter(path, draft=True)
    server = make_app(tmp_path / "server", LESSONS_DIR=str(lessons_copy))
    assert server.test_client().get("/en/trade-unions/wages").status_code == 404
    assert "/wages" not in server.test_client().get("/en/trade-unions/").get_data(as_text=True)
    (lessons_copy / "trade-unions" / "forced-labour" / "ru.md").write_text("---\ntitle: [\n---\n")
    preview = make_app(tmp_path / "preview", LESSONS_DIR=str(lessons_copy), PREVIEW=True)
    page = preview.test_client().get("/en/trade-unions/wages").get_data(as_text=True)
    assert "Draft: learners do not see this lesson." in page
    assert "lessons/trade-unions/forced-labour/ru.md:2: YAML syntax error" in page
    # The preview re-reads files on the next page load and shows new problems at once.
    (lessons_copy / "trade-unions" / "wages" / "be.md").write_text("no front matter")
    page = preview.test_client().get("/be/trade-unions/").get_data(as_text=True)
    assert "lessons/trade-unions/wages/be.md:1: a lesson file starts with" in page
