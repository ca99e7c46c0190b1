"""The learner journey in real Firefox ESR (the engine Tor Browser is built on) with JavaScript off.

Learner forms carry no CSRF token: the server trusts a post only when the browser says it comes
from this site (Sec-Fetch-Site, Origin). Chromium's journey is in test_journey.py; this proves
Firefox's own form posts are accepted too, and that its cookie jar holds nothing before a learner
acts and then one opaque session cookie only.

tests/browser/firefox/journey.mjs drives Debian's firefox-esr through npm puppeteer-core over
WebDriver BiDi. With JavaScript off nothing can be read from inside the page, so the script only
navigates and presses keys; this test works out the keys from the page's HTML (read with the Flask
test client) and judges the outcome from the server side: the database, the posts the server saw,
the response bodies and the browser's cookies.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from course_app.addresses import lesson_url
from course_app.content import current_catalogue
from course_app.db import get_session
from course_app.models import Learner, QuizProgress
from tests.browser.conftest import LiveServer, start_live_server
from tests.conftest import make_app
from tests.helpers import CODE, quiz_answers, starter_quiz
from tests.safety.test_reading_leaves_nothing import assert_names_nothing, cookie_bytes

FIREFOX = shutil.which("firefox-esr") or "/usr/bin/firefox-esr"
SCRIPT_DIR = Path(__file__).resolve().parent / "firefox"
SCRIPT = SCRIPT_DIR / "journey.mjs"
SCRIPT_TIMEOUT = 90  # seconds; the whole journey takes about 10
LANG = "en"
COURSE = "trade-unions"
READ = ["wages", "what-is-a-union", "forced-labour"]
SPACE = " "  # puppeteer's WebDriver BiDi keyboard names the space bar by its character


@dataclass
class Stop:
    """An element Tab can stop on, and the form it belongs to."""

    tag: str
    attrs: dict[str, str]
    form: str | None
    options: list[str] = field(default_factory=list)  # a <select>'s option values, in order


class TabStops(HTMLParser):
    """The elements after the one with id ``anchor`` that Tab stops on, in document order."""

    def __init__(self, anchor: str) -> None:
        super().__init__()
        self.anchor, self.started, self.form = anchor, False, None
        self.select: Stop | None = None
        self.stops: list[Stop] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.started = self.started or values.get("id") == self.anchor
        if tag == "form":
            self.form = values.get("action")
        elif tag == "option" and self.select is not None:
            self.select.options.append(values.get("value", ""))
        focusable = (tag in ("button", "select", "textarea") or (tag == "a" and "href" in values)
                     or (tag == "input" and values.get("type") != "hidden"))
        if self.started and focusable and values.get("tabindex") != "-1" and "disabled" not in values:
            self.stops.append(Stop(tag, values, self.form))
            self.select = self.stops[-1] if tag == "select" else None

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None


def tab_stops(app: Flask, url: str, anchor: str) -> list[Stop]:
    parser = TabStops(anchor)
    parser.feed(app.test_client().get(url).get_data(as_text=True))
    assert parser.started, f"{url} has no element #{anchor} to start tabbing from"
    return parser.stops


def quiz_keys(stops: list[Stop], answers: dict[str, object], action: str) -> list[str]:
    """The keys that answer every question of the quiz form rightly, then reach its submit button.

    A radio group is one Tab stop: Tab lands on its first radio, ArrowDown moves to (and checks)
    the next, Space checks the focused one. Each checkbox is a Tab stop (Space ticks it). A closed
    <select> changes its choice with ArrowDown; its first option is the empty "Choose…".
    """
    names = {stop.attrs["name"] for stop in stops if stop.form == action and "name" in stop.attrs}
    assert names == set(answers), f"the quiz form's fields {sorted(names)} are not the answered {sorted(answers)}"
    keys: list[str] = []
    radio_groups_done: set[str] = set()
    for stop in stops:
        assert stop.form == action, f"a Tab stop outside the quiz form comes first: {stop}"
        if stop.tag == "button":
            return [*keys, "Tab"]  # the script presses Enter on it
        name, kind = stop.attrs["name"], stop.attrs.get("type")
        wanted = answers[name] if isinstance(answers[name], list) else [answers[name]]
        if kind == "radio":
            if name not in radio_groups_done:
                radio_groups_done.add(name)
                values = [other.attrs["value"] for other in stops if other.attrs.get("name") == name]
                keys += ["Tab", *["ArrowDown"] * values.index(wanted[0]), SPACE]
        elif kind == "checkbox":
            keys += ["Tab", *([SPACE] if stop.attrs["value"] in wanted else [])]
        else:
            assert stop.tag == "select", f"no keys known for {stop}"
            keys += ["Tab", *["ArrowDown"] * stop.options.index(str(wanted[0]))]
    raise AssertionError("the quiz form has no submit button")


def addresses(app: Flask) -> tuple[dict[str, str], list[str]]:
    """The addresses the app itself writes (numbered ones in neutral mode), and every lesson slug."""
    with app.test_request_context():
        course = current_catalogue().course(COURSE)
        wages = course.lessons_by_slug["wages"]
        urls = {slug: lesson_url(course, course.lessons_by_slug[slug], LANG) for slug in READ}
        urls["quiz"] = lesson_url(course, wages, LANG, endpoint="quiz")
        urls["result"] = lesson_url(course, wages, LANG, endpoint="quiz_result")
        return urls, list(course.lessons_by_slug)


def scalar(app: Flask, query) -> object:  # type: ignore[no-untyped-def]
    with app.app_context():
        return get_session().scalar(query)


def run_journey(plan: dict[str, object]) -> dict:  # type: ignore[type-arg]
    """Run journey.mjs in its own process group (so a hung Firefox can be ended with it)."""
    if not Path(FIREFOX).exists():
        pytest.fail("Firefox ESR is missing: install Debian's package with 'apt-get install -y firefox-esr'")
    node = shutil.which("node")
    if node is None or not (SCRIPT_DIR / "node_modules" / "puppeteer-core").is_dir():
        pytest.fail("node or puppeteer-core is missing: run 'make test', or "
                    "'cd tests/browser/firefox && PUPPETEER_SKIP_DOWNLOAD=1 npm ci'")
    with subprocess.Popen([node, str(SCRIPT)], cwd=SCRIPT_DIR, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, start_new_session=True) as process:
        try:
            out, err = process.communicate(json.dumps(plan), timeout=SCRIPT_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            out, err = process.communicate()
            pytest.fail(f"the Firefox journey did not finish in {SCRIPT_TIMEOUT}s\nstdout: {out}\nstderr: {err}")
    try:
        report = json.loads(out)
    except ValueError:
        pytest.fail(f"the Firefox journey failed (exit {process.returncode})\nstdout: {out}\nstderr: {err}")
    if process.returncode != 0 or "error" in report:
        done = [step["name"] for step in report["steps"]]
        pytest.fail(f"the Firefox journey failed at {report.get('error')}\nsteps done: {done}\n"
                    f"screenshot: {report.get('screenshot')}\nstderr: {err}")
    return report


@pytest.fixture(params=[False, True], ids=["default", "neutral"])
def firefox_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[LiveServer, list[dict]]]:
    """A fresh app on a live server, recording every request it is sent (with where a post says it is from)."""
    app = make_app(tmp_path, NEUTRAL_MODE=request.param)
    seen: list[dict] = []
    inner = app.wsgi_app

    def record(environ, start_response):  # type: ignore[no-untyped-def]
        request = {"method": environ["REQUEST_METHOD"], "path": environ["PATH_INFO"],
                   "sec-fetch-site": environ.get("HTTP_SEC_FETCH_SITE"), "origin": environ.get("HTTP_ORIGIN")}
        seen.append(request)
        # The body the browser was sent, kept here: reading it from the browser needs a BiDi command
        # (network.getData) that older Firefox ESR releases do not have.
        request["body"] = body = b"".join(inner(environ, start_response))
        return [body]

    app.wsgi_app = record  # type: ignore[method-assign]
    live = start_live_server(app)
    yield live, seen
    live.server.shutdown()


def test_firefox_without_javascript_reads_answers_and_saves(firefox_server: tuple[LiveServer, list[dict]],
                                                            tmp_path: Path) -> None:
    live, seen = firefox_server
    app, base = live.app, live.url
    urls, slugs = addresses(app)
    answers = quiz_answers(app, starter_quiz(app, "wages", LANG))
    answers.pop("token")  # a hidden field: the form sends it by itself
    quiz_stops = tab_stops(app, urls["quiz"], "quiz")
    save_stops = tab_stops(app, f"/{LANG}/progress", "save-title")
    assert save_stops[0].tag == "button" and save_stops[0].form == f"/{LANG}/progress/code", save_stops[0]

    reading = [*(urls[slug] for slug in READ), urls["quiz"], f"/{LANG}/safety"]
    plan = {"base": base, "firefox": FIREFOX, "screenshots": str(tmp_path / "screenshots"), "steps": [
        *({"name": f"read {url}", "goto": url} for url in reading),
        # A fragment sets where Firefox starts tabbing from: #quiz is the section around the form.
        {"name": "answer the quiz", "goto": urls["quiz"] + "#quiz",
         "keys": quiz_keys(quiz_stops, answers, urls["quiz"]), "submit": True},
        {"name": "save my progress", "goto": f"/{LANG}/progress#save-title", "keys": ["Tab"], "submit": True},
    ]}
    steps = {step["name"]: step for step in run_journey(plan)["steps"]}
    # With JavaScript on, Firefox fetches the pages' (optional) script; with it off, it does not.
    scripts = [request["path"] for request in seen if request["path"].endswith(".js")]
    assert scripts == [], f"Firefox ran with JavaScript on: it fetched {scripts}"
    posts = [{key: request[key] for key in ("path", "sec-fetch-site", "origin")}
             for request in seen if request["method"] == "POST"]

    # 1. Reading three lessons, a quiz page and the safety page leaves no cookie at all.
    for url in reading:
        step = steps[f"read {url}"]
        assert (step["status"], step["url"]) == (200, base + url), f"step 1: reading {url} failed: {step}"
        assert step["cookies"] == [], f"step 1: reading {url} left a cookie in Firefox: {step['cookies']}"

    # 2. The quiz, answered with the keyboard, is accepted: POST, 303, the result page.
    step = steps["answer the quiz"]
    assert [(hop["method"], hop["url"], hop["status"]) for hop in step["chain"]] == [
        ("POST", base + urls["quiz"], 303), ("GET", base + urls["result"], 200)], \
        f"step 2: Firefox's quiz post was not accepted: {step['chain']}"
    assert posts[0] == {"path": urls["quiz"], "sec-fetch-site": "same-origin", "origin": base}, \
        f"step 2: Firefox did not say where its post came from: {posts[0]}"
    assert scalar(app, select(func.count()).select_from(QuizProgress)) == 1, "step 2: no quiz attempt was stored"
    assert scalar(app, select(QuizProgress.best_score)) == 100, \
        "step 2: the keyboard did not answer every question rightly (a radio, checkbox or select was missed)"
    assert_one_opaque_cookie(app, step["cookies"], "step 2: quiz answered", slugs)

    # 3. "Save my progress", pressed with the keyboard, is accepted and shows a code.
    step = steps["save my progress"]
    assert (step["chain"][0]["method"], step["url"], step["status"]) == ("POST", f"{base}/{LANG}/progress/code", 200), \
        f"step 3: Firefox's save post was not accepted: {step['chain']}"
    assert posts[1] == {"path": f"/{LANG}/progress/code", "sec-fetch-site": "same-origin", "origin": base}, \
        f"step 3: Firefox did not say where its post came from: {posts[1]}"
    saved = [request for request in seen if request["method"] == "POST" and request["path"] == f"/{LANG}/progress/code"]
    match = CODE.search(saved[0]["body"].decode())
    assert match, "step 3: the page after saving shows no learner code"
    assert scalar(app, select(func.count()).select_from(Learner)) == 1, "step 3: more than one learner was made"
    assert scalar(app, select(func.count()).select_from(Learner).where(Learner.code_hash.is_not(None))) == 1, \
        "step 3: saving stored no code for the learner"
    value, decoded = assert_one_opaque_cookie(app, step["cookies"], "step 3: code saved", slugs)
    code = match.group(1).replace(" ", "")
    assert code not in value and code.encode() not in decoded, "step 3: the cookie holds the learner code"
    assert len(posts) == 2, f"Firefox made posts nobody asked for: {posts}"


def assert_one_opaque_cookie(app: Flask, cookies: list[dict], step: str, slugs: list[str]) -> tuple[str, bytes]:
    """One HttpOnly session cookie, whose value, decoded without the key, names nothing.

    Returns the value and everything base64 makes of it, for further checks."""
    assert [cookie["name"] for cookie in cookies] == ["session"], f"{step}: Firefox holds {cookies}"
    cookie = cookies[0]
    assert cookie["httpOnly"], f"{step}: the cookie is not HttpOnly"
    assert cookie["sameSite"] in ("Lax", "Strict"), f"{step}: the cookie has SameSite={cookie['sameSite']}"
    assert cookie["session"], f"{step}: the cookie outlives the browser without being asked to"
    client = app.test_client()
    client.set_cookie("session", cookie["value"])
    assert_names_nothing(app, client, step, slugs)  # the same checks as tests/safety
    return cookie_bytes(client)
