"""How published figures and periods read on staff pages, in charts and in CSV files: the same words in all.

A figure reads a rounded number, a percentage, an average, or why it has none: "fewer than 5",
"not shown (fewer than 23 people)", "not shown (7 or fewer people)". A period reads in one form
everywhere: the ISO week "2026-W49 (30 Nov – 6 Dec)", the month "2026-11 (November 2026)", in the
page's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from babel.numbers import format_decimal as babel_format_decimal
from flask_babel import format_date, format_decimal, get_locale
from flask_babel import gettext as _

from ..domain.disclosure import AVERAGE_PEOPLE, RATE_PEOPLE, Kind, Published, Withheld
from ..domain.figures import BY_NAME, FIGURES
from ..domain.periods import Period
from ..domain.reports import Column, Table, Value


def withheld_text(value: Published, base: int) -> str:
    """What a figure without a number says, truly: which part of the rule keeps it back."""
    if value.withheld is Withheld.FEWER_THAN_BASE:
        return str(_("fewer than %(k)d", k=base))
    if value.withheld is Withheld.FEW_FOR_RATE:
        return str(_("not shown (fewer than %(n)d people)", n=RATE_PEOPLE))
    return str(_("not shown (%(n)d or fewer people)", n=AVERAGE_PEOPLE - 1))


def figure_text(value: Published, base: int) -> str:
    """A published figure as the page shows it: "1,235", "42%", "72.5", or why there is no number."""
    if value.value is None:
        return withheld_text(value, base)
    if value.kind in (Kind.MEAN, Kind.MEDIAN):
        return str(format_decimal(value.value, format="#,##0.#"))
    number = _whole_number(int(value.value), str(get_locale()))
    return f"{number}%" if value.kind is Kind.RATE else number


@lru_cache(maxsize=1024)
def _whole_number(number: int, locale: str) -> str:
    """A whole number as the language writes it ("1,235", "1 235"): a page shows hundreds, from few values."""
    return str(babel_format_decimal(number, locale=locale))


def render_value(value: Value, base: int) -> str:
    """Any table value as text: a figure, a period's name, or a title."""
    if isinstance(value, Published):
        return figure_text(value, base)
    if isinstance(value, Period):
        return period_name(value)
    return str(value)


def text_labels() -> dict[str, str]:
    """The names of text columns and tables, in the reader's language."""
    return {
        "course": _("Course"), "course slug": _("Course identifier"), "lesson": _("Lesson"),
        "lesson slug": _("Lesson identifier"), "module": _("Module"), "module slug": _("Module identifier"),
        "quiz of lesson": _("Quiz of lesson"), "month": _("Month"), "week": _("Week"),
        "question": _("Question"), "question id": _("Question identifier"), "flag": _("Needs a look"),
        "answer": _("Wrong answer"), "answer key": _("Answer identifier"),
        "whole course": _("Whole course"), "looks too hard": _("looks too hard"), "looks too easy": _("looks too easy"),
        "true": _("True"), "false": _("False"),
    }


def column_label(column: Column) -> str:
    """A column's name: a figure's label from the registry, or a text column's name."""
    if column.kind is not None:
        return str(BY_NAME[column.key].label)
    return text_labels().get(column.key, column.key)


def column_labels(table: Table) -> list[str]:
    """The names of a table's columns, worked out once for all its rows."""
    return [column_label(column) for column in table.columns]


def definitions() -> dict[str, str]:
    """What each figure of the registry counts, in the reader's language (docs/statistics.md says the same)."""
    return {figure.name: str(figure.counts) for figure in FIGURES}


def flag_text(flag: str | None) -> str:
    """A question's "needs a look" mark, in words ("" for none)."""
    return str({"hard": _("looks too hard"), "easy": _("looks too easy")}.get(flag or "", ""))


