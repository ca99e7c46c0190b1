"""Educator toolkit: lessons new → check clean, translation status counts, reload without downtime."""

from __future__ import annotations

import gc
import json
import re
import weakref
from functools import partial
from pathlib import Path

import pytest

from course_app.content import catalogue_store
from course_app.content.loader import load_catalogue
from course_app.content.scaffold import ScaffoldError, scaffold_lesson
from course_app.content.store import CatalogueStore, ReloadResult
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
    check = course_app(tmp_path, lessons_copy, "lessons", "check")
    assert check.returncode == 0, check.stdout + check.stderr
    # The translations still hold placeholders: each one is named, as a warning, and none is published.
    assert sorted(line.split(": warning: ")[0] for line in check.stdout.splitlines()) == [
        f"lessons/trade-unions/right-to-strike/{name}:1" for name in ("be.md", "quiz.be.yaml", "quiz.ru.yaml", "ru.md")]
    assert all(": warning: placeholder: " in line for line in check.stdout.splitlines())
    # A draft: learners do not see it; the preview does.
    app = make_app(tmp_path / "site", LESSONS_DIR=str(lessons_copy))
    assert app.test_client().get("/ru/trade-unions/right-to-strike").status_code == 404
    assert "right-to-strike" not in app.test_client().get("/ru/trade-unions/").get_data(as_text=True)
    preview = make_app(tmp_path / "preview", LESSONS_DIR=str(lessons_copy), PREVIEW=True)
    assert preview.test_client().get("/ru/trade-unions/right-to-strike").status_code == 200
    # Published once the educator removes the line; comments for educators never reach learners, and the
    # Russian placeholder is not published: Russian readers get the English text, marked as not translated.
    en = folder / "en.md"
    en.write_text("\n".join(line for line in en.read_text().split("\n") if "draft" not in line.lower()))
    app = make_app(tmp_path / "published", LESSONS_DIR=str(lessons_copy))
    html = app.test_client().get("/ru/trade-unions/right-to-strike").get_data(as_text=True)
    assert "Write the lesson here." in html and "Напишите урок здесь." not in html
    assert "Это ещё не переведено на язык «Русский»" in html
    assert "never shown to learners" not in html and "&lt;!--" not in html and "course-app placeholder" not in html
    # Once the translator writes it, it is published, whatever else stays as it was.
    ru = folder / "ru.md"
    ru.write_text(ru.read_text().replace("Напишите урок здесь.", "Право на забастовку защищено."))
    app = make_app(tmp_path / "translated", LESSONS_DIR=str(lessons_copy))
    html = app.test_client().get("/ru/trade-unions/right-to-strike").get_data(as_text=True)
    assert "Право на забастовку защищено." in html and "Это ещё не переведено" not in html


def test_new_course_with_chosen_languages_is_a_draft(lessons_copy: Path, tmp_path: Path) -> None:
    result = course_app(tmp_path, lessons_copy, "lessons", "new", "health/first-aid", "--langs", "ru,be")
    assert result.returncode == 0, result.stderr
    assert (lessons_copy / "health" / "course.yaml").is_file()
    assert course_app(tmp_path, lessons_copy, "lessons", "check").returncode == 0
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


