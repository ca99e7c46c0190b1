"""The ``course-app`` command group: what ``lessons check`` prints and how it exits, through the real
console script, and how a command meets a database it would fail on."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskCliRunner

from course_app.cli import main
from tests.conftest import PROJECT_DIR, SHARED_LESSON_CACHE, TEST_SECRETS, make_app

COURSE_APP = Path(sys.executable).parent / "course-app"


def run_course_app(*args: str, cwd: Path = PROJECT_DIR, env: dict[str, str] | None = None,
                   timeout: int = 60) -> subprocess.CompletedProcess[str]:
    """The console script in a process of its own, as a user runs it."""
    environment = {**os.environ, **TEST_SECRETS, "LESSON_CACHE_DIR": SHARED_LESSON_CACHE, **(env or {})}
    return subprocess.run([str(COURSE_APP), *args], cwd=cwd, env=environment, capture_output=True, text=True,
                          timeout=timeout, check=False)


def invoke_course_app(*args: str, cwd: Path = PROJECT_DIR,
                      env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The same command group run in this test process, as Flask's CLI runner runs it: the same code,
    output and exit code as ``run_course_app``, without starting Python and importing the app again
    (most of a short command's time). What only a real process shows (reading its environment at
    start, the console script, a server) is tested with ``run_course_app``."""
    # The command's own app, started from the environment as in a process of its own; no lesson
    # watcher, which would outlive the command in this process until collected.
    environment = {**TEST_SECRETS, "LESSON_CACHE_DIR": SHARED_LESSON_CACHE, "RELOAD_LESSONS": "false", **(env or {})}
    with contextlib.chdir(cwd):
        result = CliRunner().invoke(main, list(args), env=environment, catch_exceptions=False)
    return subprocess.CompletedProcess([str(COURSE_APP), *args], result.exit_code, result.stdout, result.stderr)


def test_check_on_starter_course_reports_nothing(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["lessons", "check"])
    assert result.exit_code == 0, result.output
    assert "error" not in result.stdout and "warning" not in result.stdout


def test_check_with_broken_front_matter_prints_path_line_and_fails(lessons_copy: Path, tmp_path: Path) -> None:
    broken = lessons_copy / "trade-unions" / "wages" / "ru.md"
    lines = broken.read_text(encoding="utf-8").split("\n")
    lines[1] = "title: [Заработная плата"
    broken.write_text("\n".join(lines), encoding="utf-8")
    result = run_course_app("lessons", "check", str(lessons_copy), cwd=tmp_path,
                            env={"INSTANCE_PATH": str(tmp_path / "instance")})
    assert result.returncode == 1
    assert result.stdout.startswith("lessons/trade-unions/wages/ru.md:")
    assert "YAML syntax error" in result.stdout
    first = result.stdout.split(":")
    assert first[1].isdigit() and 2 <= int(first[1]) <= 4


