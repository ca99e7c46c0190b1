"""Reading a lesson in a real browser with JavaScript off: complete, same-origin, every language."""

from __future__ import annotations

import pytest

from tests.browser.conftest import LiveServer


@pytest.mark.parametrize("lang", ["en", "ru", "be"])
def test_read_a_lesson_without_javascript(no_js_page, live_server: LiveServer, lang: str) -> None:  # type: ignore[no-untyped-def]
    page = no_js_page
    live_server.requests.clear()
    page.goto(f"{live_server.url}/{lang}/")
    assert page.locator("html").get_attribute("lang") == lang
    page.locator(".card__title a").first.click()
    page.locator(".lesson-list a").first.click()
    assert page.locator("main h1").is_visible()
    first_title = page.locator("main h1").inner_text()
    assert len(page.locator(".lesson__body p").all()) > 3
    # Follow "next", then switch language and stay on the same lesson.
    page.locator("a[rel=next]").click()
    assert page.locator("main h1").inner_text() != first_title
    path = page.url.removeprefix(live_server.url).split("/", 2)[2]
    other = "en" if lang != "en" else "ru"
    page.locator(f".language-switcher a[hreflang={other}]").click()
    assert page.url == f"{live_server.url}/{other}/{path}"
    assert page.locator("html").get_attribute("lang") == other
    # The stylesheet applied (the header is laid out, not raw).
    assert page.evaluate("getComputedStyle(document.querySelector('.leave-quickly')).fontWeight") in ("700", "bold")
    assert all(url.startswith(live_server.url) for url in live_server.requests), live_server.requests


def test_phone_width_has_no_horizontal_scroll(browser, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=True)
    page = context.new_page()
    for path in ("/be/", "/be/trade-unions/", "/be/trade-unions/ilo-supervision", "/ru/trade-unions/wages"):
        page.goto(live_server.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
        # Nor does a long word stick out of its box: the links to the lessons before and after ("Принудительный").
        overflowing = page.evaluate("[...document.querySelectorAll('.pager a')]"
                                    ".filter(link => link.scrollWidth > link.clientWidth).map(link => link.innerText)")
        assert overflowing == [], (path, overflowing)
    context.close()


def test_the_pages_own_style_and_script_run_under_their_policy(browser, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    """The style and script inside each page are allowed by the page's policy (their hashes): the browser
    refuses nothing and the styles apply. (tests/browser/test_crawl.py presses Shift three times.)"""
    context = browser.new_context(java_script_enabled=True)
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text
            else None)
    for path in ("/en/trade-unions/what-is-a-union", "/ru/trade-unions/wages/quiz", "/be/progress", "/staff/login"):
        page.goto(live_server.url + path)
        assert page.evaluate("getComputedStyle(document.body).getPropertyValue('--accent').trim()") == "#1d4f73", path
    # forms.css, inside the quiz page: its questions are framed panels.
    page.goto(live_server.url + "/ru/trade-unions/wages/quiz")
    assert page.evaluate("getComputedStyle(document.querySelector('.question')).borderTopStyle") == "solid"
    assert refused == []
    context.close()
