"""Educators' question insights: which questions learners find hard, from anonymous counters."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import gettext as _

from ..content import current_catalogue
from ..content.status import translation_status
from ..db import get_session
from ..domain.reports import question_insights
from ..i18n import get_locale
from . import bp
from .access import signed_in, staff_required
from .forms import language_choices


@bp.get("/insights")
@staff_required(lambda role: role.sees_insights)
def insights() -> str:
    """Per quiz question of the educator's courses: answered, share right, common wrong answers."""
    member = signed_in()
    allowed = member.course_slugs()
    lang_filter = request.args.get("lang") if request.args.get("lang") in current_app.config["LANGUAGES"] else None
    threshold = current_app.config["SMALL_CELL_THRESHOLD"]
    courses = [course for course in current_catalogue().courses if allowed is None or course.slug in allowed]
    labels = {"true": _("True"), "false": _("False")}
    reports = [(course, question_insights(get_session(), course, get_locale(), threshold, lang_filter, labels))
               for course in courses]
    return render_template("staff/insights.html", reports=reports, threshold=threshold, lang_filter=lang_filter or "",
                           languages=language_choices())


@bp.get("/translations")
@staff_required(lambda role: role.sees_insights)
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
