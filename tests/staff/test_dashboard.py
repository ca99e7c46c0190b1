"""The coordinators' dashboard and exports, and the educators' insights, through the app: every figure rounded
by the one rule, the same on the page, in its charts and in every CSV file."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from html import unescape
from pathlib import Path

import pytest
from flask import Flask
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select, update

from course_app.clock import ManualClock
from course_app.content import current_catalogue
from course_app.db import get_session
from course_app.domain.learners import create_learner, delete_learner
from course_app.domain.periods import closed_periods, last_closed_month
from course_app.domain.progress import LessonPlace, record_lesson_completed, record_lesson_reached
from course_app.domain.reports import EXPORTS
from course_app.domain.synthetic import generate_progress
from course_app.learner.reads import read_counter
from course_app.models import (
    AnswerTally,
    AuditEvent,
    CourseProgress,
    Learner,
    LessonDay,
    LessonProgress,
    LessonReadDay,
    QuizDay,
    QuizProgress,
    SiteEvent,
    StaffRole,
    StatsCell,
    StatsPeriod,
)
from tests.conftest import PROJECT_DIR, STARTER_LESSON_COUNT
from tests.helpers import answer_quiz, starter_quiz
from tests.staff.conftest import StaffUser, sign_in

# The app's clock stands at one moment in every test here (a Wednesday, 10 s into a TOTP step): the
# test and the app agree on "today", "the last ended month" and "the running week" whatever day and
# hour the suite runs, a week or month ending during the run included.
NOW = datetime(2026, 12, 2, 12, 0, 10, tzinfo=UTC)
TODAY = NOW.date()
# Figures exist only for ended periods: the tests' learners act in the last ended month.
LAST_MONTH = last_closed_month(TODAY)
DAY = LAST_MONTH.start + timedelta(days=3)
PERIOD = f"period={LAST_MONTH.key}"
FEWER = "fewer than 5"
FEW_FOR_RATE = "not shown (fewer than 23 people)"
FEW_FOR_MEAN = "not shown (7 or fewer people)"


@pytest.fixture(autouse=True)
def standing_clock(app: Flask) -> None:
    app.extensions["course_app.clock"] = ManualClock(NOW)


@pytest.fixture(autouse=True)
def site_events_as_migrated(app: Flask) -> Iterator[None]:
    """The days the migrations noted (tests here change them) are as they were for the next test."""
    with app.app_context():
        noted = [(event.name, event.day) for event in get_session().scalars(select(SiteEvent))]
    yield
    with app.app_context():
        session = get_session()
        session.execute(delete(SiteEvent))
        session.add_all(SiteEvent(name=name, day=day) for name, day in noted)
        session.commit()


@contextmanager
def on_day(app: Flask, day: date) -> Iterator[None]:
    """Learners act on ``day`` (the app's clock stands there), then time comes back."""
    before = app.extensions["course_app.clock"]
    app.extensions["course_app.clock"] = ManualClock(datetime.combine(day, time(12), UTC))
    try:
        yield
    finally:
        app.extensions["course_app.clock"] = before


def add_learners(app: Flask, count: int, completed_lessons: int, lang: str = "en", day: date = DAY) -> None:
    """``count`` learners who reach ``completed_lessons`` + 1 lessons on ``day`` and complete the first
    ``completed_lessons`` of them the day after."""
    with app.app_context():
        course = current_catalogue().course("trade-unions")
        session = get_session()
        for _ in range(count):
            learner = create_learner(session, day)
            for lesson in course.lessons[:completed_lessons + 1]:
                place = LessonPlace(course.slug, lesson.slug, len(course.lessons))
                record_lesson_reached(session, learner, place, lang, day)
                if lesson in course.lessons[:completed_lessons]:
                    record_lesson_completed(session, learner, place, lang, day + timedelta(days=1))
        session.commit()


def read_csv(body: bytes) -> list[list[str]]:
    """A CSV export as a spreadsheet reads it: UTF-8 after a byte-order mark."""
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def table_cells(html: str) -> list[str]:
    return [unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)]


def table_after(html: str, heading: str) -> str:
    """The first table after a heading's text."""
    rest = html[html.index(heading):]
    return rest[rest.index("<table"):rest.index("</table>")]


def row_of(table: str, text: str) -> list[str]:
    return table_cells(next(row for row in re.findall(r"<tr>(.*?)</tr>", table, re.S) if text in row))


FIGURE = re.compile(r'data-kind="(count|band|rate|mean|median)"[^>]*>([^<]*)<')


def figures_on(html: str) -> list[tuple[str, str]]:
    """Every figure the markup shows, with its kind (data-kind): counts, bands, rates, means, medians."""
    return [(kind, unescape(text).strip()) for kind, text in FIGURE.findall(html)]


def cards_of(html: str, after: str) -> dict[str, str]:
    """The figure cards (name → text) of the first card list after some text."""
    rest = html[html.index(after):]
    cards = rest[rest.index('<dl class="cards">'):rest.index("</dl>")]
    return {unescape(name): unescape(value) for name, value in
            re.findall(r"<dt>(.*?)</dt><dd data-kind=\"\w+\">(.*?)</dd>", cards)}


