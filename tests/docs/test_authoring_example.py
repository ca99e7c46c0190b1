"""The worked example in docs/authoring.md, followed literally, gives a course the site serves."""

from __future__ import annotations

import re
from pathlib import Path
from textwrap import dedent

from flask.testing import FlaskCliRunner

from tests.conftest import PROJECT_DIR, make_app

GUIDE = PROJECT_DIR / "docs" / "authoring.md"
FILE_BLOCK = re.compile(r"`(lessons/[^`]+\.(?:md|yaml))`[^\n]{0,80}(?:\n[^\n]{0,80})?:\n\n"
                        r"( *)```\w*\n(.*?)\n\2```", re.S)


def example_files() -> dict[str, str]:
    section = GUIDE.read_text(encoding="utf-8").split("## A full worked example", 1)[1].split("## Common mistakes")[0]
    files = {}
    for path, indent, body in FILE_BLOCK.findall(section):
        lines = [line[len(indent):] if line.startswith(indent) else line for line in body.split("\n")]
        files[path] = dedent("\n".join(lines)) + "\n"
    return files


def test_worked_example_is_served(lessons_copy: Path, tmp_path: Path) -> None:
    files = example_files()
    assert set(files) == {
        "lessons/safety-at-work/course.yaml",
        "lessons/safety-at-work/right-to-refuse/en.md",
        "lessons/safety-at-work/right-to-refuse/ru.md",
        "lessons/safety-at-work/right-to-refuse/quiz.en.yaml",
    }
    for relative, text in files.items():
        target = lessons_copy.parent / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    app = make_app(tmp_path, LESSONS_DIR=str(lessons_copy))
    runner: FlaskCliRunner = app.test_cli_runner()
    result = runner.invoke(args=["lessons", "check"])
    assert result.exit_code == 0, result.output
    errors = [line for line in result.output.splitlines() if ": warning: " not in line and "right-to-refuse" in line]
    assert errors == []
    client = app.test_client()
    page = client.get("/en/safety-at-work/right-to-refuse")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "The right to refuse dangerous work" in html
    assert 'href="../trade-unions/what-is-a-union"' in html
    assert "Safety comes first" not in html  # explanations appear only after answering
    assert "Health and safety at work" in client.get("/en/").get_data(as_text=True)
    assert client.get("/ru/safety-at-work/right-to-refuse").status_code == 200
