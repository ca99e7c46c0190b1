"""The educators' preview with problems, drafts and a held-back lesson, and the learners' "being updated"
page, are valid HTML as the Nu HTML checker reads them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import make_app
from tests.factories import edit_front_matter
from tests.html.test_valid_html import nu_errors

# Runs other programs end to end: left out of `make test-fast`, run by `make test` (pyproject.toml).
pytestmark = pytest.mark.slow


def test_preview_and_being_updated_pages_are_valid_html(lessons_copy: Path, tmp_path: Path) -> None:
    wages = lessons_copy / "trade-unions" / "wages" / "en.md"
    wages.write_text(wages.read_text().replace("title: ", "title: [", 1))
    edit_front_matter(lessons_copy / "trade-unions" / "strikes" / "en.md", draft=True)
    (lessons_copy / "trade-unions" / "forced-labour" / "be.md").unlink()
    preview = make_app(tmp_path / "preview", LESSONS_DIR=str(lessons_copy), PREVIEW=True).test_client()
    site = make_app(tmp_path / "site", LESSONS_DIR=str(lessons_copy)).test_client()
    pages = {f"preview {url}": preview.get(url).get_data(as_text=True)
             for url in ("/en/trade-unions/", "/ru/trade-unions/wages", "/be/trade-unions/forced-labour",
                         "/en/preview/problems")}
    pages |= {f"site {url}": site.get(url).get_data(as_text=True)
              for url in ("/en/trade-unions/wages", "/ru/trade-unions/")}
    assert "This lesson is being updated" in pages["site /en/trade-unions/wages"]
    assert nu_errors(pages, tmp_path) == {}
