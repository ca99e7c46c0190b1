"""How protected values read on staff pages and in CSV files: the same text in both."""

from __future__ import annotations

from datetime import date

from flask_babel import format_date, format_decimal, format_percent, pgettext
from flask_babel import gettext as _

from ..domain.periods import Period
from ..domain.reports import Average, Percent, Value
from ..domain.suppression import Cell, Hidden


def hidden_text(reason: Hidden, threshold: int) -> str:
    """What a hidden cell says: why it is hidden, truly (a large count never reads "fewer than k")."""
    if reason is Hidden.SMALL:
        return str(_("fewer than %(k)d", k=threshold))
    return str(_("hidden to protect a small group"))


def render_value(value: Value, threshold: int) -> str:
    """A protected value as text, the same on the page and in charts."""
    if isinstance(value, Cell):
        if value.hidden is not None:
            return hidden_text(value.hidden, threshold)
        return str(format_decimal(value.value))
    if isinstance(value, Percent):
        return str(format_percent(value.value, "#,##0%") if value.value is not None else _("not shown"))
    if isinstance(value, Average):
        return str(format_decimal(round(value.value, 1)) if value.value is not None else _("not shown"))
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_status(value: Value, threshold: int) -> str:
    """The status column beside a number in a CSV file: empty when shown, else why it is not."""
    if isinstance(value, Cell):
        return "" if value.hidden is None else hidden_text(value.hidden, threshold)
    if isinstance(value, (Percent, Average)) and value.value is None:
        return str(_("not shown"))
    return ""


def csv_status_header(column: str) -> str:
    return str(_("%(column)s: status", column=column))


def column_labels() -> dict[str, str]:
    """Column and table names in the reader's language."""
    return {
        "courses": _("Courses"), "lessons": _("Lessons: where learners stop"), "quizzes": _("Quizzes"),
        "started": pgettext("learners", "Started"), "completed": pgettext("learners", "Completed"),
        "completion rate": _("Completion rate"), "median lessons done": _("Median lessons done"),
        "lesson": _("Lesson"), "reads": _("Reads"), "reached": pgettext("learners", "Reached"),
        "completed of reached": _("Completed of reached"),
        "quiz of lesson": _("Quiz of lesson"), "learners": _("Learners"), "attempts": _("Attempts"),
        "passed": _("Passed"), "pass rate": _("Pass rate"), "mean best score": _("Mean best score (%)"),
        "week from": _("Week from"), "week": _("Week"), "month": _("Month"), "months": _("Per month"),
        "weeks": _("Per week"), "modules": _("Modules"), "module": _("Module"), "module slug": _("Module identifier"),
        "whole course": _("Whole course"), "share of starters": _("Share of starters"),
        "best scores": _("Best scores"), "summary": _("Courses"),
        "course": _("Course"), "course slug": _("Course identifier"), "lesson slug": _("Lesson identifier"),
        "question insights": _("Question insights"), "question": _("Question"), "question id": _("Question identifier"),
        "answered": _("Answered"), "right": _("Right"), "flag": _("Needs a look"),
        "most chosen wrong answers": _("Most chosen wrong answers"),
        "looks too hard": _("looks too hard"), "looks too easy": _("looks too easy"),
    }


def period_name(period: Period) -> str:
    """A period as a coordinator says it: "November 2026", "week 48 of 2026 (23–29 Nov)", "up to November 2026"."""
    month = str(format_date(period.end, "LLLL yyyy"))
    if period.kind == "month":
        return month
    if period.kind == "life":
        return str(_("whole life, up to the end of %(month)s", month=month))
    year, number, _day = period.start.isocalendar()
    return str(_("week %(number)d of %(year)d (%(start)s to %(end)s)", number=number, year=year,
                 start=format_date(period.start, "d MMM"), end=format_date(period.end, "d MMM")))


def definitions(threshold: int) -> dict[str, str]:
    """One definition per figure, written beside it on the page (docs/statistics.md says the same)."""
    return {
        "started": _("Learners whose first action in the course (a quiz answered, a lesson marked done, a code "
                     "saved) falls in the period."),
        "completed": _("Of those, learners who have completed every lesson of the course (counted when the "
                       "period ended)."),
        "completion rate": _("Completed ÷ started."),
        "median lessons done": _("Half of those who started had done at most this many lessons."),
        "reads": _("How many times the lesson page was opened in the period, by anyone; not a number of people."),
        "reached": _("Learners who first opened the lesson in the period."),
        "share of starters": _("Reached ÷ learners who reached the first lesson in the same period: how far "
                               "people get."),
        "lesson completed": _("Learners who completed the lesson (marked it done or passed its quiz) in the period."),
        "completed of reached": _("Completed ÷ reached: a low figure shows where people stop."),
        "learners": _("Learners whose first attempt at the quiz was in the period."),
        "attempts": _("All their attempts, retries included."),
        "passed": _("Of those learners, how many have passed (on any attempt)."),
        "pass rate": _("Passed ÷ learners."),
        "mean best score": _("The mean of their best scores, shown only with the number who passed."),
        "bands": _("How many of those learners have a best score in each band."),
        "trend": _("For each ended month or week: learners who started the course then, and how many of them "
                   "completed it."),
        "active": _("Learners who did anything (opened a lesson as a learner, completed one, answered a quiz) in "
                    "the month, counted once each."),
        "site pass rate": _("Passed ÷ learners, over every quiz of every course."),
    }
