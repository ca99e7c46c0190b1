"""`course-app preview`, run as the docs write it: a real server that listens until stopped."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import urllib.request
from pathlib import Path

from tests.conftest import TEST_SECRETS
from tests.factories import edit_front_matter
from tests.test_cli import COURSE_APP


def test_preview_serves_drafts_and_problems_until_stopped(lessons_copy: Path, tmp_path: Path) -> None:
    draft = lessons_copy / "trade-unions" / "wages" / "en.md"
    edit_front_matter(draft, draft=True)
    broken = lessons_copy / "trade-unions" / "forced-labour" / "ru.md"
    broken.write_text("---\ntitle: [\n---\n")
    process = subprocess.Popen([str(COURSE_APP), "preview", "--port", "0", "--lessons", str(lessons_copy)],
                               cwd=tmp_path, env={**os.environ, **TEST_SECRETS}, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        said = []
        while not (address := re.search(r"on (http://127\.0\.0\.1:\d+)/", said[-1] if said else "")):
            said.append(process.stdout.readline())  # printed once it listens: no guessing how long that takes
            assert said[-1], "".join(said)
        with urllib.request.urlopen(address.group(1) + "/en/trade-unions/wages", timeout=30) as response:
            page = response.read().decode()
        assert "Draft: learners do not see this lesson." in page
        assert "In all lesson files: 1 error, 0 warnings." in page
        with urllib.request.urlopen(address.group(1) + "/en/trade-unions/forced-labour", timeout=30) as response:
            page = response.read().decode()
        assert "<strong>Error:</strong> <code>lessons/trade-unions/forced-labour/ru.md:2</code> YAML syntax error" \
            in page
        # It keeps serving, and shows a change on the next page load.
        draft.write_text(draft.read_text().replace("title: Wages and the minimum wage", "title: Wages, reworded"))
        with urllib.request.urlopen(address.group(1) + "/en/trade-unions/wages", timeout=30) as response:
            assert "Wages, reworded" in response.read().decode()
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    assert "preview stopped" in (process.stdout.read() if process.stdout else "")


def test_preview_names_the_problem_of_a_broken_text_instead_of_a_missing_translation(lessons_copy: Path,
                                                                                     tmp_path: Path) -> None:
    from tests.conftest import make_app

    broken = lessons_copy / "trade-unions" / "wages" / "en.md"
    broken.write_text(broken.read_text().replace("title: ", "title: [", 1))
    preview = make_app(tmp_path, LESSONS_DIR=str(lessons_copy), PREVIEW=True)
    page = preview.test_client().get("/en/trade-unions/wages").get_data(as_text=True)
    assert "this language's text has problems" in page
    assert "<code>lessons/trade-unions/wages/en.md:3</code> YAML syntax error" in page
    assert "not yet translated" not in page
    assert 'learners get "this lesson is being updated" until the errors in its files are fixed' in page
