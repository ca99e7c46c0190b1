"""The pages learners see are valid HTML, as the Nu HTML checker (the W3C's validator) reads them.

A browser forgives invalid markup, but assistive technology may not: a repeated id, for one, sends a
screen reader's label to the wrong field. vnu.jar comes from the npm registry (tests/html/package.json,
installed by `make test`) and runs on Debian's Java runtime.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from flask import Flask

from tests.helpers import SAME_ORIGIN, answer_quiz, save_code

# Runs other programs end to end: left out of `make test-fast`, run by `make test` (pyproject.toml).
pytestmark = pytest.mark.slow

VNU = Path(__file__).resolve().parent / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def nu_errors(pages: dict[str, str], folder: Path) -> dict[str, list[str]]:
    """What the Nu checker finds wrong in each page (errors only), by page name."""
    java = shutil.which("java")
    if java is None or not VNU.is_file():
        pytest.fail("the Nu HTML checker needs Java and vnu.jar: run 'make test' (it installs both)")
    files = {}
    for number, (name, html) in enumerate(pages.items()):
        files[name] = folder / f"page-{number}.html"  # a plain name: the checker reports it as a file: address
        files[name].write_text(html, encoding="utf-8")
    result = subprocess.run([java, "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, files.values())],
                            capture_output=True, text=True, timeout=120, check=False)
    messages = json.loads(result.stderr or result.stdout)["messages"]
    by_file = {f"/{path.name}": name for name, path in files.items()}
    found: dict[str, list[str]] = {}
    for message in messages:
        name = next((name for ending, name in by_file.items() if message.get("url", "").endswith(ending)), None)
        assert name is not None, message  # every message belongs to a page, or the checker could not run
        found.setdefault(name, []).append(f"{message.get('lastLine')}: {message['message']}")
    return found


def learner_pages(app: Flask, lang: str) -> dict[str, str]:
    """The pages a learner meets in ``lang``, as a reader and after answering a quiz, by a name for each."""
    reader = app.test_client()
    pages = {url: reader.get(url).get_data(as_text=True)
             for url in (f"/{lang}/", f"/{lang}/trade-unions/", f"/{lang}/trade-unions/what-is-a-union",
                         f"/{lang}/trade-unions/wages/quiz", f"/{lang}/safety")}
    learner = app.test_client()
    response, _asked = answer_quiz(learner, app, "wages", lang, right=False)
    assert response.status_code == 303
    pages[f"{lang} result"] = learner.get(response.headers["Location"]).get_data(as_text=True)
    pages[f"{lang} lesson, for a learner"] = learner.get(f"/{lang}/trade-unions/wages").get_data(as_text=True)
    pages[f"{lang} progress"] = learner.get(f"/{lang}/progress").get_data(as_text=True)
    save_code(learner, lang)
    pages[f"{lang} progress, with a code"] = learner.get(f"/{lang}/progress").get_data(as_text=True)
    pages[f"{lang} code refused"] = learner.post(f"/{lang}/progress/continue", data={"code": "12"},
                                                 headers=SAME_ORIGIN).get_data(as_text=True)
    return pages


def test_learner_pages_are_valid_html_in_every_language(app: Flask, tmp_path: Path) -> None:
    # One run of the checker for every page: starting Java takes longer than checking a page.
    pages = {name: html for lang in ("en", "ru", "be") for name, html in learner_pages(app, lang).items()}
    assert len(pages) == 30
    assert nu_errors(pages, tmp_path) == {}
