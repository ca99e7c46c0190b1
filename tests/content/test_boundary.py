"""The lesson tree is untrusted input: no path, link or field in it reaches a file outside its lesson folder.

Each attack an outside review made against a running instance is here: a symbolic link in
``media/`` to the live database, the secrets or /etc/passwd; ``..`` and absolute paths in a
video's poster and subtitles; a subtitle track that is not a .vtt; linked folders; a hard link;
a link that appears after the catalogue was loaded; and the mirror export. The checker must
report each with ``path:line``, the site must refuse to serve it, and so must the export.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask

from course_app.addresses import ServerLinkStyle
from course_app.content import boundary, catalogue_store
from course_app.content.boundary import (
    OutsideBoundary,
    examine,
    examine_folder,
    is_inside,
    open_published,
    relative_reference,
)
from course_app.content.loader import LoadOptions, load_catalogue
from tests.conftest import STARTER_LESSONS, make_app
from tests.factories import make_course, make_lesson_text, plain_pdf
from tests.test_cli import invoke_course_app, run_course_app

OPTIONS = LoadOptions(languages=("en", "ru", "be"), link_style=ServerLinkStyle(neutral=False))
STARTER_MEDIA = STARTER_LESSONS / "trade-unions" / "what-is-a-union" / "media"
SECRET = "TOP-SECRET-MARKER-7f3a"


@pytest.fixture()
def outside(tmp_path: Path) -> Path:
    """Files outside the lessons tree, like an instance folder and the system's files."""
    folder = tmp_path / "instance"
    folder.mkdir()
    for name in ("course_app.sqlite3", "secret_key", "learner_code_pepper", "secret.vtt", "poster.jpg",
                 "handout.pdf"):
        (folder / name).write_text(f"WEBVTT\n\n00:00.000 --> 00:01.000\n{SECRET} {name}\n")
    return folder


def lesson_with_body(root: Path, body: str) -> Path:
    """The demo course whose lesson 'one' has ``body`` in English; returns the lesson folder."""
    course = make_course(root / "lessons", lessons=("one",), languages=("en",))
    make_lesson_text(course / "one", "en", original=True, body=body)
    (course / "one" / "media").mkdir()
    return course / "one"


def problems(root: Path) -> list[str]:
    return [p.format(root) for p in load_catalogue(root, OPTIONS).problems if p.is_error]


def published(root: Path) -> dict[str, Path]:
    catalogue = load_catalogue(root, OPTIONS)
    course = catalogue.course("demo")
    if course is None or "one" not in course.lessons_by_slug:
        return {}
    return {name: file.path for text in course.lessons_by_slug["one"].texts.values()
            for name, file in text.media.items()}


@pytest.mark.parametrize("target", ["course_app.sqlite3", "secret_key", "learner_code_pepper", "/etc/passwd"])
def test_symlink_in_media_to_a_file_outside_is_an_error_at_the_linking_line(tmp_path: Path, outside: Path,
                                                                             target: str) -> None:
    lesson = lesson_with_body(tmp_path, "## Part\n\nRead [the handout](media/db.pdf).\n")
    (lesson / "media" / "db.pdf").symlink_to(outside / target if not target.startswith("/") else target)
    found = problems(tmp_path / "lessons")
    # Front matter takes lines 1-5; the link is on line 8.
    assert any(line.startswith("demo/one/en.md:8: link 'media/db.pdf' is a symbolic link to a file outside")
               for line in found), found
    assert any(line.startswith("demo/one/media/db.pdf:1: 'db.pdf' is a symbolic link") for line in found), found
    assert "media/db.pdf" not in published(tmp_path / "lessons")