def chart_values(html: str, chart_id: str) -> list[tuple[str, str]]:
    """(series, value) of every bar of a chart."""
    chart = html[html.index(f'id="{chart_id}"'):]
    chart = chart[:chart.index("</figure>")]
    return [(unescape(series), unescape(value)) for series, value in re.findall(
        r'<span class="chart__series">(.*?)</span>.*?<span class="chart__value"[^>]*>(.*?)</span>', chart)]


def is_published_count(text: str, base: int = 5) -> bool:
    """0, a multiple of the base, or "fewer than <base>": the only things a count may read."""
    if text == f"fewer than {base}":
        return True
    digits = text.replace(",", "").replace("\u00a0", "").replace("\u202f", "")
    return digits.isdigit() and int(digits) % base == 0


def percent(text: str) -> int | None:
    found = re.fullmatch(r"(\d+)%", text)
    return int(found.group(1)) if found else None


def set_reading_change_day(app: Flask, day: date) -> None:
    """The day the migration that stopped reading from creating learners ran (it writes the real date)."""
    with app.app_context():
        get_session().execute(update(SiteEvent).where(SiteEvent.name == "reading-creates-no-learner").values(day=day))
        get_session().commit()


def test_three_learners_show_as_fewer_than_five_everywhere(app: Flask, coordinator: StaffUser) -> None:
    add_learners(app, 3, completed_lessons=6)
    html = coordinator.client.get("/staff/").get_data(as_text=True)
    assert f'<option value="{LAST_MONTH.key}" selected>' in html
    shown = figures_on(html)
    assert shown and "3" not in [text for _kind, text in shown]
    assert (("count", FEWER) in shown) and all(is_published_count(text) for kind, text in shown if kind == "count")
    assert not [text for _kind, text in shown if text.endswith("%")]  # no rate from fewer than 23
    for table in EXPORTS:
        response = coordinator.client.get(f"/staff/export/{table}.csv?{PERIOD}")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        values = [value for row in read_csv(response.get_data())[1:] for value in row[2:]]
        assert "3" not in values, table
    funnel = read_csv(coordinator.client.get(f"/staff/export/funnel.csv?{PERIOD}").get_data())
    assert funnel[1][4:] == ["0", FEWER, FEWER, FEW_FOR_RATE, FEWER, FEW_FOR_RATE]


def test_known_numbers_rounded_by_the_rule(app: Flask, coordinator: StaffUser) -> None:
    """30 start: 18 complete the course, 12 stop after the first lesson; 25 reads of the first lesson's page,
    3 of the second's. Counts read rounded to 5, rates come from the true counts over 23 or more people."""
    set_reading_change_day(app, DAY + timedelta(days=7))
    add_learners(app, 18, completed_lessons=STARTER_LESSON_COUNT)
    add_learners(app, 12, completed_lessons=1)
    with on_day(app, DAY):
        for _ in range(25):
            app.test_client().get("/en/trade-unions/study-safely", headers={"User-Agent": "Reader/1"})
        for _ in range(3):
            app.test_client().get("/en/trade-unions/what-is-a-union", headers={"User-Agent": "Reader/1"})
        app.test_client().get("/en/trade-unions/study-safely", headers={"User-Agent": "Googlebot/2.1"})  # not counted
        read_counter(app).flush()
    html = coordinator.client.get(f"/staff/?{PERIOD}").get_data(as_text=True)
    # Completed 18 reads 20; the rate is 18 of 30 (60 %), not 20 of 30; the median of 12 ones and 18 eights is 8.
    assert cards_of(html, 'id="course-trade-unions"') == {
        "Started": "30", "Completed": "20", "Completion rate": "60%", "Median lessons done": str(STARTER_LESSON_COUNT)}
    funnel = table_after(html, "Table: every figure per lesson")
    # Lesson 1: 25 reads, reached and completed by all 30; lesson 2: 3 reads, reached by 30, completed by 18 (60 %);
    # the lessons after: never read, reached and completed by the 18 (a rate of 18 people is not shown), who are
    # 60 % of the month's 30 starters.
    assert table_cells(funnel) == (["25", "30", "30", "100%", "30", "100%", FEWER, "30", "20", "60%", "30", "100%"]
                                   + ["0", "20", "20", FEW_FOR_RATE, "20", "60%"] * (STARTER_LESSON_COUNT - 2))
    # The chart draws the same published values, and no bar for "fewer than 5" (there is none here).
    assert chart_values(html, "chart-trade-unions-funnel")[:4] == [
        ("Reached", "30"), ("Completed", "30"), ("Reached", "30"), ("Completed", "20")]
    # Modules add up their lessons, rounded after adding: the whole course has 28 reads, 168 lessons reached and
    # 156 completed (93 %, over the 30 people of its largest lesson).
    modules = table_after(html, "Table: each module's lessons added up")
    assert row_of(modules, "Whole course") == ["30", "170", "155", "93%"]
    assert row_of(modules, "Before you begin") == ["25", "30", "30", "100%"]
    # Every course together: active in the month, course starts and completions; no quiz, so no pass rate.
    assert cards_of(html, 'id="site-summary"') == {"Learners active": "30", "Course starts": "30",
                                                   "Course completions": "20", "Pass rate": FEW_FOR_RATE}
    # The page says once that rounded rows may not add up to the rounded total.
    assert html.count("Rounded rows may not add up to the rounded total.") == 1
    months = table_after(html, "Table: starts and completions per month")
    assert row_of(months, "2026-11 (November 2026)") == ["30", "20"]
    assert "reading alone creates no learner" in html  # the site had learners before that day


