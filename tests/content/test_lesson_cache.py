"""Lessons kept between starts (content/lesson_cache.py): reused only while every file they came
from is unchanged, never kept when just written, never read from a file this server did not sign."""

from __future__ import annotations

import logging
import os
import pickle
import shutil
import stat
import time
from pathlib import Path

import pytest

from course_app.addresses import ServerLinkStyle
from course_app.content import catalogue_store, lesson_cache, loader
from course_app.content.lesson_cache import LessonCache
from course_app.content.loader import LoadOptions, load_catalogue
from course_app.content.model import Catalogue
from tests.conftest import STARTER_LESSON_COUNT, STARTER_LESSONS, make_app
from tests.factories import make_course, make_lesson_text

OPTIONS = LoadOptions(languages=("en", "ru", "be"), link_style=ServerLinkStyle(neutral=False))
SECRET_KEY = "cache-test-secret-" + "k" * 32


def a_minute_later() -> float:
    """The clock as if the files had been written a minute ago (the cache keeps only settled files)."""
    return time.time() + 60


def cache_in(folder: Path, *, now: object = a_minute_later, secret: str = SECRET_KEY) -> LessonCache:
    """A cache on the file a server process would open at start (a new object: a new process)."""
    return LessonCache(folder / "lesson-cache" / "lessons.pickle", secret, now=now)  # type: ignore[arg-type]


def lesson_html(catalogue: Catalogue, course: str, lesson: str, lang: str = "en") -> str:
    found = catalogue.course(course)
    assert found is not None
    return found.lessons_by_slug[lesson].texts[lang].html


def test_a_second_start_reuses_every_lesson_and_serves_what_a_fresh_read_gives(tmp_path: Path) -> None:
    first = load_catalogue(STARTER_LESSONS, OPTIONS, cache_in(tmp_path))
    restarted = cache_in(tmp_path)
    again = load_catalogue(STARTER_LESSONS, OPTIONS, restarted)
    assert restarted.last_load == (STARTER_LESSON_COUNT, 0)
    fresh = load_catalogue(STARTER_LESSONS, OPTIONS)
    assert again.problems == fresh.problems == first.problems
    assert again.courses == fresh.courses
    for lesson in fresh.course("trade-unions").lessons:  # type: ignore[union-attr]
        for lang, text in lesson.texts.items():
            cached = again.course("trade-unions").lessons_by_slug[lesson.slug].texts[lang]  # type: ignore[union-attr]
            assert cached.html == text.html and cached.quiz == text.quiz


def test_an_edited_lesson_is_read_again_and_only_that_one(tmp_path: Path) -> None:
    make_course(tmp_path / "lessons", lessons=("one", "two", "three"))
    load_catalogue(tmp_path / "lessons", OPTIONS, cache_in(tmp_path))
    # Same size, one letter changed: only the file's times and inode tell.
    path = tmp_path / "lessons" / "demo" / "two" / "ru.md"
    path.write_text(path.read_text().replace("Text of two", "Text of Two"))
    restarted = cache_in(tmp_path)
    catalogue = load_catalogue(tmp_path / "lessons", OPTIONS, restarted)
    assert restarted.last_load == (2, 1)
    assert "Text of Two in ru" in lesson_html(catalogue, "demo", "two", "ru")
    # A new file in a lesson folder (a quiz) counts as a change to that lesson too.
    (tmp_path / "lessons" / "demo" / "three" / "quiz.en.yaml").write_text("questions: [\n")
    restarted = cache_in(tmp_path)
    catalogue = load_catalogue(tmp_path / "lessons", OPTIONS, restarted)
    assert restarted.last_load == (2, 1)
    assert any(p.path.name == "quiz.en.yaml" and p.is_error for p in catalogue.problems)


def test_a_lesson_written_moments_ago_is_read_again_next_time(tmp_path: Path) -> None:
    make_course(tmp_path / "lessons", lessons=("one", "two"))
    load_catalogue(tmp_path / "lessons", OPTIONS, cache_in(tmp_path, now=time.time))
    # Its files might still change within the same tick of the file system's clock: nothing was kept.
    restarted = cache_in(tmp_path, now=time.time)
    load_catalogue(tmp_path / "lessons", OPTIONS, restarted)
    assert restarted.last_load == (0, 2)
    assert not (tmp_path / "lesson-cache" / "lessons.pickle").exists()


