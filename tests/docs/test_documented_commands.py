"""Every command README.md, docs/authoring.md and docs/deploy.md show, run the way they write it, in a copy of
the project.

A command that prints its address and exits, or one that changed its name, fails here: the test
finds the commands in the documents themselves, so a new one cannot be added without a check.
In docs/deploy.md every line of a plain code block is a command (configuration files are in
blocks with a language); a block that cannot run in a test (it names the operator's own
repository or database server) is marked just above it, in the page's source, with
``<!-- not run by tests: why -->``. docs/mirrors.md has its own test (tests/test_mirror_docs.py).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import PROJECT_DIR, STARTER_LESSONS, TEST_SECRETS

# Runs other programs end to end: left out of `make test-fast`, run by `make test` (pyproject.toml).
pytestmark = pytest.mark.slow

DOCUMENTS = ("README.md", "docs/authoring.md")
DEPLOY = "docs/deploy.md"
COMMAND_STARTS = ("make ", ".venv/bin/", "course-app ")
NOT_RUN = re.compile(r"^\s*<!-- not run by tests: (.+?) -->\s*$")
# A crontab line: five schedule fields, then the command.
CRONTAB = re.compile(r"^(?:[\d*/,-]+\s+){5}(.+)$")
# Commands the documents show that this test does not run, and why.
EXEMPT = {"make test": "it is the command that runs this very test"}


def plain_code_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) inside fenced code blocks with no language (``` alone), as shell commands are shown.

    Fences are matched as Markdown does: a block opened by three or more backticks (with or without
    a language) ends at a line of at least as many backticks, so a ````markdown example holding a
    ```video block is one block.
    """
    found: list[tuple[int, str]] = []
    fence: str | None = None
    plain = False
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if fence is None:
            opening = re.match(r"(`{3,})(.*)$", stripped)
            if opening:
                fence, plain = opening.group(1), not opening.group(2).strip()
        elif re.fullmatch(re.escape(fence) + "`*", stripped):
            fence = None
        elif plain:
            found.append((number, line))
    return found


def deploy_commands() -> dict[str, tuple[str, str | None]]:
    """Each command line of docs/deploy.md's plain code blocks → (where it is, why no test runs it, if it says so)."""
    found: dict[str, tuple[str, str | None]] = {}
    lines = (PROJECT_DIR / DEPLOY).read_text(encoding="utf-8").splitlines()
    for number, line in plain_code_lines("\n".join(lines)):
        command = line.split("  #", 1)[0].strip()
        if not command or command.startswith("#"):
            continue
        # The block's first line is one past its fence; the mark is the line just above the fence.
        start = number - 1
        while start > 0 and lines[start - 1].strip() and not lines[start - 1].strip().startswith("```"):
            start -= 1
        marked = NOT_RUN.match(lines[start - 2]) if start >= 2 else None
        reason = marked.group(1) if marked else None
        found.setdefault(command, (f"{DEPLOY}:{number}", reason))
    return found


