"""The coordinators' dashboard and exports, and the educators' insights, through the app."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from html import unescape

import pytest
from flask import Flask
from sqlalchemy import select

from course_app.clock import ManualClock
from course_app.content import current_catalogue
from course_app.db import get_session
from course_app.domain.learners import create_learner, delete_learner
from course_app.domain.periods import closed_periods, last_closed_month
from course_app.domain.progress import LessonPlace, record_lesson_completed, record_lesson_reached
from course_app.domain.reports import EXPORTS
from course_app.learner.reads import read_counter
from course_app.models import AuditEvent, Learner, StatsPeriod
from tests.conftest import STARTER_LESSON_COUNT
from tests.helpers import answer_quiz, starter_quiz
from tests.staff.conftest import StaffUser

# The app's clock stands at one moment in every test here (a Wednesday, 10 s into a TOTP step): the
# test and the app agree on "today", "the last ended month" and "the running week" whatever day and
# hour the suite runs, a week or month ending during the run included.
NOW = datetime(2026, 12, 2, 12, 0, 10, tzinfo=UTC)
TODAY = NOW.date()
# Figures exist only for ended periods: the tests' learners act in the last ended month.
LAST_MONTH = last_closed_month(TODAY)
DAY = LAST_MONTH.start + timedelta(days=3)
PERIOD = f"period={LAST_MONTH.key}"


@pytest.fixture(autouse=True)
def standing_clock(app: Flask) -> None:
    app.extensions["course_app.clock"] = ManualClock(NOW)


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
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)]


def table_after(html: str, heading: str) -> str:
    """The first table after a heading's text."""
    rest = html[html.index(heading):]
    return rest[rest.index("<table"):rest.index("</table>")]


def row_of(table: str, text: str) -> list[str]:
    return table_cells(next(row for row in re.findall(r"<tr>(.*?)</tr>", table, re.S) if text in row))


def chart_numbers(html: str) -> list[str]:
    return re.findall(r"<text x=\"\d+\" y=\"\d+\">(\d+)</text>", html)


def test_three_learners_reveal_no_three_anywhere(app: Flask, coordinator: StaffUser) -> None:
    add_learners(app, 3, completed_lessons=6)
    html = coordinator.client.get("/staff/").get_data(as_text=True)
    assert period_name_in(html, LAST_MONTH.key)
    cells = table_cells(html)
    assert cells and "3" not in cells
    assert "fewer than 5" in cells
    assert "3" not in chart_numbers(html)
    assert not [cell for cell in cells if cell.endswith("%")]  # no rate from fewer than 5
    for table in EXPORTS:
        response = coordinator.client.get(f"/staff/export/{table}.csv?{PERIOD}")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        rows = read_csv(response.get_data())
        values = [value for row in rows[1:] for value in row[2:]]
        assert "3" not in values, (table, rows)


def period_name_in(html: str, key: str) -> bool:
    return f'<option value="{key}" selected>' in html


def test_known_numbers_with_protection(app: Flask, coordinator: StaffUser) -> None:
    add_learners(app, 12, completed_lessons=STARTER_LESSON_COUNT)  # 12 complete the course
    add_learners(app, 8, completed_lessons=1)        # 8 stop after the first lesson
    with on_day(app, DAY):
        for _ in range(25):                              # 25 reads of the first lesson's page, 3 of the second
            app.test_client().get("/en/trade-unions/study-safely", headers={"User-Agent": "Reader/1"})
        for _ in range(3):
            app.test_client().get("/en/trade-unions/what-is-a-union", headers={"User-Agent": "Reader/1"})
        app.test_client().get("/en/trade-unions/study-safely", headers={"User-Agent": "Googlebot/2.1"})  # not counted
        read_counter(app).flush()
    html = coordinator.client.get(f"/staff/?{PERIOD}").get_data(as_text=True)
    # Lessons done: eight 1s and twelve whole courses, so the median is the whole course.
    assert table_cells(table_after(html, 'id="course-trade-unions"')) == ["20", "12", "60%", str(STARTER_LESSON_COUNT)]
    funnel = table_cells(table_after(html, "Lessons: where learners stop"))
    # Lesson 1: read 25 times — hidden, since the course's 28 reads minus 25 would give the 3 of lesson 2 —,
    # reached and completed by all 20 (100 % of starters); lesson 2: read 3 times (fewer than 5), reached by
    # 20, completed by 12 (8 stop); lesson 3, in lesson 2's module: a 0 among fewer than 5 reads, so not
    # shown either; the lessons after: never read (a true 0), reached by the 12 who finish (60 % of those
    # who reached the first lesson).
    hidden = "hidden to protect a small group"
    assert funnel == ([hidden, "20", "100%", "20", "100%", "fewer than 5", "20", "100%", "12", "60%",
                       "fewer than 5", "12", "60%", "12", "100%"]
                      + ["0", "12", "60%", "12", "100%"] * (STARTER_LESSON_COUNT - 3))
    # Per module, the lessons added up; the whole course last: 28 reads, 112 lessons reached, 104 completed.
    modules = table_after(html, 'id="modules-trade-unions"')
    assert row_of(modules, "Whole course") == ["28", str(20 + 20 + 12 * (STARTER_LESSON_COUNT - 2)), "104", "93%"]
    assert row_of(modules, "Before you begin") == [hidden, "20", "20", "100%"]
    # The summary at the top: every course, every language.
    summary = html[html.index('id="site-summary"'):html.index("</section>")]
    assert "<dd>20</dd>" in summary and "<dd>12</dd>" in summary and "<dd>1</dd>" in summary  # one course
    # The month's trend ends with this month: 20 started, 12 of them completed.
    months = table_after(html, 'id="months-trade-unions"')
    assert table_cells(months)[-2:] == ["20", "12"]
    # The day reading stopped creating learners is marked.
    assert "reading alone creates no learner" in html


