"""The educators' preview with problems, drafts and a held-back lesson, and the learners' "being updated" page:
no WCAG 2.1 AA violation (axe-core) in light and dark, and the problems read as errors and warnings in words."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import LiveServer, axe_context, start_live_server, violations
from tests.conftest import STARTER_LESSONS, make_app
from tests.factories import edit_front_matter


@pytest.fixture(scope="module")
def lessons_with_problems(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lessons = tmp_path_factory.mktemp("preview") / "lessons"
    shutil.copytree(STARTER_LESSONS, lessons)
    wages = lessons / "trade-unions" / "wages" / "en.md"
    wages.write_text(wages.read_text().replace("title: ", "title: [", 1))
    edit_front_matter(lessons / "trade-unions" / "strikes" / "en.md", draft=True)
    (lessons / "trade-unions" / "forced-labour" / "be.md").unlink()
    return lessons


@pytest.fixture(scope="module")
def servers(lessons_with_problems: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, LiveServer]]:
    started = {name: start_live_server(make_app(tmp_path_factory.mktemp(name), LESSONS_DIR=str(lessons_with_problems),
                                                PREVIEW=name == "preview"))
               for name in ("preview", "site")}
    yield started
    for server in started.values():
        server.server.shutdown()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_preview_and_being_updated_pages_have_no_violations(browser, servers: dict[str, LiveServer],  # type: ignore[no-untyped-def]
                                                            axe_source: str, scheme: str) -> None:
    context = axe_context(browser, axe_source, color_scheme=scheme)
    page = context.new_page()
    found: dict[str, list[str]] = {}
    for server, path in (("preview", "/en/trade-unions/"), ("preview", "/ru/trade-unions/wages"),
                         ("preview", "/be/trade-unions/forced-labour"), ("preview", "/en/preview/problems"),
                         ("site", "/en/trade-unions/wages"), ("site", "/ru/trade-unions/")):
        page.goto(servers[server].url + path)
        if problems := violations(page):
            found[f"{server} {path}"] = problems
    page.goto(servers["preview"].url + "/en/trade-unions/")
    contents = page.locator("main").inner_text()
    assert "Held back" in contents and "Draft" in contents
    page.goto(servers["preview"].url + "/en/trade-unions/forced-labour")
    banner = page.locator(".preview-banner").inner_text()
    assert "This lesson's files: 0 errors, 1 warning." in banner
    assert "Warning: lessons/trade-unions/forced-labour/be.md:1 missing translation" in banner
    page.goto(servers["preview"].url + "/be/trade-unions/wages")
    banner = page.locator(".preview-banner").inner_text()
    assert "Памылка: lessons/trade-unions/wages/en.md:3 YAML syntax error" in banner
    context.close()
    assert found == {}
