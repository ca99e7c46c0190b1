"""The learner journey with the keyboard alone (JavaScript off): skip link, visible focus, a
logical order, quiz answers by Tab, arrows and Space, saving a code."""

from __future__ import annotations

from tests.browser.conftest import LiveServer
from tests.helpers import quiz_answers, starter_quiz

FOCUSED = "document.activeElement"


def focus_matches(page, selector: str) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate(f"s => {FOCUSED} && {FOCUSED}.matches(s)", selector))


def tab_to(page, selector: str, limit: int = 80) -> None:  # type: ignore[no-untyped-def]
    """Press Tab until the focus is on ``selector``; every stop on the way must show a focus ring."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        # A native player draws focus inside its own controls; the page outlines the whole player.
        outline = page.evaluate(f"getComputedStyle({FOCUSED}.closest('figure.video') || {FOCUSED}).outlineStyle")
        tag = page.evaluate(f"{FOCUSED}.tagName")
        assert tag == "BODY" or outline != "none", f"no visible focus on {tag}"
        if focus_matches(page, selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def choose_radio(page, name: str, value: str) -> None:  # type: ignore[no-untyped-def]
    tab_to(page, f"input[name={name}]")
    for _ in range(12):
        if focus_matches(page, f"input[name={name}][value='{value}']"):
            page.keyboard.press("Space")
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"could not reach {name}={value}")


def choose_option(page, name: str, value: str) -> None:  # type: ignore[no-untyped-def]
    tab_to(page, f"select[name={name}]")
    for _ in range(12):
        if page.evaluate(f"{FOCUSED}.value") == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"could not choose {value} in {name}")


def test_keyboard_only_journey(browser, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/en/")
    # The first Tab stop is the skip link, and it moves the focus into the main content.
    page.keyboard.press("Tab")
    assert focus_matches(page, "a.skip-link")
    assert page.evaluate("document.querySelector('a.skip-link').getBoundingClientRect().left") >= 0
    page.keyboard.press("Enter")
    page.wait_for_url("**#main")  # following a link, even to a fragment, completes after the key press returns
    tab_to(page, ".card__title a")
    page.keyboard.press("Enter")
    page.wait_for_url("**/en/trade-unions/")
    tab_to(page, "a.button--primary")
    page.keyboard.press("Enter")
    page.wait_for_url("**/en/trade-unions/study-safely")
    tab_to(page, "a[rel=next]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/en/trade-unions/what-is-a-union")
    tab_to(page, ".quiz-link a.button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/what-is-a-union/quiz")
    token = page.locator("input[name=token]").get_attribute("value")
    answers = quiz_answers(live_server.app, starter_quiz(live_server.app, "what-is-a-union"), token=token)
    answers.pop("token")  # a hidden field: the form sends it by itself
    for name, value in answers.items():
        if page.locator(f"select[name={name}]").count():
            choose_option(page, name, value)
        elif page.locator(f"input[name={name}]").first.get_attribute("type") == "radio":
            # A radio group is one Tab stop; the arrows move within it.
            choose_radio(page, name, value[0] if isinstance(value, list) else value)
        else:
            for item in value:
                tab_to(page, f"input[name={name}][value='{item}']")
                page.keyboard.press("Space")
    tab_to(page, "#quiz button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/what-is-a-union/result")
    assert "100%" in page.locator(".score").inner_text()
    tab_to(page, "a.button[href$='/progress']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/en/progress")
    tab_to(page, "form[action$='/progress/code'] button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/en/progress/code")
    assert len(page.locator("#learner-code").inner_text().replace(" ", "")) == 24
    context.close()


def test_form_errors_are_announced_and_linked(browser, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/ru/trade-unions/wages/quiz")
    page.locator("#quiz button[type=submit]").click()
    summary = page.locator(".error-summary")
    assert summary.get_attribute("role") == "alert"
    first = summary.locator("a").first
    target = first.get_attribute("href")
    assert page.locator(target).count() == 1
    assert page.locator(f"{target}").get_attribute("aria-describedby")
    assert page.locator("fieldset.question").count() >= 3 and page.locator("fieldset.question legend").count() >= 3
    context.close()
