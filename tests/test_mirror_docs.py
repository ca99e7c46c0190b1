"""docs/mirrors.md, followed literally: every command it shows for making and checking a mirror works.

Only the example key is swapped for the key this test makes; ``course-app`` is the console script
and ``minisign`` and ``sha256sum`` are the stock tools (a missing one fails the test, never skips it).
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from course_app.mirror.signing import parse_public_key
from tests.conftest import PROJECT_DIR
from tests.test_cli import run_course_app

# Runs other programs end to end: left out of `make test-fast`, run by `make test` (pyproject.toml).
pytestmark = pytest.mark.slow

GUIDE = PROJECT_DIR / "docs" / "mirrors.md"
CODE_BLOCK = re.compile(r"^ *```\n(.*?)\n *```", re.S | re.M)
COMMANDS = ("course-app ", ".venv/bin/course-app ", "minisign ", "sha256sum ", "cd ", "mkdir ", "unzip ")


def section(title: str) -> str:
    """The text of one ``## title`` section of the guide."""
    return GUIDE.read_text(encoding="utf-8").split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def block_commands(block: str) -> list[str]:
    """The command lines of one code block, without their trailing comments."""
    lines = [line.split("  #", 1)[0].strip() for line in block.splitlines()]
    return [line for line in lines if line.startswith(COMMANDS)]


def commands(text: str) -> list[str]:
    """The command lines of every code block in ``text``."""
    return [line for block in CODE_BLOCK.findall(text) for line in block_commands(block)]


def example_key() -> tuple[str, str]:
    """The example public key the guide shows, in its two forms."""
    making = section("Making a mirror")
    text = re.search(r"`([A-Za-z0-9+/]{43}=)`", making)
    line = re.search(r"^ *(RW[A-Za-z0-9+/]{54})$", making, re.M)
    assert text and line, "the guide shows the key in both forms"
    return text.group(1), line.group(1)


def test_the_example_key_is_one_key_in_two_forms() -> None:
    text, line = example_key()
    key = parse_public_key(text)
    assert key.minisign_line == line
    assert f"untrusted comment: minisign public key {key.key_id}" in section("Making a mirror")


def run(command: str, cwd: Path, env: dict[str, str], key: tuple[str, str]) -> subprocess.CompletedProcess[str]:
    """Run one documented command as a reader types it, with this test's key in place of the example."""
    example_text, example_line = example_key()
    words = [key[0] if word == example_text else key[1] if word == example_line else word
             for word in shlex.split(command)]
    if words[0].endswith("course-app"):
        return run_course_app(*words[1:], cwd=cwd, env=env, timeout=180)
    tool = shutil.which(words[0])
    if tool is None:
        pytest.fail(f"{words[0]} is needed to follow docs/mirrors.md (Debian: apt-get install {words[0]})")
    return subprocess.run([tool, *words[1:]], cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def test_every_documented_command_works(tmp_path: Path) -> None:
    env = {"INSTANCE_PATH": str(tmp_path / "instance")}
    making = commands(section("Making a mirror"))
    assert any("export keygen" in line for line in making) and any("export static mirror/ --zip" in line
                                                                  for line in making)
    placeholder = ("", "")
    for command in making:
        result = run(command, tmp_path, env, placeholder)
        assert result.returncode == 0, (command, result.stdout, result.stderr)
        if "export keygen" in command:
            # The reader keeps the key they got from the publisher's channel, here beside the copy.
            shutil.copy(tmp_path / "instance" / "mirror-signing.pub", tmp_path / "mirror-signing.pub")
    key = ((tmp_path / "mirror-signing.pub").read_text().strip(),
           (tmp_path / "instance" / "mirror-signing.minisign.pub").read_text().splitlines()[1])
    checking = commands(section("Checking a mirror"))
    assert sum(line.startswith(".venv/bin/course-app export verify") for line in checking) == 4
    assert "sha256sum -c MANIFEST.sha256" in checking
    assert safe_order() == ["minisign -Vm mirror.zip", "mkdir", "cd", "unzip -q ../mirror.zip", "cd",
                            "sha256sum -c MANIFEST.sha256"]
    # Each block as a reader types it, from the folder that holds the copy.
    for block in CODE_BLOCK.findall(section("Checking a mirror")):
        cwd = tmp_path
        for command in block_commands(block):
            if command.startswith("cd "):
                cwd = cwd / shlex.split(command)[1]
                continue
            result = run(command, cwd, env, key)
            assert result.returncode == 0, (command, result.stdout, result.stderr)
            if command.startswith(".venv/bin/course-app"):
                assert "verified: every file is exactly as the publisher signed it (edition 1, made " in result.stdout
    unpacked = tmp_path / "mirror-checked" / "mirror"
    assert (unpacked / "index.html").read_bytes() == (tmp_path / "mirror" / "index.html").read_bytes()


def safe_order() -> list[str]:
    """The zip steps the guide gives for stock tools, each shortened to the words that make the order."""
    block = next(block for block in CODE_BLOCK.findall(section("Checking a mirror"))
                 if block_commands(block)[:1] and block_commands(block)[0].startswith("minisign -Vm mirror.zip"))
    shortened = []
    for command in block_commands(block):
        words = command.split()
        if words[0] == "minisign":
            shortened.append(" ".join(words[:3]))
        else:
            shortened.append(command if words[0] in ("unzip", "sha256sum") else words[0])
    return shortened


def test_the_safe_order_stops_a_forged_zip_at_its_first_step(tmp_path: Path) -> None:
    """The forged zip of tests/test_mirror_zip.py, with no .minisig: the first documented step refuses it,
    so the reader never unpacks it."""
    from tests.test_mirror_signing import publish
    from tests.test_mirror_zip import forged_zip

    (tmp_path / "publisher").mkdir()
    publisher = publish(tmp_path / "publisher", "out", "--video", "none")
    reader = tmp_path / "reader"
    reader.mkdir()
    forged_zip(publisher, reader / "mirror.zip")
    first = block_commands(next(block for block in CODE_BLOCK.findall(section("Checking a mirror"))
                                if "unzip" in block))[0]
    key = (publisher.text, publisher.minisign_line)
    result = run(first, reader, {}, key)
    assert result.returncode != 0 and not (reader / "mirror-checked").exists()