@pytest.mark.parametrize(("path", "folder", "inside"), [
    ("/lessons/demo/wages", "/lessons/demo/wages", True),
    ("/lessons/demo/wages/media/a.pdf", "/lessons/demo/wages", True),
    ("/lessons/demo/wages/media/a.pdf", "/lessons/demo/wages/", True),
    ("/lessons/demo/wages-old/media/a.pdf", "/lessons/demo/wages", False),
    ("/lessons/demo/wagesold", "/lessons/demo/wages", False),
    ("/lessons/demo", "/lessons/demo/wages", False),
])
def test_is_inside_is_about_folders_not_name_prefixes(path: str, folder: str, inside: bool) -> None:
    assert is_inside(path, folder) is inside


def test_a_link_into_a_sibling_folder_that_shares_the_name_is_outside(tmp_path: Path) -> None:
    """A lesson folder ``one`` may not reach ``one-old`` beside it, although its path starts with ``one``."""
    lesson = lesson_with_body(tmp_path, "## Part\n\nRead [the handout](media/db.pdf).\n")
    sibling = lesson.with_name("one-old")
    sibling.mkdir()
    (sibling / "db.pdf").write_text(SECRET)
    (lesson / "media" / "db.pdf").symlink_to(sibling / "db.pdf")
    found = problems(tmp_path / "lessons")
    assert any(line.startswith("demo/one/en.md:8: link 'media/db.pdf' is a symbolic link to a file outside")
               for line in found), found
    assert "media/db.pdf" not in published(tmp_path / "lessons")


def test_symlinked_media_folder_and_lesson_folder_are_refused(tmp_path: Path, outside: Path) -> None:
    lesson = lesson_with_body(tmp_path, "## Part\n\n![A picture](media/poster.jpg)\n")
    (lesson / "media").rmdir()
    (lesson / "media").symlink_to(outside, target_is_directory=True)
    found = problems(tmp_path / "lessons")
    assert any(line.startswith("demo/one/en.md:8: image 'media/poster.jpg'") and "outside" in line for line in found)
    assert any(line.startswith("demo/one/media:1: 'media' is a symbolic link to a folder outside") for line in found)
    assert published(tmp_path / "lessons") == {}
    # A whole lesson folder linked elsewhere is refused where course.yaml lists it.
    course = tmp_path / "lessons" / "demo"
    shutil.rmtree(course / "one")
    (course / "one").symlink_to(outside, target_is_directory=True)
    found = problems(tmp_path / "lessons")
    assert any(line.startswith("demo/course.yaml:") and "lesson 'one': its folder is a symbolic link" in line
               for line in found), found


def test_lesson_text_linked_to_a_file_outside_is_never_read(tmp_path: Path, outside: Path) -> None:
    lesson = lesson_with_body(tmp_path, "## Part\n\nText.\n")
    (lesson / "en.md").unlink()
    (lesson / "en.md").symlink_to(outside / "secret_key")
    catalogue = load_catalogue(tmp_path / "lessons", OPTIONS)
    found = [p.format(tmp_path / "lessons") for p in catalogue.problems]
    assert "demo/one/en.md:1: 'en.md' is a symbolic link to a file outside the folder one/; put a real copy of " \
           "the file there instead" in found
    assert SECRET not in repr(catalogue)


