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


def tiny_png() -> bytes:
    """A 2×2 grey PNG, written by hand (no image library needed)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80\x80\x80" * 2 for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def test_no_exported_file_runs_a_script_or_requests_another_address(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Every file of a mirror opened on its own from disk, JavaScript on: pages, pictures, a PDF handout made by
    this Chromium, videos, the stylesheet. No script is parsed in any of them and nothing is requested from
    anywhere but the disk. An SVG with a script, which would, never gets into a mirror."""
    import shutil

    from playwright.sync_api import Error as PlaywrightError

    from tests.conftest import STARTER_LESSONS

    lessons = tmp_path / "lessons"
    shutil.copytree(STARTER_LESSONS, lessons)
    media = lessons / "trade-unions" / "what-is-a-union" / "media"
    (media / "diagram.png").write_bytes(tiny_png())
    maker = browser.new_page()
    maker.set_content("<h1>Handout</h1><p>Your rights, on paper. <a href='https://www.ilo.org/'>ILO</a></p>")
    (media / "handout.pdf").write_bytes(maker.pdf())
    maker.close()
    text = lessons / "trade-unions" / "what-is-a-union" / "en.md"
    text.write_text(text.read_text() + "\n\n![A diagram](media/diagram.png)\n\n[The handout](media/handout.pdf)\n")
    env = {"INSTANCE_PATH": str(tmp_path / "instance"), "LESSONS_DIR": str(lessons)}
    invoke_course_app("export", "keygen", cwd=tmp_path, env=env)
    result = run_course_app("export", "static", str(tmp_path / "out"), cwd=tmp_path, env=env, timeout=180)
    assert result.returncode == 0, result.stderr
    exported = sorted(path for path in (tmp_path / "out").rglob("*") if path.is_file())
    assert any(path.name == "handout.pdf" for path in exported) and any(path.name == "diagram.png" for path in exported)

    context = browser.new_context(java_script_enabled=True, accept_downloads=True)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    scripts: list[str] = []
    debugger = context.new_cdp_session(page)
    # Scripts the documents themselves run (not Playwright's own, which run in an isolated world).
    debugger.on("Debugger.scriptParsed", lambda event: scripts.append(event.get("url", "")) if event.get(
        "executionContextAuxData", {}).get("isDefault") else None)
    debugger.send("Debugger.enable")
    for path in exported:
        try:
            page.goto(path.as_uri(), wait_until="load")
        except PlaywrightError as error:
            assert "Download is starting" in str(error), (path, error)  # a PDF: the headless shell saves it
    context.close()
    assert scripts == [], scripts
    assert requests and all(url.startswith(("file://", "data:")) for url in requests), \
        [url for url in requests if not url.startswith(("file://", "data:"))]

    # The SVG that would run a script and fetch an address never gets that far.
    (media / "evil.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>fetch("https://x.example/")'
                                    '</script></svg>')
    text.write_text(text.read_text() + "\n![Evil](media/evil.svg)\n")
    refused = run_course_app("export", "static", str(tmp_path / "again"), cwd=tmp_path, env=env, timeout=180)
    assert refused.returncode == 1 and not (tmp_path / "again").exists()
