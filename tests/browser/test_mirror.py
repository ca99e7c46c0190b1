"""The static mirror opened straight from disk (file://) with JavaScript off: styled, every link works."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_cli import invoke_course_app, run_course_app


@pytest.fixture(scope="module")
def mirror(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("mirror")
    env = {"INSTANCE_PATH": str(folder / "instance")}
    invoke_course_app("export", "keygen", cwd=folder, env=env)
    assert run_course_app("export", "static", str(folder / "out"), cwd=folder, env=env, timeout=120).returncode == 0
    return folder / "out"


def test_mirror_from_disk_without_javascript(browser, mirror: Path) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto((mirror / "index.html").as_uri())
    page.locator("a[hreflang=ru]").click()
    page.locator(".card__title a").first.click()
    page.locator(".lesson-list a").nth(1).click()
    assert page.locator("main h1").is_visible()
    # The stylesheet applied from disk.
    assert page.evaluate("getComputedStyle(document.querySelector('.leave-quickly')).fontWeight") in ("700", "bold")
    page.locator(".quiz details summary").first.click()
    assert page.locator(".quiz details").first.get_attribute("open") is not None
    page.locator("a[rel=next]").click()
    page.locator(".language-switcher a[hreflang=be]").click()
    assert "/be/trade-unions/" in page.url
    # The footer says when the copy was made and which edition it is, and links to how to check it.
    assert "(выпуск 1)" in page.locator(".site-footer").inner_text()
    page.locator(".site-footer a").click()
    assert page.url.endswith("/be/check.html") and "minisign -Vm MANIFEST.sha256" in page.locator("main").inner_text()
    assert all(url.startswith("file://") for url in requests), [u for u in requests if not u.startswith("file://")]
    context.close()


@pytest.mark.parametrize("lang", ["en", "ru", "be"])
def test_subtitles_and_transcript_work_from_disk(browser, mirror: Path, lang: str) -> None:  # type: ignore[no-untyped-def]
    """A browser refuses a <track> file from file://; the copy carries its subtitles inside the page instead."""
    lesson = (mirror / lang / "trade-unions" / "what-is-a-union.html").as_uri()
    for javascript in (False, True):
        context = browser.new_context(java_script_enabled=javascript)
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda message, seen=console: seen.append(f"{message.type}: {message.text}"))
        page.goto(lesson)
        transcript = page.locator("figure.video details").inner_text()
        assert len(transcript) > 200  # the whole narration, as text, with or without the video
        if javascript:
            # Only to read what the player loaded: the copy itself runs no script.
            page.wait_for_function("document.querySelector('video').textTracks.length === 3")
            loaded = page.evaluate("""() => new Promise(done => {
                const track = Array.from(document.querySelector('video').textTracks).find(t => t.mode === 'showing');
                const ready = () => track.cues && track.cues.length ? done([track.language, track.cues.length]) : null;
                if (!ready()) { document.querySelector('track[default]').addEventListener('load', ready); }
            })""")
            assert loaded[0] == lang and loaded[1] >= 3
        assert console == [], console
        context.close()