@pytest.mark.parametrize("field, expected", [
    ("poster: ../../../instance/poster.jpg",
     "en.md:11: poster '../../../instance/poster.jpg' must be inside the lesson"),
    ("poster: {outside}/poster.jpg", "en.md:11: poster '{outside}/poster.jpg' must be inside the lesson folder"),
    ("subtitles:\n  en: ../../../instance/secret.vtt", "en.md:12: subtitles '../../../instance/secret.vtt' must be "
                                                       "inside the lesson folder"),
    ("subtitles:\n  en: {outside}/secret.vtt", "en.md:12: subtitles '{outside}/secret.vtt' must be inside the lesson"),
    ("subtitles:\n  en: en.md", "en.md:12: subtitles 'en.md' must be a WebVTT file (.vtt)"),
    ("poster: media/notes.vtt", "en.md:11: poster 'media/notes.vtt' must be a .jpg or .jpeg or .png or .webp or .gif"),
])
def test_video_poster_and_subtitles_cannot_name_files_outside(tmp_path: Path, outside: Path, field: str,
                                                              expected: str) -> None:
    field, expected = field.format(outside=outside), expected.format(outside=outside)
    lesson = lesson_with_body(tmp_path, "## Part\n\n```video\ntitle: A film\nsource: media/film.mp4\n"
                                        f"{field}\n```\n")
    shutil.copy(next(STARTER_MEDIA.glob("*.240p.mp4")), lesson / "media" / "film.240p.mp4")
    shutil.copy(next(STARTER_MEDIA.glob("*.en.vtt")), lesson / "media" / "notes.vtt")
    found = problems(tmp_path / "lessons")
    assert any(line.startswith(f"demo/one/{expected}") for line in found), found
    catalogue = load_catalogue(tmp_path / "lessons", OPTIONS)
    assert SECRET not in repr(catalogue)
    assert all(outside not in path.parents for path in published(tmp_path / "lessons").values())


def test_video_sizes_linked_outside_refuse_the_video(tmp_path: Path, outside: Path) -> None:
    lesson = lesson_with_body(tmp_path, "## Part\n\n```video\ntitle: A film\nsource: media/film.mp4\n```\n")
    (lesson / "media" / "film.240p.mp4").symlink_to(outside / "course_app.sqlite3")
    found = problems(tmp_path / "lessons")
    assert any(line.startswith("demo/one/en.md:10: video size 'media/film.240p.mp4' is a symbolic link to a file "
                               "outside") for line in found), found


def test_hard_link_and_special_files_are_refused(tmp_path: Path, outside: Path) -> None:
    lesson = lesson_with_body(tmp_path, "## Part\n\n[Notes](media/notes.pdf) and [a pipe](media/pipe.pdf).\n")
    os.link(outside / "handout.pdf", lesson / "media" / "notes.pdf")
    os.mkfifo(lesson / "media" / "pipe.pdf")
    found = problems(tmp_path / "lessons")
    assert any(line.startswith("demo/one/en.md:8: link 'media/notes.pdf' is a hard link") for line in found), found
    assert any(line.startswith("demo/one/en.md:8: link 'media/pipe.pdf' is not a plain file") for line in found)
    assert published(tmp_path / "lessons") == {}


def test_links_inside_the_lesson_folder_still_work(tmp_path: Path) -> None:
    lesson = lesson_with_body(tmp_path, "## Part\n\n[Notes](media/notes.pdf)\n")
    (lesson / "media" / "real.pdf").write_bytes(plain_pdf())
    (lesson / "media" / "notes.pdf").symlink_to("real.pdf")
    assert problems(tmp_path / "lessons") == []
    assert "media/notes.pdf" in published(tmp_path / "lessons")


def test_lessons_check_exits_non_zero_on_each_trick(tmp_path: Path, outside: Path) -> None:
    lesson = lesson_with_body(tmp_path, "## Part\n\n[Database](media/db.pdf)\n")
    (lesson / "media" / "db.pdf").symlink_to(outside / "course_app.sqlite3")
    result = invoke_course_app("lessons", "check", str(tmp_path / "lessons"), cwd=tmp_path,
                               env={"LESSONS_DIR": str(tmp_path / "lessons"), "INSTANCE_PATH": str(tmp_path / "inst")})
    assert result.returncode == 1
    assert "lessons/demo/one/en.md:8: link 'media/db.pdf' is a symbolic link to a file outside" in result.stdout


def serving_app(tmp_path: Path, **settings: object) -> tuple[Flask, Path]:
    lesson = lesson_with_body(tmp_path, "## Part\n\n[Handout](media/handout.pdf)\n")
    (lesson / "media" / "handout.pdf").write_bytes(plain_pdf())
    return make_app(tmp_path / "site", LESSONS_DIR=str(tmp_path / "lessons"), **settings), lesson