def test_a_lesson_that_gains_a_link_out_or_a_second_name_is_checked_again(tmp_path: Path) -> None:
    course = make_course(tmp_path / "lessons", lessons=("one",), languages=("en",))
    make_lesson_text(course / "one", "en", original=True, body="## Part\n\n[Handout](media/handout.pdf)\n")
    (course / "one" / "media").mkdir()
    (course / "one" / "media" / "handout.pdf").write_bytes(b"%PDF-1.4 a handout")
    secret = tmp_path / "instance-secret"
    secret.write_text("TOP-SECRET")
    catalogue = load_catalogue(tmp_path / "lessons", OPTIONS, cache_in(tmp_path))
    assert not [p for p in catalogue.problems if p.is_error]
    (course / "one" / "media" / "handout.pdf").unlink()
    (course / "one" / "media" / "handout.pdf").symlink_to(secret)
    catalogue = load_catalogue(tmp_path / "lessons", OPTIONS, cache_in(tmp_path))
    assert any("symbolic link to a file outside" in p.message for p in catalogue.problems)
    assert catalogue.course("demo") is None or "one" not in catalogue.course("demo").lessons_by_slug  # type: ignore[union-attr]
    # A plain file again, now given a second name somewhere else on the disk.
    (course / "one" / "media" / "handout.pdf").unlink()
    (course / "one" / "media" / "handout.pdf").write_bytes(b"%PDF-1.4 a handout")
    assert not [p for p in load_catalogue(tmp_path / "lessons", OPTIONS, cache_in(tmp_path)).problems if p.is_error]
    os.link(course / "one" / "media" / "handout.pdf", tmp_path / "elsewhere.pdf")
    catalogue = load_catalogue(tmp_path / "lessons", OPTIONS, cache_in(tmp_path))
    assert any("is a hard link" in p.message for p in catalogue.problems)


class Planted:
    """What a forged cache file would carry: unpickling it would create ``marker``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (shutil.copyfile, (os.devnull, str(self.marker)))


def a_record(payload: bytes, signature: bytes) -> bytes:
    """One record of a cache file as the cache lays it out: the payload's length, its signature, the payload."""
    return lesson_cache._LENGTH.pack(len(payload)) + signature + payload


def cache_file_carrying(tmp_path: Path, forgery: str, marker: Path) -> Path:
    """A cache file at the place a server reads, carrying a planted object in the way ``forgery`` says."""
    path = tmp_path / "lesson-cache" / "lessons.pickle"
    path.parent.mkdir()
    planted = pickle.dumps(("any", Planted(marker)))
    if forgery == "an earlier version's layout, unsigned":
        path.write_bytes(bytes(32) + pickle.dumps({"any": Planted(marker)}))
    elif forgery == "unsigned":
        path.write_bytes(lesson_cache.FILE_HEADER + a_record(planted, bytes(lesson_cache.SIGNATURE_BYTES)))
    elif forgery == "another server's key":
        forger = cache_in(tmp_path, secret="another-secret-" + "x" * 32)
        forger.keep("any", Planted(marker))
        forger.save()
    else:  # this server's own file, with a planted record after its first one
        load_catalogue(STARTER_LESSONS, OPTIONS, cache_in(tmp_path))
        records = path.read_bytes()
        first_end = len(lesson_cache.FILE_HEADER) + lesson_cache._LENGTH.size + lesson_cache.SIGNATURE_BYTES + \
            lesson_cache._LENGTH.unpack_from(records, len(lesson_cache.FILE_HEADER))[0]
        path.write_bytes(records[:first_end] + a_record(planted, records[first_end + 8:first_end + 40])
                         + records[first_end:])
    return path


@pytest.mark.parametrize("forgery", ["an earlier version's layout, unsigned", "unsigned", "another server's key",
                                     "a record planted among this server's"])
