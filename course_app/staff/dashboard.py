"""The coordinators' dashboard and its CSV exports: fixed figures of ended periods, small cells protected.

The address names a course, a period (an ended week or month, or the life up to an ended
month) and perhaps a language; anything else — a running period, a made-up one, an unknown
course or language — is answered 404, never with figures of some other span of days.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import pgettext
from flask_login import login_required

from ..content import current_catalogue
from ..db import get_session
from ..domain import audit
from ..domain.periods import Period, fix_closed_periods_once, fixed_periods, parse_period
from ..domain.reports import EXPORTS, Dashboard, Labels, build_dashboard, to_csv
from ..domain.suppression import Hidden
from ..i18n import get_locale, language_name
from .access import role_required, signed_in
from .blueprint import bp
from .charts import Series, horizontal_bars
from .formatting import (
    column_labels,
    csv_status,
    csv_status_header,
    definitions,
    hidden_text,
    period_name,
    render_value,
)
from .session import now_utc


@dataclass(frozen=True)
class Choice:
    """What the address asks for, checked: a fixed period (None while none has ended), a language, a course."""

    period: Period | None
    lang: str | None
    course: str | None
    periods: tuple[Period, ...]


def _choice() -> Choice:
    """The period, language and course from the address; 404 for anything that is not one of them."""
    session = get_session()
    catalogue = current_catalogue()
    today = now_utc().date()
    # Usually nothing to do: the daily purge (or `course-app stats fix`) has fixed what ended; at most the
    # week or month that ended since then.
    fix_closed_periods_once(session, catalogue, current_app.config["LANGUAGES"], today,
                            current_app.config["SMALL_CELL_THRESHOLD"])
    fixed = tuple(fixed_periods(session))
    key = request.args.get("period")
    if key is None:
        period = next((one for one in fixed if one.kind == "month"), fixed[0] if fixed else None)
    else:
        period = parse_period(key, today)
        if period is None or period not in fixed:
            abort(404)
    lang = request.args.get("lang") or None
    if lang is not None and lang not in current_app.config["LANGUAGES"]:
        abort(404)
    slugs = [course.slug for course in catalogue.courses]
    course = request.args.get("course") or (slugs[0] if slugs else None)
    if course is not None and course not in slugs:
        abort(404)
    return Choice(period, lang, course, fixed)


def _dashboard(period: Period, lang: str | None, courses: list[str]) -> Dashboard:
    return build_dashboard(get_session(), current_catalogue(), period, lang, courses,
                           current_app.config["SMALL_CELL_THRESHOLD"], get_locale(), Labels(column_labels()))


@bp.get("/")
@login_required
@role_required(lambda role: role.sees_statistics)
def dashboard() -> str:
    """One course in one ended period: the site's summary, modules, lessons, quizzes, scores and trends."""
    choice = _choice()
    threshold = current_app.config["SMALL_CELL_THRESHOLD"]
    report = _dashboard(choice.period, choice.lang, [choice.course] if choice.course else []) if choice.period else None

    def reason(why: Hidden) -> str:
        return hidden_text(why, threshold)

    charts = {}
    for course_report in report.courses if report else ():
        slug = course_report.course.slug
        charts["funnel"] = horizontal_bars(
            f"chart-{slug}-funnel", _("Reached and completed, per lesson"),
            _("Bar chart of the table below it: for each lesson, learners who reached it and who completed it."),
            [label for label, _r, _c in course_report.funnel_cells],
            [Series(pgettext("learners", "Reached"), [r for _l, r, _c in course_report.funnel_cells], "bar"),
             Series(pgettext("learners", "Completed"), [c for _l, _r, c in course_report.funnel_cells],
                    "bar bar--second")],
            reason)
        charts["months"] = horizontal_bars(
            f"chart-{slug}-months", _("Starts and completions per month"),
            _("Bar chart of the table below it: for each month, learners who started the course then, and how many "
              "of them completed it."),
            [period_name_from_key(key) for key, _s, _c in course_report.month_cells],
            [Series(pgettext("learners", "Started"), [s for _k, s, _c in course_report.month_cells], "bar"),
             Series(pgettext("learners", "Completed"), [c for _k, _s, c in course_report.month_cells],
                    "bar bar--second")],
            reason)
    return render_template("staff/dashboard.html", choice=choice, report=report, charts=charts, threshold=threshold,
                           render=lambda value: render_value(value, threshold), exports=EXPORTS,
                           definitions=definitions(threshold), period_name=period_name,
                           courses=current_catalogue().courses, languages=current_app.config["LANGUAGES"],
                           language_name=language_name, period_name_from_key=period_name_from_key,
                           labels=column_labels(),
                           query=_export_query(choice))


def period_name_from_key(key: str) -> str:
    period = parse_period(key, now_utc().date())
    return period_name(period) if period else key


def _export_query(choice: Choice) -> str:
    """The address part that gives an export the page's period and language."""
    parts = [f"period={choice.period.key}"] if choice.period else []
    if choice.lang:
        parts.append(f"lang={choice.lang}")
    return "&".join(parts)


@bp.get("/export/<table>.csv")
@login_required
@role_required(lambda role: role.sees_statistics)
def export(table: str) -> Response:
    """One table for every course as CSV, with exactly the protection of the page; the export is audited."""
    if table not in EXPORTS:
        abort(404)
    choice = _choice()
    if choice.period is None:
        abort(404)
    report = _dashboard(choice.period, choice.lang, [course.slug for course in current_catalogue().courses])
    text = to_csv(report.table(table, Labels(column_labels())), lambda value: csv_status(value, report.threshold),
                  csv_status_header)
    db = get_session()
    audit.record(db, signed_in().name, "export", f"{table} {choice.period.key} {choice.lang or 'all'}", now_utc())
    db.commit()
    name = f"course-{table}-{choice.period.key}{'-' + choice.lang if choice.lang else ''}.csv"
    return csv_response(text, name)


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
