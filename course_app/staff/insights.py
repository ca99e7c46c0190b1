"""Educators' question insights: which questions learners find hard, from anonymous counters."""

from __future__ import annotations

from flask import Response, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import login_required

from ..content import current_catalogue
from ..content.model import Course
from ..content.status import translation_status
from ..db import get_session
from ..domain import audit
from ..domain.reports import EASY_ABOVE, HARD_BELOW, Labels, QuizInsight, insights_table, question_insights, to_csv
from ..i18n import get_locale
from .access import role_required, signed_in
from .blueprint import bp
from .dashboard import csv_response
from .formatting import column_labels, csv_status, csv_status_header
from .forms import language_choices
from .session import now_utc


def _insights() -> tuple[str | None, list[tuple[Course, list[QuizInsight]]]]:
    """The language asked for (None: all) and the insights of the courses this member may see."""
    allowed = signed_in().course_slugs()
    lang_filter = request.args.get("lang") if request.args.get("lang") in current_app.config["LANGUAGES"] else None
    threshold = current_app.config["SMALL_CELL_THRESHOLD"]
    courses = [course for course in current_catalogue().courses if allowed is None or course.slug in allowed]
    labels = {"true": _("True"), "false": _("False")}
    return lang_filter, [(course, question_insights(get_session(), course, get_locale(), threshold, lang_filter,
                                                    labels)) for course in courses]


@bp.get("/insights")
@login_required
@role_required(lambda role: role.sees_insights)
def insights() -> str:
    """Per quiz question of the educator's courses: answered, share right, common wrong answers."""
    lang_filter, reports = _insights()
    return render_template("staff/insights.html", reports=reports, threshold=current_app.config["SMALL_CELL_THRESHOLD"],
                           lang_filter=lang_filter or "", languages=language_choices(),
                           hard_percent=round(HARD_BELOW * 100), easy_percent=round(EASY_ABOVE * 100),
                           query=request.query_string.decode())


@bp.get("/insights/export.csv")
@login_required
@role_required(lambda role: role.sees_insights)
def insights_export() -> Response:
    """The question insights as CSV, with exactly the protection of the page; the export is audited."""
    lang_filter, reports = _insights()
    threshold = current_app.config["SMALL_CELL_THRESHOLD"]
    table = insights_table([quiz for _course, quizzes in reports for quiz in quizzes], get_locale(),
                           Labels(column_labels()))
    text = to_csv(table, lambda value: csv_status(value, threshold), csv_status_header)
    db = get_session()
    audit.record(db, signed_in().name, "export", f"insights {lang_filter or 'all'}", now_utc())
    db.commit()
    return csv_response(text, f"question-insights{'-' + lang_filter if lang_filter else ''}.csv")


@bp.get("/translations")
@login_required
@role_required(lambda role: role.sees_insights)
def translations() -> str:
    """Per course and language: lessons, quizzes and subtitles translated, stale or missing.

    Counted over the catalogue the site serves (drafts are not in it); the command
    ``course-app lessons status`` reads the files again and includes drafts.
    """
    catalogue = current_catalogue()
    allowed = signed_in().course_slugs()
    rows = [row for row in translation_status(catalogue) if allowed is None or row.course_slug in allowed]
    titles = {course.slug: course.title(get_locale()) for course in catalogue.courses}
    return render_template("staff/translations.html", rows=rows, titles=titles)
