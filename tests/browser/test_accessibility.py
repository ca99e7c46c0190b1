"""WCAG 2.1 AA: axe-core (a local copy from the npm registry) reports no violation on any page
type, in every language, and on the staff pages."""

from __future__ import annotations

import pyotp
import pytest

from course_app.models import StaffRole
from tests.browser.conftest import LiveServer, axe_context, fill_quiz, submit, violations
from tests.staff.conftest import PASSWORD, create_account, stopped_clock


def check(page, label: str, found: dict[str, list[str]]) -> None:  # type: ignore[no-untyped-def]
    problems = violations(page)
    if problems:
        found[f"{label} {page.url}"] = problems


@pytest.mark.parametrize("lang", ["en", "ru", "be"])
def test_learner_pages_have_no_violations(browser, live_server: LiveServer, axe_source: str, lang: str) -> None:  # type: ignore[no-untyped-def]
    context = axe_context(browser, axe_source)
    page = context.new_page()
    base = f"{live_server.url}/{lang}"
    found: dict[str, list[str]] = {}
    for path in ("/", "/trade-unions/", "/trade-unions/what-is-a-union", "/trade-unions/what-is-a-union?size=audio",
                 "/safety", "/no-such-page", "/progress", "/progress/delete"):
        page.goto(base + path)
        check(page, "page", found)
    page.goto(base + "/trade-unions/what-is-a-union/quiz")
    check(page, "quiz", found)
    submit(page, "#quiz button[type=submit]")          # nothing answered: the error summary
    check(page, "quiz with errors", found)
    fill_quiz(page, live_server.app, "what-is-a-union", lang)
    submit(page, "#quiz button[type=submit]")
    check(page, "quiz result", found)
    page.goto(base + "/progress")
    check(page, "progress with a course", found)
    submit(page, "form[action$='/progress/code'] button")
    check(page, "code shown", found)
    page.goto(base + "/progress")
    page.fill("input[name=code]", "1234")
    submit(page, "form[action$='/progress/continue'] button")
    check(page, "wrong code", found)
    page.goto(base + "/progress/delete")
    submit(page, "form[action$='/progress/delete'] button")
    check(page, "deleted", found)
    context.close()
    assert found == {}


def test_staff_pages_have_no_violations(browser, live_server: LiveServer, axe_source: str) -> None:  # type: ignore[no-untyped-def]
    create_account(live_server.app, "axe-admin", StaffRole.ADMIN)
    context = axe_context(browser, axe_source)
    page = context.new_page()
    found: dict[str, list[str]] = {}
    page.goto(live_server.url + "/staff/login")
    check(page, "login", found)
    page.fill("input[name=name]", "axe-admin")
    page.fill("input[name=password]", "wrong password here")
    submit(page, "main form button[type=submit]")
    check(page, "login error", found)
    page.fill("input[name=name]", "axe-admin")
    page.fill("input[name=password]", PASSWORD)
    submit(page, "main form button[type=submit]")
    check(page, "enrol", found)
    secret = page.locator("#totp-secret").inner_text().strip()
    page.fill("input[name=code]", pyotp.TOTP(secret).at(stopped_clock(live_server.app).timestamp()))
    submit(page, "main form button[type=submit]")
    for path in ("/staff/", "/staff/?lang=ru", "/staff/insights", "/staff/translations", "/staff/audit"):
        page.goto(live_server.url + path)
        check(page, "staff", found)
    context.close()
    assert found == {}


def test_dark_mode_has_no_violations(browser, live_server: LiveServer, axe_source: str) -> None:  # type: ignore[no-untyped-def]
    context = axe_context(browser, axe_source, color_scheme="dark")
    page = context.new_page()
    found: dict[str, list[str]] = {}
    for path in ("/be/", "/be/trade-unions/", "/be/trade-unions/what-is-a-union", "/be/trade-unions/wages/quiz",
                 "/be/progress", "/be/safety", "/staff/login"):
        page.goto(live_server.url + path)
        assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
        check(page, "dark", found)
    page.goto(live_server.url + "/be/trade-unions/wages/quiz")
    submit(page, "#quiz button[type=submit]")
    check(page, "dark, errors", found)
    context.close()
    assert found == {}