def test_export_is_audited_and_matches_the_page(app: Flask, coordinator: StaffUser) -> None:
    add_learners(app, 9, completed_lessons=2, lang="ru")
    response = coordinator.client.get(f"/staff/export/funnel.csv?{PERIOD}&lang=ru")
    assert f'filename="course-funnel-{LAST_MONTH.key}-ru.csv"' in response.headers["Content-Disposition"]
    rows = read_csv(response.get_data())
    assert rows[0][:4] == ["Course", "Course identifier", "Lesson", "Lesson identifier"]
    assert rows[1][:4] == ["Trade unions and your rights", "trade-unions", "How to study safely on this site",
                           "study-safely"]
    # Reads (none: a true 0), reached 9, 100 % of starters, completed 9, completed of reached 100 %.
    assert rows[0][4:] == ["Reads", "Reads: status", "Reached", "Reached: status", "Share of starters (%)",
                           "Share of starters (%): status", "Completed", "Completed: status",
                           "Completed of reached (%)", "Completed of reached (%): status"]
    assert rows[1][4:] == ["0", "", "9", "", "100", "", "9", "", "100", ""]
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
                  "lang=xx", "course=nope", "course=../../etc"):
        assert coordinator.client.get(f"/staff/?{query}").status_code == 404, query
        assert coordinator.client.get(f"/staff/export/funnel.csv?{query}").status_code == 404, query
    # Arbitrary dates are not a thing any more: they are ignored, the default period is shown.
    assert coordinator.client.get("/staff/?start=2026-01-01&end=2026-01-02").status_code == 200
    assert coordinator.client.get("/staff/export/secrets.csv").status_code == 404
    for key in (LAST_MONTH.key, f"life-{LAST_MONTH.key}"):
        assert coordinator.client.get(f"/staff/?period={key}").status_code == 200, key


def test_published_figures_stay_after_learners_delete_everything(app: Flask, coordinator: StaffUser) -> None:
    """A closed period's figures are fixed: learners who delete everything afterwards stay counted in them
    (anonymously), so two views cannot be subtracted to learn about the ones who left."""
    add_learners(app, 20, completed_lessons=2)
    before = coordinator.client.get(f"/staff/?{PERIOD}").get_data(as_text=True)
    assert "20" in table_cells(before)
    with app.app_context():
        session = get_session()
        for learner in session.scalars(select(Learner)).all()[:7]:
            delete_learner(session, learner)
        session.commit()
    after = coordinator.client.get(f"/staff/?{PERIOD}").get_data(as_text=True)
    assert table_cells(after) == table_cells(before)