def test_site_still_serves_the_other_lessons_when_one_is_broken(lessons_copy: Path, tmp_path: Path) -> None:
    (lessons_copy / "trade-unions" / "wages" / "en.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
    (lessons_copy / "trade-unions" / "wages" / "ru.md").write_text("no front matter", encoding="utf-8")
    (lessons_copy / "trade-unions" / "wages" / "be.md").write_text("---\nsummary: x\n---\n", encoding="utf-8")
    app: Flask = make_app(tmp_path, LESSONS_DIR=str(lessons_copy))
    client = app.test_client()
    broken = client.get("/en/trade-unions/wages")
    assert broken.status_code == 503 and broken.headers["Retry-After"] == "300"
    assert "This lesson is being updated" in broken.get_data(as_text=True)
    assert client.get("/en/trade-unions/forced-labour").status_code == 200
    contents = client.get("/ru/trade-unions/")
    assert contents.status_code == 200 and "Урок обновляется" in contents.get_data(as_text=True)


def test_check_json_output_and_single_course_path(lessons_copy: Path, tmp_path: Path) -> None:
    (lessons_copy / "trade-unions" / "forced-labour" / "be.md").unlink()
    result = run_course_app("lessons", "check", "--format", "json", str(lessons_copy / "trade-unions"),
                            cwd=lessons_copy, env={"INSTANCE_PATH": str(tmp_path / "instance")})
    assert result.returncode == 0, result.stderr
    problems = json.loads(result.stdout)
    assert problems == [{
        "path": "trade-unions/forced-labour/be.md", "line": 1, "severity": "warning", "rule": "translation",
        "message": "missing translation: readers in be see this lesson in another language",
    }]
    strict = run_course_app("lessons", "check", "--strict", str(lessons_copy), cwd=lessons_copy,
                            env={"INSTANCE_PATH": str(tmp_path / "instance")})
    assert strict.returncode == 1


def test_check_of_missing_folder_is_a_usage_error(runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = runner.invoke(args=["lessons", "check", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "no such folder" in result.output


def test_a_commands_app_reads_the_lessons_only_when_a_command_asks(tmp_path: Path) -> None:
    from course_app.content import catalogue_store
    from tests.factories import make_course

    make_course(tmp_path / "lessons", "first")
    app = make_app(tmp_path, LESSONS_DIR=str(tmp_path / "lessons"), READ_LESSONS_AT_START=False)
    make_course(tmp_path / "lessons", "second")  # written after the app was built, before any command asked
    assert [course.slug for course in catalogue_store(app).catalogue.courses] == ["first", "second"]
    served = make_app(tmp_path / "server", LESSONS_DIR=str(tmp_path / "lessons"))
    make_course(tmp_path / "lessons", "third")
    assert [course.slug for course in catalogue_store(served).catalogue.courses] == ["first", "second"]


# -- a database a command would fail on ----------------------------------------------------------

def _on_sqlite(tmp_path: Path) -> dict[str, str]:
    """A command's environment with the instance's SQLite file as its database (on either CI pass)."""
    return {"INSTANCE_PATH": str(tmp_path / "instance"), "DATABASE_URL": ""}


def test_a_command_on_a_database_never_migrated_says_to_migrate_it_and_changes_nothing(tmp_path: Path) -> None:
    import sqlite3

    env = _on_sqlite(tmp_path)
    for command in (["staff", "list"], ["staff", "disable", "nina"], ["stats", "rebuild"], ["stats", "fix"],
                    ["purge"]):
        result = invoke_course_app(*command, cwd=tmp_path, env=env)
        assert result.returncode == 1, (command, result.stdout, result.stderr)
        assert result.stderr.endswith("has no tables yet: run 'course-app db upgrade'\n"), (command, result.stderr)
    with contextlib.closing(sqlite3.connect(tmp_path / "instance" / "course_app.sqlite3")) as connection:
        assert connection.execute("SELECT name FROM sqlite_master").fetchall() == []
    assert invoke_course_app("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
    listed = invoke_course_app("staff", "list", cwd=tmp_path, env=env)
    assert (listed.returncode, listed.stdout, listed.stderr) == (0, "", "")


def test_a_command_on_an_older_or_newer_schema_names_its_revision(tmp_path: Path) -> None:
    import sqlite3

    env = _on_sqlite(tmp_path)
    assert invoke_course_app("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
    assert invoke_course_app("db", "downgrade", "--", "-1", cwd=tmp_path, env=env).returncode == 0
    older = invoke_course_app("stats", "fix", cwd=tmp_path, env=env)
    assert older.returncode == 1
    assert " is at revision " in older.stderr and older.stderr.endswith(": run 'course-app db upgrade'\n")

    with contextlib.closing(sqlite3.connect(tmp_path / "instance" / "course_app.sqlite3")) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'f00d_from_a_newer_version'")
        connection.commit()
    newer = invoke_course_app("staff", "list", cwd=tmp_path, env=env)
    assert newer.returncode == 1
    assert newer.stderr.endswith("is at revision f00d_from_a_newer_version, which this version of course_app "
                                 "does not know: a newer version migrated it\n")


def test_a_database_that_cannot_be_opened_is_named_without_its_password(tmp_path: Path) -> None:
    # Port 1 on the loopback: nothing listens there, so the connection is refused at once.
    env = {"INSTANCE_PATH": str(tmp_path / "instance"),
           "DATABASE_URL": "postgresql://learning:hunter2-secret@127.0.0.1:1/course"}
    for command in (["db", "upgrade"], ["staff", "list"], ["purge"]):
        result = invoke_course_app(*command, cwd=tmp_path, env=env)
        assert result.returncode == 1, (command, result.stdout, result.stderr)
        assert result.stderr.startswith("Error: cannot open the database "
                                        "postgresql+psycopg://learning:***@127.0.0.1:1/course: "), result.stderr
        assert "hunter2" not in result.stdout + result.stderr
