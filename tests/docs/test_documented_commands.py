"""Every command README.md and docs/authoring.md show, run the way they write it, in a copy of the project.

A command that prints its address and exits, or one that changed its name, fails here: the test
finds the commands in the documents themselves, so a new one cannot be added without a check.
docs/mirrors.md has its own test (tests/test_mirror_docs.py); docs/deploy.md is for system
administrators and is exempt.
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

DOCUMENTS = ("README.md", "docs/authoring.md")
COMMAND_STARTS = ("make ", ".venv/bin/", "course-app ")
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
        shutil.copytree(PROJECT_DIR / "course_app" / "translations", root / "course_app" / "translations")
        (root / ".venv").symlink_to(PROJECT_DIR / ".venv")
        self.env = {**os.environ, **TEST_SECRETS, "LESSONS_DIR": str(root / "lessons"),
                    "INSTANCE_PATH": str(root / "instance"), "PORT": str(free_port()),
                    "PREVIEW_PORT": str(free_port())}
        self.env.pop("MAKEFLAGS", None)
        self.env.pop("DATABASE_URL", None)  # a newcomer's first run uses SQLite

    def run(self, command: str, timeout: int = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, shell=True, cwd=self.root, env=self.env, capture_output=True, text=True,
                              timeout=timeout, check=False)

    def serve(self, command: str, address_pattern: str, check: Callable[[str], None]) -> str:
        """Start a server command as written, wait until it says where it listens, check it, stop it with Ctrl+C."""
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
            base = found.group(1)
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
    lessons_check(project)  # what it makes passes the checker as it is


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


def test_every_documented_command_has_a_check_here() -> None:
    shown = documented_commands()
    unchecked = {command: where for command, where in shown.items() if command not in HOW_TO_CHECK | EXEMPT}
    assert not unchecked, f"documented commands no test runs: {unchecked}"
    gone = set(HOW_TO_CHECK) - set(shown)
    assert not gone, f"checks for commands the documents no longer show: {gone}"


@pytest.mark.parametrize("command", list(HOW_TO_CHECK), ids=[check.__name__ for check in HOW_TO_CHECK.values()])
def test_documented_command_works_as_written(command: str, tmp_path: Path) -> None:
    assert sys.platform.startswith("linux")
    HOW_TO_CHECK[command](Project(tmp_path))


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
