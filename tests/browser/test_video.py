"""A lesson with video in a real browser: complete with JavaScript off, and it plays with it on."""

from __future__ import annotations

import time

from tests.browser.conftest import LiveServer

LESSON = "/be/trade-unions/what-is-a-union"


def test_video_lesson_is_complete_without_javascript(no_js_page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page = no_js_page
    live_server.requests.clear()
    page.goto(live_server.url + LESSON)
    video = page.locator("figure.video video")
    assert video.get_attribute("preload") == "none"
    assert ".poster.jpg?v=" in video.get_attribute("poster")
    assert page.locator("figure.video track").count() == 3
    assert page.locator("figure.video track[default]").get_attribute("srclang") == "be"
    # No video or sound was fetched before pressing play: only the poster and the default subtitles.
    fetched = [url for url in live_server.requests if "/media/" in url]
    assert not [url for url in fetched if ".mp4" in url or ".m4a" in url], fetched
    # The transcript opens without JavaScript.
    page.locator("figure.video summary").click()
    assert "Прафсаюз — гэта аб'яднанне работнікаў" in page.locator("figure.video details").inner_text()
    # Choosing a size is a plain link.
    page.locator("figure.video .video__sizes a[href*='size=audio']").click()
    page.wait_for_load_state()  # the click returns once the next page starts arriving
    assert page.locator("figure.video audio").count() == 1
    assert all(url.startswith(live_server.url) for url in live_server.requests)


def test_video_plays_with_javascript(browser, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_server.url + LESSON + "?size=360p")
    page.evaluate("() => { const v = document.querySelector('video'); v.muted = true; return v.play(); }")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and page.evaluate("document.querySelector('video').currentTime") < 0.5:
        time.sleep(0.2)
    assert page.evaluate("document.querySelector('video').currentTime") >= 0.5
    assert page.evaluate("document.querySelector('video').error") is None
    assert page.evaluate("document.querySelector('video').textTracks.length") == 3
    context.close()
