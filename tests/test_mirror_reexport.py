"""Exporting a mirror again, as docs/mirrors.md says to "every time the lessons change": the folder holding an
earlier export is replaced in one step, with the next edition; anything else is refused and left as it was."""

from __future__ import annotations

import os
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask

from course_app.mirror.export import _Writer, export_static
from course_app.mirror.signing import generate_keys, load_private_key, reserve_edition
from tests.conftest import STARTER_LESSONS, make_app
from tests.test_cli import invoke_course_app, run_course_app

# Runs other programs end to end: left out of `make test-fast`, run by `make test` (pyproject.toml).
pytestmark = pytest.mark.slow

MADE = datetime(2026, 12, 2, 10, 4, tzinfo=UTC)


def course_app(tmp_path: Path, *args: str):  # type: ignore[no-untyped-def]
    return invoke_course_app(*args, cwd=tmp_path, env={"INSTANCE_PATH": str(tmp_path / "instance"),
                                                       "LESSONS_DIR": str(tmp_path / "lessons")})


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by its path, with its bytes (to see that nothing changed)."""
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*"))
            if path.is_file()}


@pytest.fixture()
def publisher(tmp_path: Path) -> Path:
    """A publisher's folder: the starter lessons and a signing key."""
    shutil.copytree(STARTER_LESSONS, tmp_path / "lessons")
    assert course_app(tmp_path, "export", "keygen").returncode == 0
    return tmp_path


def test_exporting_twice_into_the_same_folder_replaces_it_with_the_next_edition(publisher: Path) -> None:
    key = (publisher / "instance" / "mirror-signing.pub").read_text().strip()
    env = {"INSTANCE_PATH": str(publisher / "instance"), "LESSONS_DIR": str(publisher / "lessons")}
    first = run_course_app("export", "static", "mirror/", "--zip", cwd=publisher, env=env, timeout=180)
    assert first.returncode == 0, first.stderr
    assert "(edition 1, made " in first.stdout
    # A lesson changes, and the educator exports again, exactly as before.
    wages = publisher / "lessons" / "trade-unions" / "wages" / "en.md"
    wages.write_text(wages.read_text().replace("title: Wages and the minimum wage", "title: Wages, fairly paid"))
    second = run_course_app("export", "static", "mirror/", "--zip", cwd=publisher, env=env, timeout=180)
    assert second.returncode == 0, second.stderr
    assert "mirror: replaced the earlier export in it" in second.stdout and "(edition 2, made " in second.stdout
    assert "Wages, fairly paid" in (publisher / "mirror" / "en" / "trade-unions" / "wages.html").read_text()
    for checked in ("mirror/", "mirror.zip"):
        verified = course_app(publisher, "export", "verify", checked, "--key", key)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert "(edition 2, made " in verified.stdout
    with zipfile.ZipFile(publisher / "mirror.zip") as archive:
        assert "Wages, fairly paid" in archive.read("mirror/en/trade-unions/wages.html").decode()
    # Nothing of the work is left beside it, and the copy is readable by a web server as a new folder would be.
    assert sorted(path.name for path in publisher.iterdir()) == ["instance", "lessons", "mirror", "mirror.zip",
                                                                 "mirror.zip.minisig"]
    assert (publisher / "mirror").stat().st_mode & 0o777 == 0o777 & ~current_umask()
    # Exported again without --zip: the earlier edition's zip is not left beside it to be taken for this one's.
    third = run_course_app("export", "static", "mirror/", cwd=publisher, env=env, timeout=180)
    assert third.returncode == 0, third.stderr
    assert sorted(path.name for path in publisher.iterdir()) == ["instance", "lessons", "mirror"]


def current_umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def test_a_folder_that_is_not_an_earlier_export_is_refused_and_left_as_it_was(publisher: Path) -> None:
    editions = publisher / "instance" / "mirror-signing.key.editions"
    own = publisher / "photos"
    own.mkdir()
    (own / "holiday.jpg").write_bytes(b"not a mirror")
    refused = course_app(publisher, "export", "static", "photos", "--zip")
    assert refused.returncode == 1
    assert "photos is not empty, and it has no MANIFEST.sha256, so it is not a copy this command made" in refused.stderr
    assert snapshot(own) == {"holiday.jpg": b"not a mirror"} and not (publisher / "photos.zip").exists()
    assert not editions.exists()  # no edition was taken
    # An earlier export with a file of someone's own added to it is not replaced either.
    assert course_app(publisher, "export", "static", "mirror").returncode == 0
    (publisher / "mirror" / "notes.txt").write_text("mine")
    before = snapshot(publisher / "mirror")
    refused = course_app(publisher, "export", "static", "mirror")
    assert refused.returncode == 1 and "it holds files the earlier export did not make: notes.txt" in refused.stderr
    assert snapshot(publisher / "mirror") == before
    assert editions.read_text().strip() == "1"


def test_a_refused_export_takes_no_edition(publisher: Path) -> None:
    editions = publisher / "instance" / "mirror-signing.key.editions"
    broken = publisher / "lessons" / "trade-unions" / "wages" / "en.md"
    text = broken.read_text()
    broken.write_text(text.replace("title: ", "title: [", 1))
    refused = course_app(publisher, "export", "static", "mirror")
    assert refused.returncode == 1 and "the lesson files have errors" in refused.stderr
    assert course_app(publisher, "export", "static", "mirror", "--course", "nowhere").returncode == 1
    assert not editions.exists()
    broken.write_text(text)
    made = course_app(publisher, "export", "static", "mirror")
    assert made.returncode == 0 and "(edition 1, made " in made.stdout


def test_a_failure_while_writing_leaves_the_earlier_export_whole(publisher: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    app: Flask = make_app(publisher / "site", LESSONS_DIR=str(publisher / "lessons"))
    private, _public = generate_keys(publisher / "keys")
    key = load_private_key(private)
    export_static(app, publisher / "mirror", signing_key=key, edition=lambda: reserve_edition(private, MADE))
    before = snapshot(publisher / "mirror")
    written = _Writer.write_all

    def write_half(writer: _Writer) -> None:
        written(writer)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_Writer, "write_all", write_half)
    with pytest.raises(OSError, match="No space left"):
        export_static(app, publisher / "mirror", signing_key=key, edition=lambda: reserve_edition(private, MADE))
    assert snapshot(publisher / "mirror") == before
    assert not [path for path in publisher.iterdir() if path.name.startswith(".mirror")]

