"""Every staff page is readable on a 360 px phone and at 1280 px: the page never scrolls sideways, no table
hides columns off-screen, chart text is body text at desktop width and never below 12 px; axe finds no
violation at either width, tables unfolded. And a phone screen per question: with 3,000 generated learners,
the dashboard as it opens and each quiz's insights fit the heights the coordinators asked for, in English
and in Russian, with each chart's table folded beneath it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import update

from course_app.clock import ManualClock
from course_app.content import current_catalogue
from course_app.db import get_session
from course_app.models import SiteEvent, StaffRole
from tests.browser.conftest import LiveServer, axe_context, start_live_server, violations
from tests.conftest import make_app
from tests.helpers import answer_quiz
from tests.staff.conftest import PASSWORD, create_account, stopped_clock
from tests.staff.test_dashboard import DAY, LAST_MONTH, add_learners, on_day

WIDTHS = {"phone": (360, 740), "desktop": (1280, 860)}
# The uncropped heights (document.documentElement.scrollHeight) a coordinator asked for at 360 px.
DASHBOARD_HEIGHT = 6000
QUIZ_INSIGHTS_HEIGHT = 4000

# Chart text as rendered (labels, series names, numbers), and the page's body text.
CHART_TEXT_SIZES = """() => [...document.querySelectorAll('.chart__label, .chart__series, .chart__value')].map(
  element => parseFloat(getComputedStyle(element).fontSize))"""
BODY_TEXT_SIZE = "() => parseFloat(getComputedStyle(document.body).fontSize)"
# Tables wider than the space they are given (columns off-screen behind a scroll bar).
CLIPPED_TABLES = """() => [...document.querySelectorAll('table')].filter(
  table => table.getBoundingClientRect().width > table.parentElement.clientWidth + 1).length"""
UNFOLD = "() => document.querySelectorAll('details').forEach(details => { details.open = true; })"


def sign_in(page, base: str, app, name: str) -> None:  # type: ignore[no-untyped-def]
    """First sign-in of a new account: password, then the authenticator enrolled on the spot."""
    page.goto(base + "/staff/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    secret = page.locator("#totp-secret").inner_text().strip()
    page.fill("input[name=code]", pyotp.TOTP(secret).at(stopped_clock(app).timestamp()))
    page.locator("main form button[type=submit]").click()
    assert page.url.endswith("/staff/"), page.url


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
             f"/staff/insights?period={LAST_MONTH.key}&quiz=trade-unions/wages", "/staff/translations", "/staff/audit"]
    problems: dict[str, object] = {}
    context = axe_context(browser, axe_source, viewport={"width": 1280, "height": 860})
    page = context.new_page()
    sign_in(page, live_server.url, app, "phone-admin")
    for width_name, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        for path in pages:
            page.goto(live_server.url + path)
            page.evaluate(UNFOLD)  # every table shown, for the checks below
            label = f"{width_name} {path}"
            page.screenshot(path=str(tmp_path / f"{width_name}-{pages.index(path)}.png"), full_page=True)
            if page.evaluate("document.documentElement.scrollWidth") > width:
                problems[f"{label}: scrolls sideways"] = page.evaluate("document.documentElement.scrollWidth")
            if clipped := page.evaluate(CLIPPED_TABLES):
                problems[f"{label}: tables with columns off-screen"] = clipped
            sizes = page.evaluate(CHART_TEXT_SIZES)
            if sizes and min(sizes) < 12:
                problems[f"{label}: chart text below 12 px"] = min(sizes)
            if sizes and width_name == "desktop" and set(sizes) != {page.evaluate(BODY_TEXT_SIZE)}:
                problems[f"{label}: chart text is not body text"] = sorted(set(sizes))
            if path.startswith("/staff/?"):
                assert sizes, f"{label}: no chart"
            if found := violations(page):
                problems[f"{label}: axe"] = found
    context.close()
    assert problems == {}, "\n".join(f"{key}: {value}" for key, value in problems.items())


# -- a phone screen per question ---------------------------------------------------------------------------

NOW = datetime(2026, 12, 2, 12, 0, 10, tzinfo=UTC)


@pytest.fixture(scope="module")
def generated_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A site after ``course-app stats generate --learners 3000 --rows 20000``, its ended periods fixed, on a
    clock that stands still; the notice of the reading change shown (the tallest the page gets)."""
    app = make_app(tmp_path_factory.mktemp("generated"))
    app.extensions["course_app.clock"] = ManualClock(NOW)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["stats", "generate", "--learners", "3000", "--rows", "20000"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        get_session().execute(update(SiteEvent).where(SiteEvent.name == "reading-creates-no-learner")
                              .values(day=NOW.date()))
        get_session().commit()
    assert runner.invoke(args=["stats", "fix"]).exit_code == 0
    create_account(app, "measurer", StaffRole.ADMIN)
    live = start_live_server(app)
    yield live
    live.server.shutdown()


def test_the_dashboard_and_each_quizs_insights_fit_on_a_phone_in_english_and_russian(  # type: ignore[no-untyped-def]
        browser, generated_site: LiveServer) -> None:
    app, base = generated_site.app, generated_site.url
    with app.app_context():
        course = current_catalogue().course("trade-unions")
        quizzes = [lesson.slug for lesson in course.lessons if course.quiz_of(lesson, "en")]
        titles = {lang: [course.text_of(lesson, lang).title for lesson in course.lessons]  # type: ignore[union-attr]
                  for lang in ("en", "ru")}
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    sign_in(page, base, app, "measurer")
    heights: dict[str, int] = {}
    for lang in ("en", "ru"):
        page.goto(f"{base}/staff/")
        with page.expect_navigation():  # the staff pages' own language switcher
            page.locator(f'.language-switcher button[lang="{lang}"]').click()
        assert page.evaluate("document.documentElement.lang") == lang
        heights[f"{lang} dashboard"] = page.evaluate("document.documentElement.scrollHeight")
        # A chart or its table, not both in full: every table is folded, and no lesson title is cut.
        assert page.locator("table.data-table").count() >= 6
        assert page.evaluate("[...document.querySelectorAll('table.data-table')].every("
                             "table => table.closest('details') && !table.closest('details').open)")
        labels = page.locator("#chart-trade-unions-funnel .chart__label").all_inner_texts()
        assert labels == titles[lang]
        for slug in quizzes:
            page.goto(f"{base}/staff/insights?quiz=trade-unions/{slug}")
            assert page.locator(".insight").count() >= 5
            heights[f"{lang} insights {slug}"] = page.evaluate("document.documentElement.scrollHeight")
    context.close()
    too_tall = {name: height for name, height in heights.items()
                if height > (DASHBOARD_HEIGHT if name.endswith("dashboard") else QUIZ_INSIGHTS_HEIGHT)}
    assert too_tall == {}, heights