def test_a_cache_file_this_server_did_not_sign_is_never_unpickled(tmp_path: Path, forgery: str,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    marker = tmp_path / "code-ran"
    cache_file_carrying(tmp_path, forgery, marker)
    caplog.set_level(logging.WARNING, "course_app.content")
    cache = cache_in(tmp_path)
    catalogue = load_catalogue(STARTER_LESSONS, OPTIONS, cache)
    assert not marker.exists()
    assert cache.last_load == (0, STARTER_LESSON_COUNT)
    assert catalogue.course("trade-unions") is not None
    assert "is not signed by this server" in caplog.text


@pytest.mark.parametrize("damage", ["cut short", "cut in a record's header", "a length longer than the file"])
def test_a_damaged_cache_file_is_ignored_and_written_again(tmp_path: Path, damage: str,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    load_catalogue(STARTER_LESSONS, OPTIONS, cache_in(tmp_path))
    path = tmp_path / "lesson-cache" / "lessons.pickle"
    records = path.read_bytes()
    header = len(lesson_cache.FILE_HEADER)
    if damage == "cut short":
        path.write_bytes(records[:-1])
    elif damage == "cut in a record's header":
        path.write_bytes(records[:header + 5])
    else:
        path.write_bytes(records[:header] + lesson_cache._LENGTH.pack(2**62) + records[header + 8:])
    caplog.set_level(logging.WARNING, "course_app.content")
    cache = cache_in(tmp_path)
    fresh = load_catalogue(STARTER_LESSONS, OPTIONS, cache)
    assert cache.last_load == (0, STARTER_LESSON_COUNT)
    assert fresh.course("trade-unions") is not None
    assert "is not signed by this server" in caplog.text
    restarted = cache_in(tmp_path)
    load_catalogue(STARTER_LESSONS, OPTIONS, restarted)
    assert restarted.last_load == (STARTER_LESSON_COUNT, 0)


def test_the_cache_file_is_readable_by_the_server_only(tmp_path: Path) -> None:
    load_catalogue(STARTER_LESSONS, OPTIONS, cache_in(tmp_path))
    assert stat.S_IMODE((tmp_path / "lesson-cache" / "lessons.pickle").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "lesson-cache").stat().st_mode) == 0o700


def test_an_unwritable_cache_folder_only_costs_time(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "lesson-cache").write_text("a file where the folder should be")
    caplog.set_level(logging.WARNING, "course_app.content")
    catalogue = load_catalogue(STARTER_LESSONS, OPTIONS, cache_in(tmp_path))
    assert catalogue.course("trade-unions") is not None
    assert "could not save the lesson cache" in caplog.text


def test_the_app_keeps_lessons_in_its_instance_folder_and_its_reloads_read_only_what_changed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lesson_cache, "RACY_SECONDS", -60)  # the files below count as settled at once
    make_course(tmp_path / "lessons", lessons=("one", "two", "three"))
    settings = {"LESSONS_DIR": str(tmp_path / "lessons"), "LESSON_CACHE_DIR": ""}
    make_app(tmp_path / "first", **settings)
    assert len(list((tmp_path / "first" / "instance" / "lesson-cache").glob("*.pickle"))) == 1
    # No watcher: the test reloads by itself.
    app = make_app(tmp_path / "second", INSTANCE_PATH=str(tmp_path / "first" / "instance"), RELOAD_LESSONS=False,
                   **settings)
    store = catalogue_store(app)
    cache = store._load.keywords["cache"]  # type: ignore[attr-defined]
    assert cache.last_load == (3, 0)
    make_lesson_text(tmp_path / "lessons" / "demo" / "one", "en", original=True, body="## Part\n\nRewritten.\n")
    result = store.reload_if_changed()
    assert result is not None and result.held_back == ()
    assert cache.last_load == (2, 1)
    assert "Rewritten." in app.test_client().get("/en/demo/one").get_data(as_text=True)


def test_a_reload_keeps_each_lessons_term_warnings_and_finds_them_again_when_a_lesson_or_the_terms_change(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The words to avoid are looked for in every lesson file; an unchanged lesson's warnings come from the cache
    (its files are not read for them), and an edit to one lesson, or to terms.yaml, finds them anew."""
    from tests.content.test_terms import course_with_terms

    course = course_with_terms(tmp_path / "lessons")
    make_lesson_text(course / "one", "en", original=True, body="## Part\n\nAsk your boss.\n\n## Sources\n\n- A\n")
    looked_at: list[str] = []
    scan = loader._lesson_vocabulary
    monkeypatch.setattr(loader, "_lesson_vocabulary", lambda *args: looked_at.append(args[2]) or scan(*args))

    def warnings() -> list[str]:
        problems = load_catalogue(tmp_path / "lessons", OPTIONS, cache_in(tmp_path)).problems
        return [problem.format(tmp_path / "lessons") for problem in problems if problem.rule == "terms"]

    expected = ["demo/one/en.md:8: warning: 'boss': this course writes 'employer' (terms.yaml, 'employer')"]
    assert warnings() == expected and looked_at == ["one"]
    assert warnings() == expected and looked_at == ["one"]  # from the cache: no file read for them
    make_lesson_text(course / "one", "en", original=True, body="## Part\n\nAsk the employer.\n\n## Sources\n\n- A\n")
    assert warnings() == [] and looked_at == ["one", "one"]
    assert warnings() == [] and looked_at == ["one", "one"]
    terms = course / "terms.yaml"
    terms.write_text(terms.read_text().replace("avoid: [boss]", "avoid: [boss, ask]"))
    assert warnings() == ["demo/one/en.md:8: warning: 'Ask': this course writes 'employer' (terms.yaml, 'employer')"]
    assert looked_at == ["one", "one", "one"]