def documented_commands() -> dict[str, str]:
    """Each command line shown in a plain code block (without its trailing comment) → where it is shown."""
    found: dict[str, str] = {}
    for name in DOCUMENTS:
        for number, raw in plain_code_lines((PROJECT_DIR / name).read_text(encoding="utf-8")):
            command = raw.split("  #", 1)[0].strip()
            if command.startswith(COMMAND_STARTS):
                found.setdefault(command, f"{name}:{number}")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Project:
    """A copy of the project for a documented command to change: its lessons, Makefile and settings.

    The copy shares this checkout's .venv (its console script and compiled translations are kept
    up to date by their timestamps, so ``make`` has nothing to install), and its own instance
    folder and lessons folder (the commands' defaults point there through the environment).
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        for name in ("Makefile", "pyproject.toml", "babel.cfg"):
            shutil.copy2(PROJECT_DIR / name, root / name)
        shutil.copytree(PROJECT_DIR / ".ci", root / ".ci")
        shutil.copytree(STARTER_LESSONS, root / "lessons")
        # The package and its migrations too: gunicorn, run from the folder as an operator runs it, imports it
        # from there.
        for package in ("course_app", "migrations"):
            shutil.copytree(PROJECT_DIR / package, root / package, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        for compiled in (PROJECT_DIR / "course_app" / "translations").glob("*/LC_MESSAGES/*.mo"):
            shutil.copy2(compiled, root / compiled.relative_to(PROJECT_DIR))
        (root / ".venv").symlink_to(PROJECT_DIR / ".venv")
        self.env = {**os.environ, **TEST_SECRETS, "LESSONS_DIR": str(root / "lessons"),
                    "INSTANCE_PATH": str(root / "instance"), "PORT": str(free_port()),
                    "PREVIEW_PORT": str(free_port())}
        self.env.pop("MAKEFLAGS", None)
        self.env.pop("DATABASE_URL", None)  # a newcomer's first run uses SQLite

    def run(self, command: str, timeout: int = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, shell=True, cwd=self.root, env=self.env, capture_output=True, text=True,
                              timeout=timeout, check=False)

    def serve(self, command: str, address_pattern: str, check: Callable[[str], None], base: str | None = None) -> str:
        """Start a server command as written, wait until it says where it listens, check it, stop it with Ctrl+C.

        :param base: the address to check, when what the server says hides it (gunicorn's log hides every address).
        """
        process = subprocess.Popen(command, shell=True, cwd=self.root, env=self.env, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, start_new_session=True)
        said: list[str] = []
        try:
            assert process.stdout is not None
            deadline = time.monotonic() + 120
            while not (found := re.search(address_pattern, "".join(said))):
                line = process.stdout.readline()
                assert line and time.monotonic() < deadline, "".join(said)
                said.append(line)
            base = base or found.group(1)
            for _ in range(100):  # listening is announced just before the first accept
                try:
                    urllib.request.urlopen(base, timeout=5).close()
                    break
                except OSError:
                    time.sleep(0.1)
            check(base)
            assert process.poll() is None, "the server stopped by itself:\n" + "".join(said)
        finally:
            os.killpg(process.pid, signal.SIGINT)  # Ctrl+C reaches the whole process group, as in a terminal
            try:
                rest, _ = process.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                rest, _ = process.communicate()
        return "".join(said) + (rest or "")


def page(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200, url
        return response.read().decode()


def make_run(project: Project) -> None:
    def check(base: str) -> None:
        assert "<h1" in page(base + "/en/")
        assert "Trade unions" in page(base + "/en/trade-unions/")
    output = project.serve("make run", r"(http://127\.0\.0\.1:\d+)", check)
    assert f"http://127.0.0.1:{project.env['PORT']}" in output
    assert (project.root / "instance").is_dir()


def media_encode(project: Project) -> None:
    """Put a video where the guide says, run the command, and find the files it says it writes."""
    command = "".join(c for c in documented_commands() if "media encode" in c)
    source = project.root / command.split()[-1]
    for made in source.parent.glob(source.stem + ".*"):  # a new video: placed in the lesson, not yet encoded
        if not made.name.endswith(".vtt"):
            made.unlink()
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                    "testsrc=size=640x360:rate=15:duration=2", "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
                    "-shortest", "-pix_fmt", "yuv420p", str(source)], check=True)
    result = project.run(command, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr  # no warning about the very files it is making
    for suffix in (".360p.mp4", ".240p.mp4", ".audio.m4a", ".poster.jpg"):
        made = source.with_name(source.stem + suffix)
        assert made.is_file() and made.name in result.stdout, (suffix, result.stdout)


def lessons_check(project: Project) -> None:
    result = project.run(".venv/bin/course-app lessons check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no problems found" in result.stdout + result.stderr


def lessons_new(project: Project) -> None:
    command = "".join(c for c in documented_commands() if "lessons new" in c)
    result = project.run(command)
    assert result.returncode == 0, result.stderr
    target = project.root / "lessons" / command.split()[3]
    assert sorted(path.name for path in target.iterdir()) == ["be.md", "en.md", "quiz.be.yaml", "quiz.en.yaml",
                                                              "quiz.ru.yaml", "ru.md"]
    assert "draft: true" in (target / "en.md").read_text(encoding="utf-8")
    # What it makes passes the checker as it is, with a warning for each translation still a placeholder.
    result = project.run(".venv/bin/course-app lessons check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(line.split(":", 1)[0] for line in result.stdout.splitlines()) == [
        f"lessons/trade-unions/right-to-strike/{name}" for name in ("be.md", "quiz.be.yaml", "quiz.ru.yaml", "ru.md")]
    assert all(": warning: placeholder: " in line for line in result.stdout.splitlines()), result.stdout


def preview(project: Project) -> None:
    def check(base: str) -> None:
        assert "Trade unions" in page(base + "/en/trade-unions/")
    output = project.serve(".venv/bin/course-app preview", r"on (http://127\.0\.0\.1:\d+)/", check)
    assert "preview stopped" in output


def lessons_status(project: Project) -> None:
    result = project.run(".venv/bin/course-app lessons status")
    assert result.returncode == 0, result.stderr
    assert re.search(r"trade-unions +en +\d+/\d+ ok", result.stdout), result.stdout


HOW_TO_CHECK: dict[str, Callable[[Project], None]] = {
    "make run": make_run,
    ".venv/bin/course-app media encode lessons/trade-unions/what-is-a-union/media/what-a-union-does-en.mp4":
        media_encode,
    ".venv/bin/course-app lessons check": lessons_check,
    ".venv/bin/course-app lessons new trade-unions/right-to-strike --langs en,ru,be --quiz": lessons_new,
    ".venv/bin/course-app preview": preview,
    ".venv/bin/course-app lessons status": lessons_status,
}


def make_install(project: Project) -> None:
    result = project.run("make install")
    assert result.returncode == 0, result.stdout + result.stderr


def course_app_serve(project: Project) -> None:
    def check(base: str) -> None:
        assert "Trade unions" in page(base + "/en/trade-unions/")
    output = project.serve(".venv/bin/course-app serve", r"serving on (http://127\.0\.0\.1:\d+)/", check)
    assert "127.0.0.1" not in output.split("(Ctrl+C stops it)", 1)[1]  # gunicorn's own log names no address


def db_upgrade(project: Project) -> None:
    result = project.run(".venv/bin/course-app db upgrade")
    assert result.returncode == 0 and "database at head" in result.stdout, result.stderr


def gunicorn_directly(project: Project) -> None:
    """gunicorn as an operator's service file runs it, after `db upgrade` (shown just above it)."""
    db_upgrade(project)

    def check(base: str) -> None:
        assert "Trade unions" in page(base + "/en/trade-unions/")
    command = ".venv/bin/gunicorn -c python:course_app.gunicorn_config 'course_app:create_app()'"
    output = project.serve(command, r"Listening at: (http)://", check,
                           base=f"http://127.0.0.1:{project.env['PORT']}")
    assert "Listening at: http://[address]:" in output and "127.0.0.1" not in output


def db_backup(project: Project) -> None:
    """Where it writes, pointed at a temporary folder through BACKUP_DIR, as the page says."""
    db_upgrade(project)
    project.env["BACKUP_DIR"] = str(project.root / "backups" / "course")
    result = project.run(".venv/bin/course-app db backup")
    assert result.returncode == 0, result.stderr
    made = list((project.root / "backups" / "course").glob("course-????-??-??.sqlite3"))
    assert len(made) == 1 and f"created the folder {made[0].parent}" in result.stdout
    assert f"backed up to {made[0]}" in result.stdout


def daily_purge(project: Project) -> None:
    """The crontab line's command, with the checkout's real path for /srv/course_app, as the page says."""
    db_upgrade(project)
    line = next(command for command in deploy_commands() if command.endswith("course-app purge"))
    command = CRONTAB.match(line).group(1).replace("/srv/course_app", str(project.root))  # type: ignore[union-attr]
    result = project.run(command)
    assert result.returncode == 0, result.stderr


DEPLOY_CHECKS: dict[str, Callable[[Project], None]] = {
    "make install": make_install,
    ".venv/bin/course-app serve": course_app_serve,
    ".venv/bin/course-app db upgrade": db_upgrade,
    ".venv/bin/gunicorn -c python:course_app.gunicorn_config 'course_app:create_app()'": gunicorn_directly,
    ".venv/bin/course-app db backup": db_backup,
    "17 3 * * *  cd /srv/course_app && .venv/bin/course-app purge": daily_purge,
}


def test_every_documented_command_has_a_check_here() -> None:
    shown = documented_commands()
    unchecked = {command: where for command, where in shown.items() if command not in HOW_TO_CHECK | EXEMPT}
    assert not unchecked, f"documented commands no test runs: {unchecked}"
    gone = set(HOW_TO_CHECK) - set(shown)
    assert not gone, f"checks for commands the documents no longer show: {gone}"


def test_every_deploy_command_is_run_or_says_why_not() -> None:
    shown = deploy_commands()
    unchecked = {command: where for command, (where, reason) in shown.items()
                 if command not in DEPLOY_CHECKS and not reason}
    assert not unchecked, f"docs/deploy.md shows commands no test runs and no mark explains: {unchecked}"
    assert set(DEPLOY_CHECKS) <= set(shown), set(DEPLOY_CHECKS) - set(shown)
    assert {command for command, (_where, reason) in shown.items() if reason} >= {
        "git clone <your copy of the repository> course_app && cd course_app",
        "export DATABASE_URL=postgresql://course:PASSWORD@db.internal/course"}


@pytest.mark.parametrize("command", list(HOW_TO_CHECK), ids=[check.__name__ for check in HOW_TO_CHECK.values()])
def test_documented_command_works_as_written(command: str, tmp_path: Path) -> None:
    assert sys.platform.startswith("linux")
    HOW_TO_CHECK[command](Project(tmp_path))


@pytest.mark.parametrize("command", list(DEPLOY_CHECKS), ids=[check.__name__ for check in DEPLOY_CHECKS.values()])
def test_deploy_command_works_as_written(command: str, tmp_path: Path) -> None:
    assert sys.platform.startswith("linux")
    DEPLOY_CHECKS[command](Project(tmp_path))
def test_the_gitignore_lines_the_guide_gives_keep_originals_out_and_sizes_in(tmp_path: Path) -> None:
    guide = (PROJECT_DIR / "docs" / "authoring.md").read_text(encoding="utf-8")
    lines = re.search(r"```gitignore\n(.*?)\n```", guide, re.S).group(1).splitlines()  # type: ignore[union-attr]
    assert set(lines) <= set((PROJECT_DIR / ".gitignore").read_text(encoding="utf-8").splitlines())
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("\n".join(lines) + "\n", encoding="utf-8")
    media = tmp_path / "lessons" / "a-course" / "a-lesson" / "media"
    media.mkdir(parents=True)
    names = ["talk.mp4", "talk.360p.mp4", "talk.240p.mp4", "talk.audio.m4a", "talk.poster.jpg", "talk.ru.vtt"]
    for name in names:
        (media / name).write_bytes(b"x")
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=tmp_path,
                            capture_output=True, text=True, check=True).stdout
    kept = {Path(line[3:]).name for line in status.splitlines()} - {".gitignore"}
    assert kept == set(names) - {"talk.mp4"}