def test_a_link_added_after_loading_is_refused_at_request_time(tmp_path: Path, outside: Path) -> None:
    app, lesson = serving_app(tmp_path)
    client = app.test_client()
    page = client.get("/en/demo/one").get_data(as_text=True)
    assert 'href="../../media/demo/one/media/handout.pdf?v=' in page
    assert client.get("/media/demo/one/media/handout.pdf").status_code == 200
    # The educator's file is swapped for a link to a secret under the running site.
    (lesson / "media" / "handout.pdf").unlink()
    (lesson / "media" / "handout.pdf").symlink_to(outside / "secret_key")
    response = client.get("/media/demo/one/media/handout.pdf")
    assert response.status_code == 404 and SECRET.encode() not in response.data
    # A hard link swapped in is refused too.
    (lesson / "media" / "handout.pdf").unlink()
    os.link(outside / "learner_code_pepper", lesson / "media" / "handout.pdf")
    response = client.get("/media/demo/one/media/handout.pdf", headers={"Range": "bytes=0-40"})
    assert response.status_code == 404 and SECRET.encode() not in response.data


def test_live_reload_holds_back_a_lesson_with_a_link_outside(tmp_path: Path, outside: Path) -> None:
    app, lesson = serving_app(tmp_path)  # no watcher: the test reloads by itself
    client = app.test_client()
    text = (lesson / "en.md").read_text()
    (lesson / "media" / "db.pdf").symlink_to(outside / "course_app.sqlite3")
    (lesson / "en.md").write_text(text.replace("[Handout](media/handout.pdf)", "[Handout](media/db.pdf) new text"))
    result = catalogue_store(app).reload_if_changed()
    assert result is not None and [item.what for item in result.held_back] == ["lesson 'demo/one'"]
    assert any("symbolic link to a file outside" in p.message for p in result.held_back[0].reasons)
    response = client.get("/en/demo/one")
    assert response.status_code == 503 and "new text" not in response.get_data(as_text=True)
    assert client.get("/media/demo/one/media/db.pdf").status_code == 404
    assert client.get("/media/demo/one/media/handout.pdf").status_code == 404


def test_preview_shows_the_problem_and_does_not_serve_the_file(tmp_path: Path, outside: Path) -> None:
    lesson = lesson_with_body(tmp_path, "## Part\n\n[Database](media/db.pdf)\n")
    (lesson / "media" / "db.pdf").symlink_to(outside / "course_app.sqlite3")
    preview = make_app(tmp_path / "preview", LESSONS_DIR=str(tmp_path / "lessons"), PREVIEW=True)
    client = preview.test_client()
    page = client.get("/en/demo/one").get_data(as_text=True)
    assert "<strong>Error:</strong> <code>lessons/demo/one/en.md:8</code> link &#39;media/db.pdf&#39; is a symbolic " \
           "link to a file outside" in page
    response = client.get("/media/demo/one/media/db.pdf")
    assert response.status_code == 404 and SECRET.encode() not in response.data


def test_export_static_refuses_a_tree_with_a_link_outside(tmp_path: Path, outside: Path) -> None:
    lesson = lesson_with_body(tmp_path, "## Part\n\n[Key](media/key.pdf)\n")
    (lesson / "media" / "key.pdf").symlink_to(outside / "secret_key")
    env = {"LESSONS_DIR": str(tmp_path / "lessons"), "INSTANCE_PATH": str(tmp_path / "inst")}
    assert run_course_app("export", "keygen", cwd=tmp_path, env=env).returncode == 0
    result = run_course_app("export", "static", str(tmp_path / "mirror"), cwd=tmp_path, env=env)
    assert result.returncode == 1 and "the lesson files have errors" in result.stderr
    # Nothing was written anywhere: no mirror, and no copy of the secret outside the instance folder.
    assert not (tmp_path / "mirror").exists()
    copies = [path for path in tmp_path.rglob("*") if path.is_file() and not path.is_symlink()
              and SECRET in path.read_text(errors="ignore") and outside not in path.parents]
    assert copies == []


