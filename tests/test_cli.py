"""``course-app lessons check``: what it prints and how it exits, through the real console script."""

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
    assert client.get("/en/trade-unions/wages").status_code == 404
    assert client.get("/en/trade-unions/forced-labour").status_code == 200
    assert client.get("/ru/trade-unions/").status_code == 200


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
