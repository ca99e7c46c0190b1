"""The coordinators' dashboard and its CSV exports: fixed figures of ended periods, rounded by one rule.

The address names a course, a period (an ended week or month, or the life up to an ended
month) and perhaps a language; anything else — a running period, a made-up one, an unknown
course or language — is answered 404, never with figures of some other span of days.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask import Response, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import login_required

from ..content import current_catalogue
from ..db import get_session
from ..domain import audit
from ..domain.disclosure import DisclosureRule, Published
from ..domain.figures import BY_NAME
from ..domain.periods import Period, first_data_day, first_figures_day, fix_closed_periods_once, fixed_periods
from ..domain.reports import EXPORTS, Dashboard, build_dashboard, to_csv
from ..i18n import get_locale, language_name
from .access import role_required, signed_in
from .blueprint import bp
from .charts import Series, horizontal_bars
from .formatting import (
    cards,
    column_label,
    column_labels,
    day_text,
    definition_items,
    definitions,
    figure_label,
    figure_text,
    legend,
    period_name,
    render_value,
    site_labels,
    withheld_text,
)
from .session import now_utc


def disclosure_rule() -> DisclosureRule:
    """The rule for this site's rounding base (``ROUNDING_BASE``)."""
    return DisclosureRule(current_app.config["ROUNDING_BASE"])


def fixed_now() -> tuple[Period, ...]:
    """Every fixed period, newest first, after fixing whatever has ended since the daily purge last did."""
    # Usually nothing to do: the daily purge (or `course-app stats fix`) has fixed what ended; at most the
    # week or month that ended since then.
    fix_closed_periods_once(get_session(), current_catalogue(), current_app.config["LANGUAGES"], now_utc().date())
    return tuple(fixed_periods(get_session()))


def chosen_period(offered: Sequence[Period], default: Period | None) -> Period | None:
    """The period the address names among those offered (404 for any other), or the default."""
    key = request.args.get("period")
    if key is None:
        return default
    found = next((period for period in offered if period.key == key), None)
    if found is None:
        abort(404)
    return found


def chosen_language() -> str | None:
    """The learners' language the address asks for (None: all), 404 for one the site does not speak."""
    lang = request.args.get("lang") or None
    if lang is not None and lang not in current_app.config["LANGUAGES"]:
        abort(404)
    return lang


def grouped_periods(offered: Sequence[Period]) -> list[tuple[str, list[Period]]]:
    """The periods for a picker: weeks, months, whole life (and any other kind after), newest first in each."""
    names = {"week": _("Weeks"), "month": _("Months"), "life": _("Whole life"), "upgrade": _("Before the upgrade")}
    kinds = dict.fromkeys(["week", "month", "life", *(period.kind for period in offered)])
    return [(names.get(kind, kind), [period for period in offered if period.kind == kind])
            for kind in kinds if any(period.kind == kind for period in offered)]


@dataclass(frozen=True)
class Choice:
    """What the address asks for, checked: a fixed period (None while none has ended), a language, a course."""

    period: Period | None
    lang: str | None
    course: str | None
    periods: tuple[Period, ...]


def _choice() -> Choice:
    """The period, language and course from the address; 404 for anything that is not one of them."""
    offered = tuple(period for period in fixed_now() if period.kind != "upgrade")
    period = chosen_period(offered, next((one for one in offered if one.kind == "month"),
                                         offered[0] if offered else None))
    lang = chosen_language()
    slugs = [course.slug for course in current_catalogue().courses]
    course = request.args.get("course") or (slugs[0] if slugs else None)
    if course is not None and course not in slugs:
        abort(404)
    return Choice(period, lang, course, offered)


def _dashboard(period: Period, lang: str | None, courses: list[str]) -> Dashboard:
    return build_dashboard(get_session(), current_catalogue(), period, lang, courses, disclosure_rule(), get_locale(),
                           _("Whole course"))


def first_figures() -> date:
    """The day the first figures appear on a site where no period has ended yet."""
    return first_figures_day(first_data_day(get_session()), now_utc().date())