def test_the_month_of_42_whose_weeks_show_10_each_gives_no_small_count_away(app: Flask,
                                                                             coordinator: StaffUser) -> None:
    """An outside review's case against the old protection: 42 started in November, 10 in each of its four whole
    weeks, and 1 on each of 1 and 30 November (in weeks shared with October and December). Rounded, the month
    reads 40 and the weeks 10: 40 − 4 × 10 = 0, and the 2 are "fewer than 5" in their own weeks."""
    mondays = [date(2026, 11, 2) + timedelta(weeks=index) for index in range(4)]
    for monday in mondays:
        add_learners(app, 10, completed_lessons=0, day=monday + timedelta(days=2))
    add_learners(app, 1, completed_lessons=0, day=date(2026, 11, 1))
    add_learners(app, 1, completed_lessons=0, day=date(2026, 11, 30))
    html = coordinator.client.get(f"/staff/?{PERIOD}").get_data(as_text=True)
    assert cards_of(html, 'id="course-trade-unions"')["Started"] == "40"
    weeks = table_after(html, "Table: starts and completions per week")
    assert row_of(weeks, "2026-W44 (26 Oct – 1 Nov)")[0] == FEWER
    assert [row_of(weeks, f"2026-W{number} (")[0] for number in (45, 46, 47, 48)] == ["10"] * 4
    for period in ("", "&period=2026-W46", f"&period=life-{LAST_MONTH.key}"):
        shown = [text for _kind, text in figures_on(coordinator.client.get(f"/staff/?x=1{period}").get_data(
            as_text=True))]
        assert "42" not in shown and "2" not in shown and "1" not in shown, period
    months = read_csv(coordinator.client.get(f"/staff/export/months.csv?{PERIOD}").get_data())
    assert months[0][:5] == ["Course", "Course identifier", "Month", "Started", "Completed"]
    assert months[-1][2:] == ["2026-11 (November 2026)", "40", "0"]
    weeks_csv = read_csv(coordinator.client.get(f"/staff/export/weeks.csv?{PERIOD}").get_data())
    by_week = {row[2][:8]: row[3] for row in weeks_csv[1:]}
    assert by_week == {"2026-W44": FEWER, "2026-W45": "10", "2026-W46": "10", "2026-W47": "10", "2026-W48": "10"}
    summary = read_csv(coordinator.client.get(f"/staff/export/summary.csv?{PERIOD}").get_data())
    assert summary[1][2:4] == ["40", "0"]
    assert not [cell for table in EXPORTS for row in read_csv(coordinator.client.get(
        f"/staff/export/{table}.csv?{PERIOD}").get_data()) for cell in row if cell in ("42", "2", "1")]


def test_export_is_audited_and_matches_the_page(app: Flask, coordinator: StaffUser) -> None:
    add_learners(app, 9, completed_lessons=2, lang="ru")
    response = coordinator.client.get(f"/staff/export/funnel.csv?{PERIOD}&lang=ru")
    assert f'filename="course-funnel-{LAST_MONTH.key}-ru.csv"' in response.headers["Content-Disposition"]
    rows = read_csv(response.get_data())
    assert rows[0] == ["Course", "Course identifier", "Lesson", "Lesson identifier", "Reads", "Reached", "Completed",
                       "Completed of reached (%)", "Starters who reached it", "Share of starters (%)"]
    assert rows[1][:4] == ["Trade unions and your rights", "trade-unions", "How to study safely on this site",
                           "study-safely"]
    # Reads: none, a true 0; reached 9 and completed 9 read 10; 9 people are too few for a rate.
    assert rows[1][4:] == ["0", "10", "10", FEW_FOR_RATE, "10", FEW_FOR_RATE]
    page = coordinator.client.get(f"/staff/?{PERIOD}&lang=ru").get_data(as_text=True)
    assert row_of(table_after(page, "Table: every figure per lesson"), "How to study safely") == rows[1][4:]
    with app.app_context():
        events = get_session().scalars(select(AuditEvent).where(AuditEvent.action == "export")
                                       .order_by(AuditEvent.id)).all()
    assert [event.staff_name for event in events] == ["cora"]
    assert events[0].detail == f"funnel {LAST_MONTH.key} ru"


