"""The full browser a learner runs (Debian's package chromium), beside the headless shell the other
browser tests use: a lesson reads, its quiz is answered, and every request goes to this site."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import CHROMIUM_ARGS, LiveServer, fill_quiz, submit

FULL_CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def full_browser(playwright):  # type: ignore[no-untyped-def]
    if not Path(FULL_CHROMIUM).exists():
        pytest.fail("Chromium is missing: install Debian's package with 'apt-get install -y chromium'")
    browser = playwright.chromium.launch(executable_path=FULL_CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_the_full_browser_reads_a_lesson_and_passes_its_quiz(full_browser, live_server: LiveServer,  # type: ignore[no-untyped-def]
                                                            javascript: bool) -> None:
    context = full_browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{live_server.url}/ru/trade-unions/wages")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert len(page.locator(".lesson__body p").all()) > 3
    assert context.cookies() == []  # reading sets nothing
    page.locator(".quiz-link a.button").click()
    fill_quiz(page, live_server.app, "wages", "ru")
    submit(page, "#quiz button[type=submit]")
    assert page.url.split("#")[0] == f"{live_server.url}/ru/trade-unions/wages/result"
    assert "100%" in page.locator(".score").inner_text()
    assert {cookie["name"] for cookie in context.cookies()} == {"session"}
    assert {urlsplit(url).netloc for url in requests} == {urlsplit(live_server.url).netloc}
    if javascript:
        assert page.evaluate("window.localStorage.length + window.sessionStorage.length") == 0
    context.close()
