"""Every staff page is readable on a 360 px phone and at 1280 px: the page never scrolls sideways, no table
hides columns off-screen, chart text renders at 12 px or more; and axe finds no violation at either width."""

from __future__ import annotations

from pathlib import Path

import pyotp

from course_app.models import StaffRole
from tests.browser.conftest import LiveServer, axe_context, violations
from tests.helpers import answer_quiz
from tests.staff.conftest import PASSWORD, create_account, stopped_clock
from tests.staff.test_dashboard import DAY, LAST_MONTH, add_learners, on_day

WIDTHS = {"phone": (360, 740), "desktop": (1280, 860)}

# Chart text as rendered: its font size times how much the page scales the chart's 320 units.
CHART_TEXT_SIZES = """() => [...document.querySelectorAll('svg.chart')].flatMap(svg => {
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return [...svg.querySelectorAll('text')].map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
})"""
# Tables wider than the space they are given (columns off-screen behind a scroll bar).
CLIPPED_TABLES = """() => [...document.querySelectorAll('table')].filter(
  table => table.getBoundingClientRect().width > table.parentElement.clientWidth + 1).length"""


def test_staff_pages_read_well_on_a_phone_and_a_desktop(browser, live_server: LiveServer, axe_source: str,  # type: ignore[no-untyped-def]
                                                        tmp_path: Path) -> None:
    app = live_server.app
    add_learners(app, 12, completed_lessons=4)
    add_learners(app, 9, completed_lessons=1, lang="ru")
    with on_day(app, DAY):
        for index in range(14):
            answer_quiz(app.test_client(), app, "wages", right=index < 9)
    create_account(app, "phone-admin", StaffRole.ADMIN)
    pages = [f"/staff/?period={LAST_MONTH.key}", f"/staff/?period=life-{LAST_MONTH.key}&lang=ru",
             "/staff/insights", "/staff/translations", "/staff/audit"]
    problems: dict[str, object] = {}
    context = axe_context(browser, axe_source, viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.goto(live_server.url + "/staff/login")
    page.fill("input[name=name]", "phone-admin")
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    secret = page.locator("#totp-secret").inner_text().strip()
    page.fill("input[name=code]", pyotp.TOTP(secret).at(stopped_clock(app).timestamp()))
    page.locator("main form button[type=submit]").click()
    assert page.url.endswith("/staff/"), page.url
    for width_name, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        for path in pages:
            page.goto(live_server.url + path)
            label = f"{width_name} {path}"
            page.screenshot(path=str(tmp_path / f"{width_name}-{pages.index(path)}.png"), full_page=True)
            if page.evaluate("document.documentElement.scrollWidth") > width:
                problems[f"{label}: scrolls sideways"] = page.evaluate("document.documentElement.scrollWidth")
            if clipped := page.evaluate(CLIPPED_TABLES):
                problems[f"{label}: tables with columns off-screen"] = clipped
            sizes = page.evaluate(CHART_TEXT_SIZES)
            if sizes and min(sizes) < 11.95:
                problems[f"{label}: chart text below 12 px"] = min(sizes)
            if path.startswith("/staff/?"):
                assert sizes, f"{label}: no chart"
            if found := violations(page):
                problems[f"{label}: axe"] = found
    context.close()
    assert problems == {}, "\n".join(f"{key}: {value}" for key, value in problems.items())
