"""The learner journey in a real browser with JavaScript off, in every language, then a scan of
the database file and the server's log for anything identifying."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.browser.conftest import LiveServer, fill_quiz, start_live_server, submit
from tests.conftest import database_contents, make_app

USER_AGENT = "JourneyProbe/7.3 (identifying user agent)"


@pytest.fixture()
def journey_server(tmp_path: Path) -> Iterator[LiveServer]:
    app = make_app(tmp_path, CODE_CHECK_SECONDS=0.05)
    live = start_live_server(app)
    yield live
    live.server.shutdown()


@pytest.fixture()
def captured_log() -> Iterator[list[str]]:
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Collect(level=logging.DEBUG)
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield lines
    root.removeHandler(handler)
    root.setLevel(previous)


def answer_quiz(page, app: Flask, lesson: str, lang: str) -> None:  # type: ignore[no-untyped-def]
    fill_quiz(page, app, lesson, lang)
    submit(page, "#quiz button[type=submit]")


@pytest.mark.parametrize("lang", ["en", "ru", "be"])
def test_learner_journey_without_javascript(browser, journey_server: LiveServer, captured_log: list[str],  # type: ignore[no-untyped-def]
                                            lang: str) -> None:
    app, base = journey_server.app, journey_server.url
    first = browser.new_context(java_script_enabled=False, user_agent=USER_AGENT)
    page = first.new_page()
    page.goto(f"{base}/{lang}/trade-unions/wages")
    page.locator(".quiz-link a.button").click()
    answer_quiz(page, app, "wages", lang)
    assert page.url.split("#")[0] == f"{base}/{lang}/trade-unions/wages/result"
    assert "100%" in page.locator(".score").inner_text()

    # Save progress and read the code where the issue says it is.
    page.goto(f"{base}/{lang}/progress")
    submit(page, "form[action$='/progress/code'] button")
    code = page.locator("#learner-code").inner_text().strip()
    assert len(code.replace(" ", "")) == 24
    cookies = first.cookies()
    assert [c["name"] for c in cookies] == ["session"]
    assert code.replace(" ", "") not in cookies[0]["value"] and code not in cookies[0]["value"]
    assert cookies[0]["expires"] == -1  # a session cookie: gone when the browser closes
    first.close()

    # A new browser: continue with the code and see the same progress.
    second = browser.new_context(java_script_enabled=False, user_agent=USER_AGENT)
    page = second.new_page()
    page.goto(f"{base}/{lang}/progress")
    page.fill("input[name=code]", code)
    submit(page, "form[action$='/progress/continue'] button")
    assert page.url == f"{base}/{lang}/progress"
    assert page.locator("progress").get_attribute("value") == "1"
    assert "100%" in page.locator(".lesson-list").inner_text()

    # Delete everything, after one confirmation.
    page.locator("a.button--danger").click()
    submit(page, "form[action$='/progress/delete'] button")
    assert page.url == f"{base}/{lang}/progress/deleted"
    assert second.cookies() == []
    second.close()

    # The old code no longer restores anything.
    third = browser.new_context(java_script_enabled=False, user_agent=USER_AGENT)
    page = third.new_page()
    page.goto(f"{base}/{lang}/progress")
    page.fill("input[name=code]", code)
    submit(page, "form[action$='/progress/continue'] button")
    assert page.locator(".error-summary").is_visible()
    third.close()

    # Nothing identifying in the database file or the server's log.
    raw = database_contents(app)
    for secret in ("127.0.0.1", USER_AGENT, "JourneyProbe", code, code.replace(" ", "")):
        assert secret.encode() not in raw, secret
    log = "\n".join(captured_log)
    for secret in ("127.0.0.1", "JourneyProbe", code.replace(" ", "")):
        assert secret not in log, secret