def test_status_counts_and_names_what_is_missing_stale_or_a_placeholder(lessons_copy: Path, tmp_path: Path) -> None:
    unit = lessons_copy / "trade-unions"
    (unit / "wages" / "be.md").unlink()
    (unit / "wages" / "quiz.ru.yaml").unlink()
    forced_labour = unit / "forced-labour" / "en.md"
    edit_front_matter(forced_labour, revision=int(front_matter_value(forced_labour, "revision")) + 1)  # type: ignore[call-overload]
    # The Belarusian page shows the Belarusian video, so its Belarusian subtitles are the ones counted.
    (unit / "what-is-a-union" / "media" / "what-a-union-does-be.be.vtt").unlink()
    # A quiz translation that differs from its original is stale, whatever its translation_of says.
    strikes_quiz = unit / "strikes" / "quiz.be.yaml"
    first_id = re.search(r"- id: ([a-z0-9-]+)", strikes_quiz.read_text()).group(1)  # type: ignore[union-attr]
    strikes_quiz.write_text(strikes_quiz.read_text().replace(f"- id: {first_id}\n", "- id: renamed\n", 1))
    assert course_app(tmp_path, lessons_copy, "lessons", "new", "trade-unions/new-one", "--quiz").returncode == 0
    lessons = len(load_catalogue(lessons_copy, OPTIONS).course("trade-unions").lessons)  # type: ignore[union-attr]
    total = lessons + 1  # and the new draft, which the status includes
    result = course_app(tmp_path, lessons_copy, "lessons", "status", "--format", "json")
    rows = {row["lang"]: row for row in json.loads(result.stdout)}
    assert rows["en"]["lessons"] == {"translated": total, "stale": 0, "missing": 0, "placeholder": 0, "which": {}}
    assert rows["ru"]["lessons"] == {"translated": total - 2, "stale": 1, "missing": 0, "placeholder": 1,
                                     "which": {"stale": ["trade-unions/forced-labour"],
                                               "placeholder": ["trade-unions/new-one"]}}
    assert rows["be"]["lessons"]["which"] == {"stale": ["trade-unions/forced-labour"],
                                              "missing": ["trade-unions/wages"],
                                              "placeholder": ["trade-unions/new-one"]}
    assert rows["ru"]["quizzes"]["which"] == {"missing": ["trade-unions/wages"],
                                              "placeholder": ["trade-unions/new-one"]}
    assert rows["be"]["quizzes"]["which"] == {"stale": ["trade-unions/strikes"],
                                              "placeholder": ["trade-unions/new-one"]}
    assert rows["be"]["subtitles"]["translated"] == 1 and rows["be"]["subtitles"]["missing"] == 1
    assert rows["ru"]["subtitles"]["translated"] == 2 and rows["ru"]["subtitles"]["missing"] == 0
    text = course_app(tmp_path, lessons_copy, "lessons", "status").stdout
    assert f"{total - 3}/{total} ok, 1 stale, 1 placeholder, 1 missing" in text
    below_be = text.split("trade-unions             be", 1)[1]
    for line in ("stale:        trade-unions/forced-labour (lesson)", "stale:        trade-unions/strikes (quiz)",
                 "missing:      trade-unions/wages (lesson)", "placeholder:  trade-unions/new-one (lesson, quiz)"):
        assert line in below_be, text


