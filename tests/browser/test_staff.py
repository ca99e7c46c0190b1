"""A coordinator signs in (password, then authenticator enrolment) and reads the dashboard in a
real browser with JavaScript off; an educator sees insights but not the statistics."""

from __future__ import annotations

import pyotp

from course_app.models import StaffRole
from tests.browser.conftest import LiveServer
from tests.staff.conftest import PASSWORD, create_account, stopped_clock
from tests.staff.test_dashboard import LAST_MONTH, add_learners


def test_coordinator_signs_in_and_reads_the_dashboard(browser, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    create_account(live_server.app, "browser-cora", StaffRole.COORDINATOR)
    add_learners(live_server.app, 12, completed_lessons=3)  # figures in the last ended month
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/staff/")
    assert page.url.startswith(live_server.url + "/staff/login")
    page.fill("input[name=name]", "browser-cora")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").click()
    # A click waits until the next page starts arriving; count() below needs all of it.
    page.wait_for_load_state()
    assert page.url == live_server.url + "/staff/enrol"
    assert page.locator("figure.qr svg").count() == 1
    secret = page.locator("#totp-secret").inner_text().strip()
    page.fill("input[name=code]", pyotp.TOTP(secret).at(stopped_clock(live_server.app).timestamp()))
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url == live_server.url + "/staff/"
    assert page.locator("h1").inner_text() == "Statistics"
    assert page.locator("figure.chart").count() >= 3
    # Each table is folded under its chart, and opens without JavaScript.
    table = page.locator("details", has_text="Table: every figure per lesson").locator("table")
    assert page.locator("table.data-table").count() >= 6 and not table.is_visible()
    page.locator("summary", has_text="Table: every figure per lesson").click()
    assert table.is_visible() and "How to study safely on this site" in table.inner_text()
    # The period picker works with JavaScript off: the whole life up to the last ended month.
    page.select_option("select#period", f"life-{LAST_MONTH.key}")
    page.locator("form.filters button[type=submit]").click()
    assert f"period=life-{LAST_MONTH.key}" in page.url and "course=trade-unions" in page.url
    assert page.locator("select#period option:checked").inner_text().startswith("whole life to ")
    # Sign out with the POST button.
    page.locator("form[action=\"/staff/logout\"] button").click()
    assert page.url == live_server.url + "/staff/login"
    page.goto(live_server.url + "/staff/")
    assert "/staff/login" in page.url
    context.close()