def test_export_copies_the_file_it_checked_even_if_swapped_during_export(tmp_path: Path, outside: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The mirror examines each file again as it copies it: a link swapped in is refused, not followed."""
    from course_app.mirror.export import MirrorError, _Writer, export_static
    from course_app.mirror.signing import Edition, generate_keys, load_private_key

    app, lesson = serving_app(tmp_path)
    private, _public = generate_keys(tmp_path / "keys")
    original_write_all = _Writer.write_all

    def swap_then_write(writer: _Writer) -> None:
        (lesson / "media" / "handout.pdf").unlink()
        (lesson / "media" / "handout.pdf").symlink_to(outside / "secret_key")
        original_write_all(writer)

    monkeypatch.setattr(_Writer, "write_all", swap_then_write)
    with pytest.raises(MirrorError, match="symbolic link to a file outside"):
        export_static(app, tmp_path / "mirror", signing_key=load_private_key(private),
                      edition=lambda: Edition(1, datetime.now(UTC)))
    assert not any(SECRET in path.read_text(errors="ignore") for path in tmp_path.rglob("*")
                   if path.is_file() and not path.is_symlink() and outside not in path.parents)
    assert not (tmp_path / "mirror").exists()  # the half-made copy is not left behind


@pytest.mark.parametrize(("name", "tidy"), [
    ("media/film.mp4", "media/film.mp4"),
    ("./media/film.mp4", "media/film.mp4"),
    ("media/../poster.jpg", "poster.jpg"),
    ("", None),
    ("/etc/passwd", None),
    ("\\\\server\\share\\x.pdf", None),
    ("media/a\0.pdf", None),
    (".", None),
    ("..", None),
    ("../two/media/x.pdf", None),
    ("media/../../x.pdf", None),
])
def test_relative_reference_keeps_only_clean_paths_inside_the_lesson(name: str, tidy: str | None) -> None:
    assert relative_reference(name) == tidy


def test_each_refusal_says_why_in_an_educators_words(tmp_path: Path, outside: Path) -> None:
    lesson = lesson_with_body(tmp_path, "## Part\n\nText.\n")
    (lesson / "media" / "nowhere.pdf").symlink_to(tmp_path / "missing.pdf")
    (lesson / "linked").symlink_to(outside, target_is_directory=True)
    (lesson / "media" / "twice.pdf").write_text("x")
    os.link(lesson / "media" / "twice.pdf", outside / "twice.pdf")
    refusals = {}
    for name in ("media/nowhere.pdf", "linked/secret_key", "media/twice.pdf", "en.md/inside"):
        with pytest.raises(OutsideBoundary) as refused:
            examine(lesson / name, lesson)
        refusals[name] = str(refused.value)
    with pytest.raises(OutsideBoundary) as refused:
        examine_folder(lesson / "linked", lesson)
    refusals["linked"] = str(refused.value)
    assert refusals == {
        "media/nowhere.pdf": "is a symbolic link that leads nowhere",
        "linked/secret_key": "is a symbolic link to a folder outside the folder one/; put the files themselves there "
                             "instead",
        "media/twice.pdf": "is a hard link: the same file also has another name, perhaps outside the folder one/; "
                           "replace it with a plain copy (cp --remove-destination …)",
        "en.md/inside": "cannot be read (Not a directory)",
        "linked": "is a symbolic link to a folder outside the folder one/; put the files themselves there instead",
    }


def test_a_file_sent_is_the_checked_file_even_if_it_changes_after_the_check(tmp_path: Path, outside: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """open_published examines, then opens: a link or a second name that appears between the two is refused too."""
    lesson = lesson_with_body(tmp_path, "## Part\n\nText.\n")
    handout = lesson / "media" / "handout.pdf"
    handout.write_text("the handout")
    opened = open_published(handout, lesson)
    with opened.handle:
        assert (opened.handle.read(), opened.real_path) == (b"the handout", handout.resolve())
    with pytest.raises(OutsideBoundary, match="^is gone$"):
        open_published(lesson / "media" / "missing.pdf", lesson)
    # What the check saw, before the file was changed under it:
    seen = boundary.examine(handout, lesson)
    monkeypatch.setattr(boundary, "examine", lambda path, folder: seen)
    os.link(handout, outside / "second-name.pdf")  # a second name made after the check
    with pytest.raises(OutsideBoundary, match="^is a hard link"):
        open_published(handout, lesson)
    (outside / "second-name.pdf").unlink()
    handout.unlink()
    handout.symlink_to(outside / "secret_key")  # a link swapped in after the check is not followed
    with pytest.raises(OutsideBoundary, match="^cannot be read"):
        open_published(handout, lesson)
    handout.unlink()
    os.mkfifo(handout)  # a pipe swapped in after the check: refused at once, not waited on (its inode may be reused)
    with pytest.raises(OutsideBoundary, match="^(changed while it was being checked|is not a plain file)"):
        open_published(handout, lesson)


def test_a_folder_replaced_by_a_link_after_the_check_opens_nothing(tmp_path: Path, outside: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """O_NOFOLLOW guards the file's own name only: a folder on its way swapped for a link to another folder with a
    file of the same name is caught by the file's identity."""
    lesson = lesson_with_body(tmp_path, "## Part\n\nText.\n")
    notes = lesson / "media" / "notes.vtt"
    notes.write_text("WEBVTT\n")
    (outside / "media").mkdir()
    (outside / "media" / "notes.vtt").write_text(f"WEBVTT\n\n00:00.000 --> 00:01.000\n{SECRET}\n")
    seen = boundary.examine(notes, lesson)
    assert seen is not None
    shutil.rmtree(lesson / "media")
    (lesson / "media").symlink_to(outside / "media")
    with pytest.raises(OutsideBoundary, match="^changed while it was being checked"):
        boundary.open_examined(seen)
    monkeypatch.setattr(boundary, "examine", lambda path, folder: seen)
    with pytest.raises(OutsideBoundary, match="^changed while it was being checked"):
        open_published(notes, lesson)


@pytest.mark.parametrize("what", ["lesson text", "subtitles", "handout"])
def test_a_lesson_file_read_is_the_checked_file_even_if_a_link_replaces_it_after_the_check(
        tmp_path: Path, outside: Path, monkeypatch: pytest.MonkeyPatch, what: str) -> None:
    """The loader reads what it examined the way the media view sends it: a link put in a file's place between
    the check and the read is refused with the file's path, never followed to what it names."""
    lesson = lesson_with_body(tmp_path, "## Part\n\n[The handout](media/handout.pdf)\n\n```video\ntitle: A film\n"
                                        "source: media/film.mp4\nsubtitles:\n  en: media/notes.vtt\n```\n")
    shutil.copy(next(STARTER_MEDIA.glob("*.240p.mp4")), lesson / "media" / "film.240p.mp4")
    shutil.copy(next(STARTER_MEDIA.glob("*.en.vtt")), lesson / "media" / "notes.vtt")
    (lesson / "media" / "handout.pdf").write_bytes(plain_pdf())
    assert problems(tmp_path / "lessons") == []
    swapped = {"lesson text": lesson / "en.md", "subtitles": lesson / "media" / "notes.vtt",
               "handout": lesson / "media" / "handout.pdf"}[what]
    examine = boundary.examine

    def examine_then_swap(path: Path, folder: Path) -> boundary.Examined | None:
        """What the check saw; then, before the read, a link to a secret where the file was."""
        found = examine(path, folder)
        if found is not None and path == swapped and not path.is_symlink():
            path.unlink()
            path.symlink_to(outside / "secret_key")
        return found

    for module in ("loader", "video"):  # the loader reads lesson texts; video finds subtitles and handouts
        monkeypatch.setattr(f"course_app.content.{module}.examine", examine_then_swap)
    catalogue = load_catalogue(tmp_path / "lessons", OPTIONS)
    assert swapped.is_symlink()  # the swap happened
    found = [p.format(tmp_path / "lessons") for p in catalogue.problems if p.is_error]
    assert any("cannot be read" in line for line in found), found
    assert SECRET not in repr(catalogue)


def test_the_course_audit_checks_each_file_against_its_own_lesson(tmp_path: Path, outside: Path) -> None:
    """Files nobody links to are audited too, each against the folder it is in: a link from one lesson into
    another is outside it, a second name is refused even with exactly two names, a pipe is not a file; a
    folder beside the lessons may link into them, and a link back up a lesson's own folders ends the walk."""
    course = make_course(tmp_path / "lessons", lessons=("one", "two"), languages=("en",))
    (course / "two" / "media").mkdir()
    (course / "two" / "media" / "theirs.pdf").write_text("lesson two's file")
    (course / "one" / "media").mkdir()
    (course / "one" / "borrowed.pdf").symlink_to(course / "two" / "media" / "theirs.pdf")
    (course / "one" / "media" / "own.pdf").write_text("x")
    os.link(course / "one" / "media" / "own.pdf", outside / "own.pdf")
    os.mkfifo(course / "one" / "media" / "pipe")
    (course / "one" / "media" / "sub").mkdir()
    (course / "one" / "media" / "sub" / "up").symlink_to(course / "one" / "media", target_is_directory=True)
    (course / "shared").mkdir()  # beside the lessons: anything inside the course is allowed there
    (course / "shared" / "theirs.pdf").symlink_to(course / "two" / "media" / "theirs.pdf")
    found = [p for p in load_catalogue(tmp_path / "lessons", OPTIONS).problems if p.is_error]
    assert {(p.format(tmp_path / "lessons"), p.rule) for p in found} == {
        ("demo/one/borrowed.pdf:1: 'borrowed.pdf' is a symbolic link to a file outside the folder one/; put a "
         "real copy of the file there instead", "boundary"),
        ("demo/one/media/own.pdf:1: 'own.pdf' is a hard link: the same file also has another name, perhaps outside "
         "the folder one/; replace it with a plain copy (cp --remove-destination …)", "boundary"),
        ("demo/one/media/pipe:1: 'pipe' is not a plain file (a device, pipe or socket is never read or published)",
         "boundary"),
    }


@pytest.mark.parametrize("folder", ["_drafts", ".cache", "_drafts/.old", "one/.notes", "one/_unused"])
def test_links_in_drafts_and_dot_folders_are_reported_like_the_rest(tmp_path: Path, outside: Path,
                                                                    folder: str) -> None:
    """No path under a course is out of the check: a front server, a mirror tool or a script could read any."""
    lesson = lesson_with_body(tmp_path, "## Part\n\nText.\n")
    hidden = lesson.parent / folder
    hidden.mkdir(parents=True)
    (hidden / "db.pdf").symlink_to(outside / "course_app.sqlite3")
    os.link(outside / "secret_key", hidden / "key.txt")
    found = problems(tmp_path / "lessons")
    assert any(line.startswith(f"demo/{folder}/db.pdf:1: 'db.pdf' is a symbolic link to a file outside")
               for line in found), found
    assert any(line.startswith(f"demo/{folder}/key.txt:1: 'key.txt' is a hard link") for line in found), found


def test_git_internals_are_not_audited(tmp_path: Path, outside: Path) -> None:
    lesson = lesson_with_body(tmp_path, "## Part\n\nText.\n")
    (lesson.parent / ".git").mkdir()
    (lesson.parent / ".git" / "HEAD").symlink_to(outside / "course_app.sqlite3")
    assert problems(tmp_path / "lessons") == []
