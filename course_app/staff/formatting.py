"""How protected values read on staff pages and in CSV files: the same text in both."""

from __future__ import annotations

from datetime import date

from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_babel import pgettext

from ..domain.reports import Decimal, Percent, Value
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
    if isinstance(value, Decimal):
        return str(format_decimal(round(value.value, 1)) if value.value is not None else _("not shown"))
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_status(value: Value, threshold: int) -> str:
    """The status column beside a number in a CSV file: empty when shown, else why it is not."""
    if isinstance(value, Cell):
        return "" if value.hidden is None else hidden_text(value.hidden, threshold)
    if isinstance(value, (Percent, Decimal)) and value.value is None:
        return str(_("not shown"))
    return ""


def csv_status_header(column: str) -> str:
    return str(_("%(column)s: status", column=column))


def column_labels() -> dict[str, str]:
    """Column and table names in the reader's language."""
    return {
        "courses": _("Courses"), "lessons": _("Lessons: where learners stop"), "quizzes": _("Quizzes"),
        "weeks": _("Starts and completions per week"),
        "started": pgettext("learners", "Started"), "completed": pgettext("learners", "Completed"),
        "completion rate": _("Completion rate"), "median lessons done": _("Median lessons done"),
        "lesson": _("Lesson"), "reads": _("Reads"), "reached": pgettext("learners", "Reached"), "completed of reached": _("Completed of reached"),
        "quiz of lesson": _("Quiz of lesson"), "learners": _("Learners"), "attempts": _("Attempts"),
        "passed": _("Passed"), "pass rate": _("Pass rate"), "mean best score": _("Mean best score (%)"),
        "week from": _("Week from"),
        "course": _("Course"), "course slug": _("Course identifier"), "lesson slug": _("Lesson identifier"),
        "question insights": _("Question insights"), "question": _("Question"), "question id": _("Question identifier"),
        "answered": _("Answered"), "right": _("Right"), "flag": _("Needs a look"),
        "most chosen wrong answers": _("Most chosen wrong answers"),
        "looks too hard": _("looks too hard"), "looks too easy": _("looks too easy"),
    }