def test_one_rule_a_broken_lesson_holds_back_only_itself(lessons_copy: Path, tmp_path: Path) -> None:
    """A reload publishes every change but a lesson that now has errors, which learners get as "being updated";
    a fresh start on the same files gives exactly the same answer, and fixing the lesson publishes it."""
    # The test reloads by itself, so no watcher thread runs: one could reload first and leave it nothing.
    app = make_app(tmp_path / "running", LESSONS_DIR=str(lessons_copy), RELOAD_LESSONS=False)
    client = app.test_client()
    wages = lessons_copy / "trade-unions" / "wages" / "en.md"
    strikes = lessons_copy / "trade-unions" / "strikes" / "en.md"
    wages.write_text(wages.read_text().replace("title: Wages and the minimum wage", "title: Wages, fairly paid"))
    store = catalogue_store(app)
    assert store.reload_if_changed() == ReloadResult()
    assert "<h1>Wages, fairly paid</h1>" in client.get("/en/trade-unions/wages").get_data(as_text=True)
    # One broken lesson and one good change, in the same reload.
    good = wages.read_text()
    wages.write_text(good.replace("title: Wages, fairly paid", "title: [broken"))
    strikes.write_text(strikes.read_text().replace("title: ", "title: Edited — ", 1))
    result = store.reload_if_changed()
    assert result is not None and [item.what for item in result.held_back] == ["lesson 'trade-unions/wages'"]
    assert result.held_back[0].reasons[0].path == wages
    broken = client.get("/en/trade-unions/wages")
    assert broken.status_code == 503 and "This lesson is being updated" in broken.get_data(as_text=True)
    assert "Edited — " in client.get("/en/trade-unions/strikes").get_data(as_text=True)
    contents = client.get("/en/trade-unions/").get_data(as_text=True)
    assert "Being updated" in contents and "Edited — " in contents
    # A server started now on the same files serves the same.
    fresh = make_app(tmp_path / "fresh", LESSONS_DIR=str(lessons_copy)).test_client()
    assert fresh.get("/en/trade-unions/wages").status_code == 503
    assert "Edited — " in fresh.get("/en/trade-unions/strikes").get_data(as_text=True)
    # Fixing it publishes it again.
    wages.write_text(good.replace("title: Wages, fairly paid", "title: Wages again"))
    assert [item.what for item in store.reload_if_changed().released] == ["lesson 'trade-unions/wages'"]  # type: ignore[union-attr]
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
    assert "In all lesson files: 1 error, 0 warnings." in page
    page = preview.test_client().get("/en/trade-unions/forced-labour").get_data(as_text=True)
    assert "<strong>Error:</strong> <code>lessons/trade-unions/forced-labour/ru.md:2</code> YAML syntax error" in page
    # The preview re-reads files on the next page load and shows new problems at once.
    (lessons_copy / "trade-unions" / "wages" / "be.md").write_text("no front matter")
    page = preview.test_client().get("/be/trade-unions/wages").get_data(as_text=True)
    assert "<code>lessons/trade-unions/wages/be.md:1</code> a lesson file starts with" in page
    contents = preview.test_client().get("/en/trade-unions/").get_data(as_text=True)
    assert contents.count('<span class="badge badge--error">Held back</span>') == 2
    assert '<span class="badge badge--warning">Draft</span>' in contents


def test_a_broken_subtitle_file_loses_only_its_own_track(lessons_copy: Path, tmp_path: Path) -> None:
    """The one error that does not hold its lesson back: the lesson is served, without that language's track."""
    track = lessons_copy / "trade-unions" / "what-is-a-union" / "media" / "what-a-union-does-en.ru.vtt"
    track.write_text("WEBVTT\n\n1\nnot a timing line\nText\n", encoding="utf-8")
    catalogue = load_catalogue(lessons_copy, OPTIONS)
    assert any(p.path == track and p.is_error for p in catalogue.problems)
    assert catalogue.held_back == ()
    lesson = catalogue.course("trade-unions").lessons_by_slug["what-is-a-union"]  # type: ignore[union-attr]
    video = lesson.texts["en"].videos[0]
    assert "ru" not in {subtitle.lang for subtitle in video.subtitles} and "en" in {s.lang for s in video.subtitles}
    client = make_app(tmp_path, LESSONS_DIR=str(lessons_copy)).test_client()
    assert client.get("/en/trade-unions/what-is-a-union").status_code == 200


def test_a_workers_first_answer_has_the_changes_made_since_it_started(lessons_copy: Path, tmp_path: Path) -> None:
    """A worker idle since it started (after a HUP, say) answers its first request from the files as they are
    now, like every other worker, not from what it read when it started."""
    app = make_app(tmp_path, LESSONS_DIR=str(lessons_copy), RELOAD_LESSONS=True)
    path = lessons_copy / "trade-unions" / "wages" / "en.md"
    path.write_text(path.read_text().replace("title: Wages and the minimum wage", "title: Wages, changed meanwhile"))
    try:
        assert "<h1>Wages, changed meanwhile</h1>" in app.test_client().get("/en/trade-unions/wages").get_data(
            as_text=True)
    finally:
        catalogue_store(app).close()