def test_no_route_takes_a_learner(app: Flask, admin: StaffUser) -> None:
    """No staff page or export accepts a learner id: the URL map has no such parameter."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/staff"):
            assert not (set(rule.arguments) & {"learner", "learner_id", "id", "code"}), rule.rule


def test_educator_insights(app: Flask, educator: StaffUser) -> None:
    draws = {tuple(question.id for question in answer_quiz(app.test_client(), app, "wages", right=right)[1])
             for right in [False] * 6 + [True] * 2}
    assert len(draws) == 1  # every new reader is asked the day's draw
    (drawn,) = draws
    asked = {question.text for question in starter_quiz(app, "wages").questions if question.id in drawn}
    html = educator.client.get("/staff/insights").get_data(as_text=True)
    wages = html[html.index("Wages and the minimum wage"):]
    wages = wages[:wages.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", wages, re.S)[1:]
    shown = {}
    for row in rows:
        cells = table_cells(row)
        shown[unescape(re.search(r'<th scope="row">(.*?)(?: <span|</th>)', row, re.S).group(1))] = (cells, row)
    for text, (cells, row) in shown.items():
        if text in asked:
            # Answered by all eight at their first attempt; 2 right and 6 wrong: 2 is fewer than 5, so the
            # share right stays hidden, and so do the wrong answers (8 − 6 would give the 2 away), and no
            # "looks too hard" flag hints at what is hidden.
            assert cells == ["8", "not shown", "—"], row
            assert "looks too hard" not in row
        else:
            assert cells[0] == "0"  # in the bank, not drawn today: nobody answered it
    assert educator.client.get("/staff/").status_code == 403


def test_insights_export_has_the_page_cells_and_is_audited(app: Flask, educator: StaffUser) -> None:
    """The insights as CSV: one row per question of the educator's courses, the page's protected cells as
    numbers with a status beside them, Cyrillic titles intact, and an audit line."""
    for right in [True] * 6 + [False] * 2:
        answer_quiz(app.test_client(), app, "wages", right=right)
    page = educator.client.get("/staff/insights").get_data(as_text=True)
    assert "/staff/insights/export.csv" in page
    response = educator.client.get("/staff/insights/export.csv?lang=ru")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="question-insights-ru.csv"'
    rows = read_csv(response.get_data())
    assert rows[0] == ["Course", "Course identifier", "Lesson", "Lesson identifier", "Question", "Question identifier",
                       "Answered", "Answered: status", "Right (%)", "Right (%): status", "Needs a look",
                       "Most chosen wrong answers"]
    # Nobody answered in Russian: every question reads a true 0, no share.
    assert rows[1:] and {tuple(row[6:10]) for row in rows[1:]} == {("0", "", "", "not shown")}
    rows = read_csv(educator.client.get("/staff/insights/export.csv").get_data())
    wages = [row for row in rows[1:] if row[3] == "wages"]
    answered = {row[6:10][0]: row for row in wages}
    # The drawn questions: 8 answered, 6 right (8 − 6 = 2 must stay hidden: the share is not shown).
    assert "8" in answered and answered["8"][8:10] == ["", "not shown"]
    assert {row[1] for row in rows[1:]} == {"trade-unions"}  # only the educator's course
    # In Russian, the headers and titles are Russian, and survive the round trip through UTF-8 with a BOM.
    russian = read_csv(educator.client.get("/staff/insights/export.csv", headers={"Accept-Language": "ru"}).get_data())
    assert russian[0][:2] == ["Курс", "Идентификатор курса"]
    assert russian[1][0] == current_course_title(app, "ru")
    with app.app_context():
        events = get_session().scalars(select(AuditEvent).where(AuditEvent.action == "export")
                                       .order_by(AuditEvent.id)).all()
    assert [(event.staff_name, event.detail) for event in events] == [
        ("eddie", "insights ru"), ("eddie", "insights all"), ("eddie", "insights all")]


def current_course_title(app: Flask, lang: str) -> str:
    with app.app_context():
        return current_catalogue().course("trade-unions").title(lang)


def test_translation_status_page_for_educators(educator: StaffUser) -> None:
    html = educator.client.get("/staff/translations").get_data(as_text=True)
    assert "Trade unions and your rights" in html
    every = f"{STARTER_LESSON_COUNT} of {STARTER_LESSON_COUNT} translated"
    assert html.count(every) == 6  # lessons and quizzes, three languages
    assert html.count("2 of 2 translated") == 3  # subtitle tracks


def test_fifteen_learners_twelve_pass_shows_no_false_fewer_than_five(app: Flask, coordinator: StaffUser) -> None:
    """The coordinator's case: 15 learners take a quiz and 12 pass. 15 − 12 = 3 must stay hidden, so the
    12 is hidden — but as what it is, a large count hidden to protect others, never as "fewer than 5";
    and no chart draws a bar for it."""
    with on_day(app, DAY):
        for index in range(15):
            response, _asked = answer_quiz(app.test_client(), app, "wages", right=index < 12)
            assert response.status_code in (200, 303)
        read_counter(app).flush()
    html = coordinator.client.get(f"/staff/?{PERIOD}").get_data(as_text=True)
    quizzes = table_after(html, 'id="quizzes-trade-unions"')
    wages = next(row for row in re.findall(r"<tr>(.*?)</tr>", quizzes, re.S) if "Wages" in row)
    # Learners 15, attempts 15, passed: hidden to protect the 3 who did not pass, no rate, no mean.
    assert table_cells(wages) == ["15", "15", "hidden to protect a small group", "not shown", "not shown"]
    funnel = table_after(html, "Lessons: where learners stop")
    wages = next(row for row in re.findall(r"<tr>(.*?)</tr>", funnel, re.S) if "Wages" in row)
    # Reads 15, reached 15, completed 12: hidden to protect the 3 who did not pass. The share of starters is
    # not shown: nobody reached the first lesson as a learner (they came straight to the quiz): a true 0.
    assert table_cells(wages) == ["15", "15", "not shown", "hidden to protect a small group", "not shown"]
    # The page says "fewer than 5" only where it is true: the 3 whose best score is below 50; every other
    # count here is 0, 15, or a hidden 12 (or 15 + 12 summed over the course).
    scores = table_after(html, 'id="scores-trade-unions"')
    assert row_of(scores, "Wages") == ["15", "fewer than 5", "0", "hidden to protect a small group"]
    assert re.sub(r'<dl class="legend".*?</dl>', "", html, flags=re.S).count("fewer than 5") == 1
    # The funnel chart: a 15-bar for reached, and for completed a note with the honest reason, no bar.
    chart = html[html.index('id="chart-trade-unions-funnel"'):]
    chart = chart[:chart.index("</svg>")]
    assert "Completed: hidden to protect a small group" in chart
    assert "15" in chart_numbers(chart) and "12" not in chart_numbers(chart)
    # The exports say the same.
    quizzes = read_csv(coordinator.client.get(f"/staff/export/quizzes.csv?{PERIOD}").get_data())
    wages = next(row for row in quizzes if row[3] == "wages")
    assert dict(zip(quizzes[0][4:], wages[4:], strict=True)) == {
        "Learners": "15", "Learners: status": "", "Attempts": "15", "Attempts: status": "",
        "Passed": "", "Passed: status": "hidden to protect a small group",
        "Pass rate (%)": "", "Pass rate (%): status": "not shown",
        "Mean best score (%)": "", "Mean best score (%): status": "not shown"}
    for table in EXPORTS:
        rows = read_csv(coordinator.client.get(f"/staff/export/{table}.csv?{PERIOD}").get_data())
        cells = [cell for row in rows for cell in row]
        assert "12" not in cells and "3" not in cells, table
        # The one true "fewer than 5": the 3 whose best score is below 50.
        assert cells.count("fewer than 5") == (1 if table == "scores" else 0), table


def test_the_daily_purge_fixes_ended_periods_before_it_deletes(app: Flask, coordinator: StaffUser) -> None:
    """Learners without a code or a session are removed by the purge; the ended month they were in was
    fixed first, so its figures still count them (anonymously) and never change afterwards."""
    add_learners(app, 20, completed_lessons=2)
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0 and "20 learner(s) without a code" in result.output, result.output
    with app.app_context():
        assert get_session().scalars(select(Learner)).all() == []
    html = coordinator.client.get(f"/staff/?{PERIOD}").get_data(as_text=True)
    assert table_cells(table_after(html, 'id="course-trade-unions"'))[:2] == ["20", "0"]


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


def test_insights_of_one_language_hide_what_all_languages_minus_it_would_give_away(
        app: Flask, educator: StaffUser) -> None:
    """All languages 8, English 6: English alone is hidden (8 − 6 would show the other 2), honestly labelled."""
    asked = set()
    for lang, count in (("en", 6), ("ru", 2)):
        for _ in range(count):
            _response, questions = answer_quiz(app.test_client(), app, "wages", lang=lang, right=True)
            asked |= {question.id for question in questions}

    def answered(query: str) -> set[str]:
        html = educator.client.get(f"/staff/insights{query}").get_data(as_text=True)
        wages = html[html.index('<table', html.index("Wages")):]
        wages = wages[:wages.index("</table>")]
        return {table_cells(row)[0] for row in re.findall(r"<tr>(.*?)</tr>", wages, re.S)[1:]}

    assert "8" in answered("")
    english = answered("?lang=en")
    assert "6" not in english and "hidden to protect a small group" in english
    assert "fewer than 5" in answered("?lang=ru")
    # The export says the same.
    rows = read_csv(educator.client.get("/staff/insights/export.csv?lang=en").get_data())
    assert "6" not in [row[6] for row in rows[1:]]