def test_only_ended_periods_and_known_choices_are_answered(app: Flask, coordinator: StaffUser) -> None:
    add_learners(app, 9, completed_lessons=2)
    running_month = f"{TODAY:%Y-%m}"
    running_week = f"{TODAY.isocalendar()[0]}-W{TODAY.isocalendar()[1]:02d}"
    for query in (f"period={running_month}", f"period={running_week}", f"period=life-{running_month}",
                  "period=2026-13", "period=1999-01", "period=" + "9" * 5000, "period=2026-11-01..2026-11-02",
                  "period=until-upgrade", "lang=xx", "course=nope", "course=../../etc"):
        assert coordinator.client.get(f"/staff/?{query}").status_code == 404, query
        assert coordinator.client.get(f"/staff/export/funnel.csv?{query}").status_code == 404, query
    # Arbitrary dates are not a thing: they are ignored, the default period is shown.
    assert coordinator.client.get("/staff/?start=2026-01-01&end=2026-01-02").status_code == 200
    assert coordinator.client.get("/staff/export/secrets.csv").status_code == 404
    for key in (LAST_MONTH.key, f"life-{LAST_MONTH.key}"):
        assert coordinator.client.get(f"/staff/?period={key}").status_code == 200, key


def test_periods_read_in_one_form_grouped_newest_first(app: Flask, coordinator: StaffUser) -> None:
    """The picker groups weeks, months and whole lives, newest first; a period reads the same in the picker,
    the page, charts, CSV cells and file names, in the page's language."""
    add_learners(app, 9, completed_lessons=1, day=date(2026, 10, 20))
    html = coordinator.client.get("/staff/").get_data(as_text=True)
    picker = html[html.index('<select id="period"'):]
    picker = picker[:picker.index("</select>")]
    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', picker, re.S)
    assert [label for label, _ in groups] == ["Weeks", "Months", "Whole life"]
    options = {label: re.findall(r">([^<]+)</option>", body) for label, body in groups}
    assert options["Weeks"][:2] == ["2026-W48 (23 Nov – 29 Nov)", "2026-W47 (16 Nov – 22 Nov)"]
    assert options["Weeks"][-1] == "2026-W43 (19 Oct – 25 Oct)"
    assert options["Months"] == ["2026-11 (November 2026)", "2026-10 (October 2026)"]
    assert options["Whole life"] == ["whole life to 2026-11 (November 2026)", "whole life to 2026-10 (October 2026)"]
    assert "Figures for 2026-11 (November 2026), all languages." in html
    assert [label for label in re.findall(r'<span class="chart__label">(.*?)</span>', html) if "2026-" in label] == [
        "2026-10 (October 2026)", "2026-11 (November 2026)"]
    response = coordinator.client.get("/staff/export/weeks.csv?period=2026-W43")
    assert 'filename="course-weeks-2026-W43.csv"' in response.headers["Content-Disposition"]
    assert [row[2] for row in read_csv(response.get_data())[1:]] == ["2026-W43 (19 Oct – 25 Oct)"]
    russian = coordinator.client.get("/staff/", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "2026-11 (ноябрь 2026)" in russian and "2026-W48 (23 нояб. – 29 нояб.)" in russian


def test_published_figures_stay_after_learners_delete_everything(app: Flask, coordinator: StaffUser) -> None:
    """A closed period's figures are fixed: learners who delete everything afterwards stay counted in them
    (anonymously), so two views cannot be subtracted to learn about the ones who left."""
    add_learners(app, 20, completed_lessons=2)
    before = coordinator.client.get(f"/staff/?{PERIOD}").get_data(as_text=True)
    assert ("count", "20") in figures_on(before)
    with app.app_context():
        session = get_session()
        for learner in session.scalars(select(Learner)).all()[:7]:
            delete_learner(session, learner)
        session.commit()
    after = coordinator.client.get(f"/staff/?{PERIOD}").get_data(as_text=True)
    assert figures_on(after) == figures_on(before)


def test_no_route_takes_a_learner(app: Flask, admin: StaffUser) -> None:
    """No staff page or export accepts a learner id: the URL map has no such parameter."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/staff"):
            assert not (set(rule.arguments) & {"learner", "learner_id", "id", "code"}), rule.rule


def test_the_words_of_the_old_protection_are_gone() -> None:
    """No code, template or translation says a figure is "hidden to protect a small group" any more."""
    found = [str(path.relative_to(PROJECT_DIR)) for path in (PROJECT_DIR / "course_app").rglob("*")
             if path.is_file() and path.suffix in (".py", ".html", ".po", ".pot")
             and "hidden to protect" in path.read_text(encoding="utf-8")]
    assert found == []


def test_a_new_site_says_on_which_day_its_first_figures_appear(app: Flask, coordinator: StaffUser) -> None:
    """Before any week or month with a learner has ended, the page says when the first figures appear, and tells
    nothing of upgrades a new site never had."""
    html = coordinator.client.get("/staff/").get_data(as_text=True)
    assert "The first figures appear on 7 December 2026" in html  # Wednesday 2 December: the week ends on Sunday
    add_learners(app, 6, completed_lessons=1, day=TODAY)
    set_reading_change_day(app, TODAY - timedelta(days=1))
    html = coordinator.client.get("/staff/").get_data(as_text=True)
    assert "The first figures appear on 7 December 2026" in html
    assert "reading alone creates no learner" not in html and "Export" not in html
    with on_day(app, date(2026, 12, 7)):  # days later: the staff member signs in again
        sign_in(coordinator.client, coordinator.name, coordinator.code())
        html = coordinator.client.get("/staff/").get_data(as_text=True)
    assert "Figures for 2026-W49 (30 Nov – 6 Dec), all languages." in html
    assert "reading alone creates no learner" not in html  # its first learner came after that change


def test_staff_pages_have_the_language_switcher_learners_have(app: Flask, coordinator: StaffUser) -> None:
    """Signed in, the switcher is a form (a POST with the session's token): another site cannot change it."""
    html = coordinator.client.get("/staff/").get_data(as_text=True)
    switcher = html[html.index('class="language-switcher"'):]
    switcher = switcher[:switcher.index("</nav>")]
    assert re.findall(r'name="lang" value="(\w+)"', switcher) == ["en", "ru", "be"]
    assert 'action="/staff/language"' in switcher and 'name="next" type="hidden" value="/staff/"' in switcher
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', switcher).group(1)
    response = coordinator.client.post("/staff/language", data={"csrf_token": token, "lang": "ru",
                                                                "next": "/staff/insights"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/staff/insights")
    # The choice holds for every staff page, whatever the browser asks for; learner pages keep their address's.
    html = coordinator.client.get("/staff/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<h1>Статистика</h1>" in html and 'lang="ru" aria-current="true"' in html
    assert 'lang="en"' in coordinator.client.get("/en/").get_data(as_text=True)[:400]
    # Another site is never where the switcher goes back to; a language the site does not speak is refused;
    # a post without the token (from another site, say) changes nothing.
    assert coordinator.client.post("/staff/language", data={"csrf_token": token, "lang": "be",
                                                            "next": "https://example.org/"}).headers[
        "Location"].endswith("/staff/")
    assert coordinator.client.post("/staff/language", data={"csrf_token": token, "lang": "xx"}).status_code == 400
    assert coordinator.client.post("/staff/language", data={"lang": "en"}).status_code == 400
    assert coordinator.client.get("/staff/").get_data(as_text=True).startswith('<!doctype html>\n<html lang="be"')


def test_before_signing_in_the_language_is_chosen_in_the_address_and_kept_at_sign_in(app: Flask) -> None:
    """A visitor who may never sign in chooses a language by a link: nothing is written for them. Signing in
    from that page keeps the language for the staff pages."""
    import pyotp
    from sqlalchemy import func

    from course_app.models import BrowserSession
    from tests.staff.conftest import PASSWORD, create_account, enrol, stopped_clock

    create_account(app, "lena", StaffRole.COORDINATOR)
    secret = enrol(app, "lena").secret  # in another browser, once
    with app.app_context():
        records = get_session().scalar(select(func.count()).select_from(BrowserSession))
    visitor = app.test_client()
    page = visitor.get("/staff/login?next=/staff/insights", headers={"Accept-Language": "en"}).get_data(as_text=True)
    switcher = page[page.index('class="language-switcher"'):]
    assert 'href="/staff/login?next=/staff/insights&amp;language=be"' in switcher
    page = visitor.get("/staff/login?next=/staff/insights&language=be", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert 'lang="be"' in html[:200] and 'action="/staff/login?next=/staff/insights&amp;language=be"' in html
    assert "Set-Cookie" not in page.headers
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(BrowserSession)) == records
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = visitor.post("/staff/login?next=/staff/&language=be", headers={"Accept-Language": "en"},
                            data={"csrf_token": token, "name": "lena", "password": PASSWORD,
                                  "code": pyotp.TOTP(secret).at(stopped_clock(app).timestamp())})
    assert response.status_code == 303
    assert 'lang="be"' in visitor.get("/staff/", headers={"Accept-Language": "en"}).get_data(as_text=True)[:200]


# -- question insights ---------------------------------------------------------------------------------

def answer_wages(app: Flask, right: list[bool], day: date = DAY, lang: str = "en") -> set[str]:
    """Learners who answer the wages quiz on ``day``: right or wrong; the ids of the questions asked."""
    asked: set[str] = set()
    with on_day(app, day):
        for is_right in right:
            response, questions = answer_quiz(app.test_client(), app, "wages", lang, right=is_right)
            assert response.status_code in (200, 303)
            asked |= {question.id for question in questions}
    return asked


def insight_rows(html: str) -> dict[str, tuple[list[tuple[str, str]], str]]:
    """Question text → (its figures, its markup) on the insights page."""
    rows = {}
    for item in re.findall(r'<li class="insight">(.*?)</li>\s*(?=<li class="insight">|</ol>)', html, re.S):
        text = unescape(re.search(r'<p class="insight__text">(.*?)(?: <span|</p>)', item, re.S).group(1))
        rows[text] = (figures_on(item), item)
    return rows


def test_insights_show_one_quiz_of_an_ended_period(app: Flask, educator: StaffUser) -> None:
    asked = answer_wages(app, [True] * 24 + [False] * 6)
    answer_wages(app, [False] * 9, day=TODAY)  # this week: not ended, never counted in November
    quiz = starter_quiz(app, "wages")
    html = educator.client.get(f"/staff/insights?{PERIOD}&quiz=trade-unions/wages").get_data(as_text=True)
    assert '<option value="trade-unions/wages" selected>' in html
    rows = insight_rows(html)
    assert set(rows) == {question.text for question in quiz.questions}
    for question in quiz.questions:
        shown, markup = rows[question.text]
        if question.id in asked:
            # 30 answered (24 right: 80 %); the 6 wrong answers read 5 and are listed with their words.
            assert shown[:2] == [("count", "30"), ("rate", "80%")], question.id
            assert shown[2:] and set(shown[2:]) == {("count", "5")}, question.id
            assert "looks too" not in markup
        else:
            assert shown == [("count", "0"), ("rate", FEW_FOR_RATE)]  # in the bank, not drawn that day
    # Another quiz, another language: what nobody answered reads 0.
    other = educator.client.get(f"/staff/insights?{PERIOD}&quiz=trade-unions/strikes&lang=ru").get_data(as_text=True)
    assert {figures[0] for figures, _ in insight_rows(other).values()} == {("count", "0")}
    assert educator.client.get("/staff/insights?quiz=trade-unions/nope").status_code == 404
    assert educator.client.get(f"/staff/insights?period={TODAY:%Y-%m}").status_code == 404
    assert educator.client.get("/staff/").status_code == 403


def test_a_question_most_get_right_is_flagged_from_its_published_share(app: Flask, educator: StaffUser) -> None:
    answer_wages(app, [True] * 25)
    html = educator.client.get(f"/staff/insights?{PERIOD}&quiz=trade-unions/wages").get_data(as_text=True)
    flagged = [markup for shown, markup in insight_rows(html).values() if shown[0] == ("count", "25")]
    assert flagged and all("looks too easy" in markup for markup in flagged)
    assert ("rate", "100%") in figures_on(html)


def test_insights_exports_hold_the_page_figures_and_one_row_per_wrong_answer(app: Flask,
                                                                              educator: StaffUser) -> None:
    asked = answer_wages(app, [True] * 20 + [False] * 9)
    rows = read_csv(educator.client.get(f"/staff/insights/export.csv?{PERIOD}").get_data())
    assert rows[0] == ["Course", "Course identifier", "Lesson", "Lesson identifier", "Question", "Question identifier",
                       "Answered", "Answered right", "Right (%)", "Needs a look"]
    wages = {row[5]: row for row in rows[1:] if row[3] == "wages"}
    assert set(wages) == {question.id for question in starter_quiz(app, "wages").questions}
    for question_id, row in wages.items():
        # 29 answered, 20 right (69 %); a question not drawn: 0, no share.
        assert row[6:9] == (["30", "20", "69"] if question_id in asked else ["0", "0", FEW_FOR_RATE]), row
    assert {row[1] for row in rows[1:]} == {"trade-unions"}  # only the educator's course
    response = educator.client.get(f"/staff/insights/wrong-answers.csv?{PERIOD}&lang=en")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="wrong-answers-{LAST_MONTH.key}-en.csv"')
    wrong = read_csv(response.get_data())
    assert wrong[0] == ["Course", "Course identifier", "Lesson", "Lesson identifier", "Question",
                        "Question identifier", "Wrong answer", "Answer identifier", "Number"]
    # One row per question and wrong answer, the number in its own column: 9 gave the same wrong answer.
    assert wrong[1:] and {row[5] for row in wrong[1:]} == asked
    assert {row[8] for row in wrong[1:]} <= {"10", FEWER} and all(row[6] and row[7] for row in wrong[1:])
    # In Russian, the headers and titles are Russian, and survive the round trip through UTF-8 with a BOM.
    russian = read_csv(educator.client.get(f"/staff/insights/export.csv?{PERIOD}",
                                           headers={"Accept-Language": "ru"}).get_data())
    assert russian[0][:2] == ["Курс", "Идентификатор курса"]
    with app.app_context():
        assert russian[1][0] == current_catalogue().course("trade-unions").title("ru")
        events = get_session().scalars(select(AuditEvent).where(AuditEvent.action == "export")
                                       .order_by(AuditEvent.id)).all()
    assert [(event.staff_name, event.detail) for event in events] == [
        ("eddie", f"question-insights {LAST_MONTH.key} all"), ("eddie", f"wrong-answers {LAST_MONTH.key} en"),
        ("eddie", f"question-insights {LAST_MONTH.key} all")]


def test_answers_counted_before_they_had_a_day_are_one_period_until_the_upgrade(app: Flask, educator: StaffUser,
                                                                                coordinator: StaffUser) -> None:
    quiz = starter_quiz(app, "wages")
    question = quiz.questions[0]
    with app.app_context():
        session = get_session()
        session.add(SiteEvent(name="answers-counted-by-day", day=date(2026, 11, 20)))
        session.execute(insert(AnswerTally), [
            {"course_slug": "trade-unions", "lesson_slug": "wages", "question_id": question.id, "lang": "en",
             "answer_key": key, "day": date(2000, 1, 1), "count": count}
            for key, count in (("answered", 42), ("correct", 21))])
        session.commit()
    add_learners(app, 6, completed_lessons=1)  # figures of November exist too
    html = educator.client.get("/staff/insights?quiz=trade-unions/wages").get_data(as_text=True)
    assert '<optgroup label="Before the upgrade"><option value="until-upgrade">until the upgrade (answers before ' \
           '20 Nov 2026)</option></optgroup>' in html
    # November started before the upgrade: its answers are not whole, so it is not offered for insights.
    assert f'<option value="{LAST_MONTH.key}"' not in html
    html = educator.client.get("/staff/insights?period=until-upgrade&quiz=trade-unions/wages").get_data(as_text=True)
    assert insight_rows(html)[question.text][0][:2] == [("count", "40"), ("rate", "50%")]
    assert coordinator.client.get("/staff/?period=until-upgrade").status_code == 404
    assert "until-upgrade" not in coordinator.client.get("/staff/").get_data(as_text=True)


# -- the daily purge and the fixing command ---------------------------------------------------------------

def test_the_daily_purge_fixes_ended_periods_before_it_deletes(app: Flask, coordinator: StaffUser) -> None:
    """Learners without a code or a session are removed by the purge; the ended month they were in was
    fixed first, so its figures still count them (anonymously) and never change afterwards."""
    add_learners(app, 20, completed_lessons=2)
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0 and "20 learner(s) without a code" in result.output, result.output
    with app.app_context():
        assert get_session().scalars(select(Learner)).all() == []
    html = coordinator.client.get(f"/staff/?{PERIOD}").get_data(as_text=True)
    assert cards_of(html, 'id="course-trade-unions"')["Started"] == "20"


def test_stats_fix_fixes_every_ended_period_once(app: Flask, coordinator: StaffUser) -> None:
    """After an upgrade many periods have ended: ``course-app stats fix`` (run once, then daily by the purge)
    fixes them all, so that no page view has to."""
    first = TODAY - timedelta(days=75)
    add_learners(app, 6, completed_lessons=1, day=first)
    result = app.test_cli_runner().invoke(args=["stats", "fix"])
    assert result.exit_code == 0
    assert result.output.strip() == f"fixed {len(closed_periods(first, TODAY))} ended period(s)"
    assert app.test_cli_runner().invoke(args=["stats", "fix"]).output.strip() == "fixed 0 ended period(s)"
    with app.app_context():
        before = len(get_session().scalars(select(StatsPeriod)).all())
    assert coordinator.client.get("/staff/").status_code == 200
    with app.app_context():
        assert len(get_session().scalars(select(StatsPeriod)).all()) == before


# -- every count, on every page and in every file ---------------------------------------------------------

def every_view(admin: StaffUser) -> tuple[list[str], list[list[list[str]]]]:
    """The dashboard in several periods and languages, every quiz's insights, and every CSV file of them."""
    pages, files = [], []
    first = admin.client.get("/staff/").get_data(as_text=True)
    keys = re.findall(r'<option value="((?:life-)?\d{4}-(?:W)?\d\d)"', first)
    for query in ["", *(f"?period={key}" for key in keys[::5]), "?lang=ru", "?lang=be"]:
        pages.append(admin.client.get(f"/staff/{query}").get_data(as_text=True))
    query = f"{PERIOD}"
    for table in EXPORTS:
        files.append(read_csv(admin.client.get(f"/staff/export/{table}.csv?{query}").get_data()))
    for lang in ("", "ru"):
        insights = admin.client.get(f"/staff/insights?{query}&lang={lang}").get_data(as_text=True)
        for quiz in re.findall(r'<option value="(trade-unions/[\w-]+)"', insights):
            pages.append(admin.client.get(f"/staff/insights?{query}&lang={lang}&quiz={quiz}").get_data(as_text=True))
        for name in ("export", "wrong-answers"):
            files.append(read_csv(admin.client.get(f"/staff/insights/{name}.csv?{query}&lang={lang}").get_data()))
    return pages, files


def clear_learners_and_figures(app: Flask) -> None:
    """Every learner, their progress and every figure gone (staff accounts stay): a fresh example."""
    with app.app_context():
        session = get_session()
        for model in (StatsCell, StatsPeriod, AnswerTally, LessonReadDay, LessonDay, QuizDay, CourseProgress,
                      QuizProgress, LessonProgress, Learner):
            session.execute(delete(model))
        session.commit()


COUNT_COLUMNS = {"Reads", "Reached", "Completed", "Starters who reached it", "Started", "Learners", "Attempts",
                 "Passed", "0–49 %", "50–79 %", "80–100 %", "Answered", "Answered right", "Number"}


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(min_value=1, max_value=80), st.integers(min_value=0, max_value=10_000))
@example(1, 849)  # one learner whose days all fell in the running month, before they were made to end earlier
def test_every_count_on_pages_and_exports_is_0_a_multiple_of_5_or_fewer_than_5(app: Flask, admin: StaffUser,
                                                                               learners: int, seed: int) -> None:
    """Random learners: every cell the markup marks as a count (data-kind="count" or "band") on the dashboard
    and the insights, and every count column of every CSV file, reads 0, a multiple of 5 or "fewer than 5"; and
    no percentage is above 100."""
    clear_learners_and_figures(app)
    with app.app_context():
        # Every learner's days end with the last ended month, so that month is fixed whatever the draw.
        generate_progress(get_session(), current_catalogue().courses, learners=learners, lesson_rows=learners * 5,
                          today=LAST_MONTH.end, days=90, seed=seed)
        get_session().commit()
    pages, files = every_view(admin)
    counts = [text for html in pages for kind, text in figures_on(html) if kind in ("count", "band")]
    rates = [text for html in pages for kind, text in figures_on(html) if kind == "rate"]
    assert counts and all(is_published_count(text) for text in counts), counts
    assert all(percent(text) is None or percent(text) <= 100 for text in rates)
    checked = 0
    for rows in files:
        columns = [index for index, name in enumerate(rows[0]) if name in COUNT_COLUMNS]
        for row in rows[1:]:
            for index in columns:
                assert is_published_count(row[index]), (rows[0][index], row[index])
                checked += 1
        for index, name in enumerate(rows[0]):
            if name.endswith("(%)"):
                assert all(not row[index].isdigit() or int(row[index]) <= 100 for row in rows[1:])
    assert checked


def test_3000_generated_learners_show_every_lessons_completed_and_no_share_above_100(
        app: Flask, coordinator: StaffUser) -> None:
    """What a new coordinator sees after ``course-app stats generate --learners 3000 --rows 20000``: the dashboard
    as it opens hides no lesson's "Completed": each reads a rounded count, or "fewer than 5" only where the true
    count is 1 to 4; and no percentage anywhere (page or files) is above 100."""
    result = app.test_cli_runner().invoke(args=["stats", "generate", "--learners", "3000", "--rows", "20000"])
    assert result.exit_code == 0, result.output
    html = coordinator.client.get("/staff/").get_data(as_text=True)
    with app.app_context():
        course = current_catalogue().course("trade-unions")
        true_done = {(row.item): row.value for row in get_session().scalars(
            select(StatsCell).where(StatsCell.period_key == LAST_MONTH.key, StatsCell.course_slug == course.slug,
                                    StatsCell.lang == "", StatsCell.figure == "done"))}
        titles = [course.text_of(lesson, "en").title for lesson in course.lessons]  # type: ignore[union-attr]
        slugs = [lesson.slug for lesson in course.lessons]
    funnel = table_after(html, "Table: every figure per lesson")
    completed = [row_of(funnel, title)[2] for title in titles]
    assert completed == [value for series, value in chart_values(html, "chart-trade-unions-funnel")
                         if series == "Completed"]
    for slug, text in zip(slugs, completed, strict=True):
        true = true_done.get(slug, 0)
        assert text == (FEWER if 0 < true < 5 else str((2 * true + 5) // 10 * 5)), (slug, true, text)
    assert sum(true_done.get(slug, 0) for slug in slugs) > 200  # a month of real figures, not a page of zeros
    rates = [percent(text) for _kind, text in figures_on(html) if percent(text) is not None]
    assert rates and max(rates) <= 100  # type: ignore[type-var]
    for period in re.findall(r'<option value="(\d{4}-W\d\d)"', html)[:8]:
        week = coordinator.client.get(f"/staff/?period={period}").get_data(as_text=True)
        assert all(percent(text) is None or percent(text) <= 100 for _kind, text in figures_on(week)), period
    for table in EXPORTS:
        rows = read_csv(coordinator.client.get(f"/staff/export/{table}.csv").get_data())
        for index, name in enumerate(rows[0]):
            if name.endswith("(%)"):
                assert all(not row[index].isdigit() or int(row[index]) <= 100 for row in rows[1:]), (table, name)


def test_another_rounding_base_is_used_everywhere(tmp_path: Path) -> None:
    """ROUNDING_BASE=10: 9 learners read "fewer than 10", 14 read 10, on the page and in the files."""
    from tests.conftest import make_app
    from tests.staff.conftest import create_account, enrol

    app = make_app(tmp_path, ROUNDING_BASE=10)
    app.extensions["course_app.clock"] = ManualClock(NOW)
    add_learners(app, 9, completed_lessons=0)
    add_learners(app, 5, completed_lessons=0, lang="ru")
    create_account(app, "tenner", StaffRole.COORDINATOR)
    client = enrol(app, "tenner").client
    html = client.get("/staff/").get_data(as_text=True)
    assert cards_of(html, 'id="course-trade-unions"')["Started"] == "10"
    assert "Every count is rounded to the nearest 10; “fewer than 10” means 1 to 9." in html
    assert all(is_published_count(text, 10) for kind, text in figures_on(html) if kind in ("count", "band"))
    english = read_csv(client.get(f"/staff/export/summary.csv?{PERIOD}&lang=en").get_data())
    assert english[1][2:4] == ["fewer than 10", "0"]
