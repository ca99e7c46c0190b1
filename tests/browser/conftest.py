"""Real-browser fixtures: Debian's Chromium driven by Playwright, against a live server on 127.0.0.1.

Playwright's own browser download is never used (it cannot work offline); Debian's Chromium is
launched instead, as its headless shell (package chromium-headless-shell): the same Chromium
release and engine built for headless use, which is what Playwright itself runs for headless
Chromium. It loads a page with about half the CPU of the full browser in headless mode, and the
browser tests are most of the suite's time. The full browser (package chromium) still runs in the
suite: tests/browser/test_full_browser.py reads a lesson and passes its quiz in it. Every request the
page makes is recorded, so tests can prove nothing goes to another origin.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from tests.conftest import make_app

CHROMIUM = shutil.which("chromium-headless-shell") or "/usr/bin/chromium-headless-shell"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium's headless shell is missing: install Debian's package with "
                    "'apt-get install -y chromium-headless-shell'")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@dataclass
class LiveServer:
    app: Flask
    server: BaseWSGIServer
    thread: threading.Thread
    requests: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"


def start_live_server(app: Flask) -> LiveServer:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return LiveServer(app, server, thread)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    app = make_app(tmp_path_factory.mktemp("live"))
    live = start_live_server(app)
    yield live
    live.server.shutdown()


def submit(page, selector: str) -> None:  # type: ignore[no-untyped-def]
    """Press a form's button and return once the page it leads to has loaded. A click returns when
    the navigation commits, while the new document may still be loading: a script evaluated then can
    find no document."""
    with page.expect_navigation(wait_until="load"):
        page.locator(selector).click()


def fill_quiz(page, app: Flask, lesson: str, lang: str) -> None:  # type: ignore[no-untyped-def]
    """Answer every question of a starter lesson's quiz rightly, as a learner would click them."""
    from tests.helpers import quiz_answers, starter_quiz

    token = page.locator("input[name=token]").get_attribute("value")
    answers = quiz_answers(app, starter_quiz(app, lesson, lang), token=token)
    answers.pop("token")
    for name, value in answers.items():
        if isinstance(value, list):
            for item in value:
                page.check(f"input[name={name}][value='{item}']")
        elif page.locator(f"select[name={name}]").count():
            page.select_option(f"select[name={name}]", value)
        else:
            page.check(f"input[name={name}][value='{value}']")


@pytest.fixture()
def no_js_page(browser, live_server: LiveServer):  # type: ignore[no-untyped-def]
    """A page in a fresh context with JavaScript off that records every request's URL."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.on("request", lambda request: live_server.requests.append(request.url))
    yield page
    context.close()


# axe-core, installed by `make test` from the npm registry (never from a CDN).
AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail("axe-core is missing: run 'make test' (it installs tests/browser/axe with npm ci)")
    return AXE.read_text(encoding="utf-8")


def axe_context(browser, axe_source: str, **options):  # type: ignore[no-untyped-def]
    """A browser context in which every page has axe-core, given once: the browser compiles the
    script for each new page from its own copy, with no 500 kB sent over for every check."""
    context = browser.new_context(bypass_csp=True, **options)
    context.add_init_script(script=axe_source)
    return context


def violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    # Only violations are read: axe then skips building the (large) lists of passes and incomplete checks.
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", TAGS)
    return [f"{item['id']} ({item['impact']}): {item['help']} — "
            f"{[node['target'] for node in item['nodes']][:3]}" for item in result["violations"]]
