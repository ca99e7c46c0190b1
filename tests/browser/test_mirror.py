"""The static mirror opened straight from disk (file://) with JavaScript off: styled, every link works."""

from __future__ import annotations

from pathlib import Path

from tests.test_cli import run_course_app


def test_mirror_from_disk_without_javascript(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    env = {"INSTANCE_PATH": str(tmp_path / "instance")}
    run_course_app("export", "keygen", cwd=tmp_path, env=env)
    assert run_course_app("export", "static", str(tmp_path / "out"), cwd=tmp_path, env=env, timeout=120).returncode == 0
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto((tmp_path / "out" / "index.html").as_uri())
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
