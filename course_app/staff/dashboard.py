"""The coordinators' dashboard and its CSV exports: aggregates only, small cells protected."""

from __future__ import annotations

from datetime import timedelta

from flask import Response, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import pgettext

from ..content import current_catalogue
from ..db import get_session
from ..domain import audit
from ..domain.reports import Dashboard, Labels, build_dashboard, to_csv
from ..domain.statistics import Filters
from ..domain.suppression import Hidden
from ..i18n import get_locale
from . import bp
from .access import signed_in, staff_required
from .charts import Series, horizontal_bars
from .forms import FilterForm, language_choices
from .formatting import column_labels, csv_status, csv_status_header, hidden_text, render_value
from .session import now_utc

DEFAULT_DAYS = 90
EXPORTS = ("courses", "lessons", "quizzes", "weeks")


def _filters() -> tuple[FilterForm, Filters]:
    """The filters from the address; bad values fall back to the last 90 days, with the form's errors shown."""
    form = FilterForm(request.args)
    form.lang.choices = language_choices()
    today = now_utc().date()
    if not form.validate():
        form.start.data = form.start.data if not form.start.errors else None
    start = form.start.data or today - timedelta(days=DEFAULT_DAYS)
    end = form.end.data if form.end.data and not form.end.errors else today
    if end < start:
        start, end = end, start
    lang = form.lang.data if form.lang.data in current_app.config["LANGUAGES"] else None
    return form, Filters(start, end, lang)


def _dashboard(filters: Filters) -> Dashboard:
    return build_dashboard(get_session(), current_catalogue(), filters, now_utc().date(),
                           current_app.config["SMALL_CELL_THRESHOLD"], get_locale(), Labels(column_labels()))


@bp.get("/")
@staff_required(lambda role: role.sees_statistics)
def dashboard() -> str:
    """Per course: starts, completions, where learners stop, quizzes, and the weekly trend."""
    form, filters = _filters()
    report = _dashboard(filters)
    threshold = report.threshold
    def suppressed(reason: Hidden) -> str:
        return hidden_text(reason, threshold)

    charts = {}
    for course_report in report.courses:
        slug = course_report.course.slug
        charts[f"{slug}-funnel"] = horizontal_bars(
            f"chart-{slug}-funnel", _("Reached and completed, per lesson"),
            _("Bar chart of the table beside it: for each lesson, learners who reached it and who completed it."),
            [label for label, _r, _c in course_report.funnel_cells],
            [Series(pgettext("learners", "Reached"), [r for _l, r, _c in course_report.funnel_cells], "bar"),
             Series(pgettext("learners", "Completed"), [c for _l, _r, c in course_report.funnel_cells], "bar bar--second")],
            suppressed)
        charts[f"{slug}-trend"] = horizontal_bars(
            f"chart-{slug}-trend", _("Starts and completions per week"),
            _("Bar chart of the table beside it: for each of the last 12 weeks, courses started and completed."),
            [monday.isoformat() for monday, _s, _c in course_report.trend_cells],
            [Series(pgettext("learners", "Started"), [s for _m, s, _c in course_report.trend_cells], "bar"),
             Series(pgettext("learners", "Completed"), [c for _m, _s, c in course_report.trend_cells], "bar bar--second")],
            suppressed)
    return render_template("staff/dashboard.html", form=form, filters=filters, report=report, charts=charts,
                           threshold=threshold,
                           render=lambda value: render_value(value, threshold), exports=EXPORTS,
                           query=request.query_string.decode())


@bp.get("/export/<table>.csv")
@staff_required(lambda role: role.sees_statistics)
def export(table: str) -> Response:
    """One table for every course as CSV, with exactly the protection of the page; the export is audited."""
    if table not in EXPORTS:
        abort(404)
    _form, filters = _filters()
    report = _dashboard(filters)
    text = to_csv(report.table(table, Labels(column_labels())), lambda value: csv_status(value, report.threshold),
                  csv_status_header)
    db = get_session()
    audit.record(db, signed_in().name, "export", f"{table} {filters.start}..{filters.end} {filters.lang or 'all'}",
                 now_utc())
    db.commit()
    name = f"course-{table}-{filters.start}-{filters.end}{'-' + filters.lang if filters.lang else ''}.csv"
    return csv_response(text, name)


def csv_response(text: str, name: str) -> Response:
    """A CSV file to download, UTF-8 (with the BOM the text starts with)."""
    return Response(text.encode("utf-8"), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/audit")
@staff_required(lambda role: role.value == "admin")
def audit_log() -> str:
    """Recent staff sign-ins and exports (admins only)."""
    return render_template("staff/audit.html", events=audit.recent(get_session()))
