"""A real-browser crawl of the whole learner site, JavaScript on and off: every request goes to
the site's own origin, the only cookie is the session cookie, no browser storage is used."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

from tests.browser.conftest import LiveServer, start_live_server
from tests.conftest import make_app

START = ["/en/", "/ru/", "/be/", "/staff/login"]
SKIP = ("/leave",)


def links_in(html: str) -> list[str]:
    """The href of every link in a document."""
    found: list[str] = []

    class Links(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            href = dict(attrs).get("href")
            if tag == "a" and href:
                found.append(href)

    Links().feed(html)
    return found


def crawl(page, base: str, limit: int = 80) -> set[str]:  # type: ignore[no-untyped-def]
    seen: set[str] = set()
    queue = [base + path for path in START]
    while queue and len(seen) < limit:
        url = urldefrag(queue.pop(0))[0]
        if url in seen or any(part in url for part in SKIP):
            continue
        seen.add(url)
        page.goto(url)
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            if href.startswith(base) and "/media/" not in href and "/export/" not in href:
                queue.append(href)
    return seen


@pytest.mark.parametrize("javascript", [True, False])
def test_crawl_stays_on_our_origin_with_one_cookie(browser, live_server: LiveServer, javascript: bool) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    base = live_server.url
    if javascript:
        visited = crawl(page, base)
    else:
        # With JavaScript off, the page cannot list its links: read them from the document the browser holds.
        visited = set()
        queue = [base + path for path in START]
        while queue and len(visited) < 80:
            url = urldefrag(queue.pop(0))[0]
            if url in visited or any(part in url for part in SKIP):
                continue
            visited.add(url)
            page.goto(url)
            for href in links_in(page.content()):
                absolute = urljoin(page.url, href)
                if absolute.startswith(base) and "/media/" not in absolute:
                    queue.append(absolute)
    assert len(visited) >= 25
    origin = urlsplit(base).netloc
    strangers = [url for url in requests if urlsplit(url).netloc != origin and not url.startswith("data:")]
    assert strangers == []
    assert {cookie["name"] for cookie in context.cookies()} <= {"session"}
    if javascript:
        assert page.evaluate("window.localStorage.length") == 0
        assert page.evaluate("window.sessionStorage.length") == 0
        assert page.evaluate("async () => (await indexedDB.databases()).length") == 0
        assert page.evaluate("async () => (await navigator.serviceWorker.getRegistrations()).length") == 0
    context.close()


def test_shift_three_times_leaves_at_once(browser, tmp_path) -> None:  # type: ignore[no-untyped-def]
    live = start_live_server(make_app(tmp_path))
    # A neutral page on our own test server stands in for the neutral site (no network here).
    neutral = live.url + "/static/icon.svg"
    live.app.config["LEAVE_URL"] = neutral
    context = browser.new_context()
    page = context.new_page()
    page.goto(live.url + "/ru/trade-unions/wages")
    assert context.cookies() == []  # reading sets nothing
    page.locator("form[action$='/done'] button").click()  # an action: now there is a session
    page.wait_for_load_state("load")  # leave.js listens for Shift only once the page has loaded
    assert [c for c in context.cookies() if c["name"] == "session"]
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url(neutral.split("?")[0] + "*", timeout=5000)
    assert [c for c in context.cookies() if c["name"] == "session" and c["value"]] == []
    context.close()
    live.server.shutdown()


def test_leave_quickly_without_javascript_ends_the_session(browser, tmp_path) -> None:  # type: ignore[no-untyped-def]
    live = start_live_server(make_app(tmp_path))
    neutral = live.url + "/static/icon.svg"
    live.app.config["LEAVE_URL"] = neutral
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    for path in ("/be/trade-unions/wages", "/be/trade-unions/forced-labour", "/be/progress"):
        page.goto(live.url + "/be/trade-unions/study-safely")
        page.locator("form[action$='/done'] button").click()
        page.goto(live.url + path)
        assert [c for c in context.cookies() if c["name"] == "session"]
        page.locator("#leave-quickly").click()
        page.wait_for_url(neutral.split("?")[0] + "*", timeout=5000)
        assert [c for c in context.cookies() if c["name"] == "session" and c["value"]] == []
    page.goto(live.url + "/be/progress")
    assert page.locator("progress").count() == 0  # nothing of the earlier visit remains
    context.close()
    live.server.shutdown()
