"""`course-app db backup`: where it writes, saying so when it makes a folder; a second backup the same day."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path

from course_app.clock import ManualClock
from tests.conftest import make_app


def test_backup_without_a_name_goes_to_backup_dir_saying_so(tmp_path: Path) -> None:
    folder = tmp_path / "backups" / "course"
    app = make_app(tmp_path, DATABASE_URL="", BACKUP_DIR=str(folder))
    app.extensions["course_app.clock"] = ManualClock(datetime(2026, 12, 2, 10, 4, tzinfo=UTC))
    first = app.test_cli_runner().invoke(args=["db", "backup"])
    assert first.exit_code == 0, first.output
    assert f"created the folder {folder} (readable only by you) for the backup" in first.output
    assert f"backed up to {folder / 'course-2026-12-02.sqlite3'}" in first.output
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert (folder / "course-2026-12-02.sqlite3").read_bytes().startswith(b"SQLite format 3")
    second = app.test_cli_runner().invoke(args=["db", "backup"])
    assert second.exit_code == 0 and "created the folder" not in second.output
    assert f"backed up to {folder / 'course-2026-12-02-2.sqlite3'}" in second.output


def test_backup_without_backup_dir_goes_to_the_instance_folder(tmp_path: Path) -> None:
    app = make_app(tmp_path, DATABASE_URL="")
    result = app.test_cli_runner().invoke(args=["db", "backup"])
    assert result.exit_code == 0, result.output
    made = Path(app.instance_path) / "backups"
    assert f"created the folder {made}" in result.output and len(list(made.glob("course-*.sqlite3"))) == 1


def test_a_named_backup_in_a_new_folder_says_it_made_the_folder(tmp_path: Path) -> None:
    app = make_app(tmp_path, DATABASE_URL="")
    target = tmp_path / "elsewhere" / "copy.sqlite3"
    result = app.test_cli_runner().invoke(args=["db", "backup", str(target)])
    assert result.exit_code == 0 and f"created the folder {target.parent}" in result.output
    assert target.is_file()