def period_name(period: Period) -> str:
    """A period in its one form: "2026-W49 (30 Nov – 6 Dec)", "2026-11 (November 2026)", "whole life to 2026-11
    (November 2026)", in the page's language."""
    return _period_name(period, str(get_locale()))


@lru_cache(maxsize=4096)
def _period_name(period: Period, locale: str) -> str:
    """``period_name`` for one language (the picker names every fixed period on every view)."""
    if period.kind == "week":
        return str(_("%(key)s (%(start)s – %(end)s)", key=period.key, start=format_date(period.start, "d MMM"),
                     end=format_date(period.end, "d MMM")))
    month = str(_("%(key)s (%(name)s)", key=f"{period.end:%Y-%m}", name=format_date(period.end, "LLLL yyyy")))
    if period.kind == "month":
        return month
    if period.kind == "life":
        return str(_("whole life to %(month)s", month=month))
    return str(_("until the upgrade (answers before %(day)s)",
                 day=format_date(period.end + timedelta(days=1), "d MMM yyyy")))


@dataclass(frozen=True)
class Legend:
    """How to read the figures of a staff page: said once per page."""

    summary: str
    terms: tuple[tuple[str, str], ...]
    source: str


def legend(base: int, totals: bool = True) -> Legend:
    """The rule in a coordinator's words, with the words a figure may read instead of a number; ``totals``: the
    page shows totals, and says once that rounded rows may not add up to them."""
    if totals:
        rounded = _("Every count is rounded to the nearest %(k)d; “fewer than %(k)d” means 1 to %(n)d. Rounded rows "
                    "may not add up to the rounded total.", k=base, n=base - 1)
    else:
        rounded = _("Every count is rounded to the nearest %(k)d; “fewer than %(k)d” means 1 to %(n)d.", k=base,
                    n=base - 1)
    return Legend(
        str(rounded),
        ((str(_("A number")), str(_("A count rounded to the nearest multiple of %(k)d (halves up). A total is added "
                                    "up first and rounded after, so the rows above it may not add up to it.", k=base))),
         (withheld_text(Published(Kind.COUNT, None, Withheld.FEWER_THAN_BASE), base),
          str(_("Between 1 and %(n)d people.", n=base - 1))),
         ("0", str(_("Nobody: a true zero."))),
         (withheld_text(Published(Kind.RATE, None, Withheld.FEW_FOR_RATE), base),
          str(_("A percentage is worked out from the exact counts, and shown only when at least %(n)d people are "
                "behind it.", n=RATE_PEOPLE))),
         (withheld_text(Published(Kind.MEAN, None, Withheld.FEW_FOR_AVERAGE), base),
          str(_("A mean or a median is shown only when more than %(n)d people are behind it.",
                n=AVERAGE_PEOPLE - 1)))),
        str(_("UK official statistics follow the same rules (HESA, Ofqual): no sum or difference of the figures "
              "shown gives an exact small number. See “Statistics for staff” in the documentation.")))


def figure_label(name: str) -> str:
    """A figure's name from the registry, in the reader's language."""
    return str(BY_NAME[name].label)


def site_labels() -> dict[str, str]:
    """The names of the site's figures: added up over courses, so said as starts and completions, not people."""
    return {"active": figure_label("active"), "started": str(_("Course starts")),
            "completed": str(_("Course completions")), "pass_rate": figure_label("pass_rate")}


def cards(table: Table) -> list[tuple[str, Published]]:
    """A one-row table of figures as (name, value) pairs, for cards."""
    return [(column_label(column), value) for column, value in zip(table.columns, table.rows[0], strict=True)
            if isinstance(value, Published)]


def definition_items(table: Table) -> list[tuple[str, str]]:
    """What each figure column of a table counts, as (name, definition) pairs."""
    return [(column_label(column), str(BY_NAME[column.key].counts)) for column in table.columns if column.kind]


def day_text(day: date) -> str:
    """A day as the page's language writes it in full: "7 December 2026"."""
    return str(format_date(day, "d MMMM yyyy"))