@bp.get("/")
@login_required
@role_required(lambda role: role.sees_statistics)
def dashboard() -> str:
    """One course in one ended period: the site's summary, modules, lessons, quizzes, scores and trends."""
    choice = _choice()
    base = disclosure_rule().base
    report = _dashboard(choice.period, choice.lang, [choice.course] if choice.course else []) if choice.period else None

    def text(value: Published) -> str:
        return figure_text(value, base)

    charts = {}
    for course_report in report.courses if report else ():
        slug = course_report.course.slug
        lessons = course_report.funnel.rows
        charts["funnel"] = horizontal_bars(
            f"chart-{slug}-funnel", _("Reached and completed, per lesson"), [str(row[0]) for row in lessons],
            [Series(str(BY_NAME["reached"].label), [_figure(row[2]) for row in lessons], "bar"),
             Series(str(BY_NAME["done"].label), [_figure(row[3]) for row in lessons], "bar bar--second")], text)
        quizzes = course_report.quizzes.rows
        charts["quizzes"] = horizontal_bars(
            f"chart-{slug}-quizzes", _("Learners and passes, per quiz"), [str(row[0]) for row in quizzes],
            [Series(str(BY_NAME["learners"].label), [_figure(row[1]) for row in quizzes], "bar"),
             Series(str(BY_NAME["passed"].label), [_figure(row[3]) for row in quizzes], "bar bar--second")], text)
        months = course_report.months.rows
        charts["months"] = horizontal_bars(
            f"chart-{slug}-months", _("Starts and completions per month"),
            [render_value(row[0], base) for row in months],
            [Series(str(BY_NAME["started"].label), [_figure(row[1]) for row in months], "bar"),
             Series(str(BY_NAME["completed"].label), [_figure(row[2]) for row in months], "bar bar--second")], text)
    return render_template("staff/dashboard.html", choice=choice, report=report, charts=charts, legend=legend(base),
                           figure_label=figure_label,
                           render=lambda value: render_value(value, base), exports=EXPORTS,
                           definitions=definitions(), period_name=period_name, column_labels=column_labels,
                           site_labels=site_labels(), cards=cards, definition_items=definition_items,
                           day_text=day_text, period_groups=grouped_periods(choice.periods),
                           courses=current_catalogue().courses, languages=current_app.config["LANGUAGES"],
                           language_name=language_name, first_figures=None if choice.period else first_figures(),
                           query=_export_query(choice.period, choice.lang))


def _figure(value: object) -> Published:
    assert isinstance(value, Published)
    return value


def _export_query(period: Period | None, lang: str | None) -> str:
    """The address part that gives an export the page's period and language."""
    parts = [f"period={period.key}"] if period else []
    if lang:
        parts.append(f"lang={lang}")
    return "&".join(parts)


def export_name(name: str, period: Period, lang: str | None) -> str:
    """An export's file name: what it holds, the period's key, and the language if one was chosen."""
    return f"{name}-{period.key}{'-' + lang if lang else ''}.csv"


@bp.get("/export/<table>.csv")
@login_required
@role_required(lambda role: role.sees_statistics)
def export(table: str) -> Response:
    """One table for every course as CSV, with exactly the figures of the page; the export is audited."""
    if table not in EXPORTS:
        abort(404)
    choice = _choice()
    if choice.period is None:
        abort(404)
    report = _dashboard(choice.period, choice.lang, [course.slug for course in current_catalogue().courses])
    base = report.rule.base
    text = to_csv(report.table(table), column_label, lambda value: withheld_text(value, base),
                  lambda value: render_value(value, base))
    db = get_session()
    audit.record(db, signed_in().name, "export", f"{table} {choice.period.key} {choice.lang or 'all'}", now_utc())
    db.commit()
    return csv_response(text, export_name(f"course-{table}", choice.period, choice.lang))


def csv_response(text: str, name: str) -> Response:
    """A CSV file to download, UTF-8 (with the BOM the text starts with)."""
    return Response(text.encode("utf-8"), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/audit")
@login_required
@role_required(lambda role: role.value == "admin")
def audit_log() -> str:
    """Recent staff sign-ins and exports (admins only)."""
    return render_template("staff/audit.html", events=audit.recent(get_session()))
