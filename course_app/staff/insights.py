"""Educators' question insights: which questions learners find hard, from anonymous counters of ended periods.

Like every figure staff see, the insights come from the fixed cells of an ended week, month or
life (or, on a site that counted answers before they had a day, the period "until the upgrade"),
rounded by the same rule; the page shows one quiz at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import login_required

from ..content import current_catalogue
from ..content.model import Course
from ..content.status import translation_status
from ..db import get_session
from ..domain import audit
from ..domain.periods import Period, answers_dated_from, holds_answers
from ..domain.reports import (
    EASY_ABOVE,
    HARD_BELOW,
    QuizInsight,
    Table,
    insights_table,
    question_insights,
    to_csv,
    wrong_answers_table,
)
from ..i18n import get_locale
from .access import role_required, signed_in
from .blueprint import bp
from .dashboard import (
    chosen_language,
    chosen_period,
    csv_response,
    disclosure_rule,
    export_name,
    first_figures,
    fixed_now,
    grouped_periods,
)
from .formatting import (
    column_label,
    day_text,
    definitions,
    figure_label,
    figure_text,
    flag_text,
    legend,
    period_name,
    render_value,
    withheld_text,
)
from .forms import language_choices
from .session import now_utc


@dataclass(frozen=True)
class QuizChoice:
    """A quiz an educator may pick: its course, its lesson, and the lesson's title in the page's language."""

    course: Course
    lesson_slug: str
    title: str

    @property
    def key(self) -> str:
        return f"{self.course.slug}/{self.lesson_slug}"


@dataclass(frozen=True)
class InsightChoice:
    period: Period | None
    lang: str | None
    quiz: QuizChoice | None
    periods: tuple[Period, ...]
    quizzes: tuple[QuizChoice, ...]


def _courses() -> list[Course]:
    """The courses this staff member may see."""
    allowed = signed_in().course_slugs()
    return [course for course in current_catalogue().courses if allowed is None or course.slug in allowed]


def _choice() -> InsightChoice:
    """The period, language and quiz from the address; 404 for anything else."""
    dated_from = answers_dated_from(get_session())
    offered = tuple(period for period in fixed_now() if holds_answers(period, dated_from))
    default = next((one for one in offered if one.kind == "month"), offered[0] if offered else None)
    period = chosen_period(offered, default)
    lang = chosen_language()
    page_lang = get_locale()
    quizzes = tuple(QuizChoice(course, lesson.slug, text.title if (text := course.text_of(lesson, page_lang))
                               else lesson.slug)
                    for course in _courses() for lesson in course.lessons if course.quiz_of(lesson, page_lang))
    key = request.args.get("quiz")
    quiz = next((one for one in quizzes if one.key == key), None) if key else (quizzes[0] if quizzes else None)
    if key and quiz is None:
        abort(404)
    return InsightChoice(period, lang, quiz, offered, quizzes)


def _labels() -> dict[str, str]:
    return {"true": _("True"), "false": _("False")}


@bp.get("/insights")
@login_required
@role_required(lambda role: role.sees_insights)
def insights() -> str:
    """One quiz's questions in one ended period: answered, share right, the wrong answers given."""
    choice = _choice()
    rule = disclosure_rule()
    quiz: QuizInsight | None = None
    if choice.period is not None and choice.quiz is not None:
        found = question_insights(get_session(), choice.quiz.course, get_locale(), rule, choice.period, choice.lang,
                                  _labels(), [choice.quiz.lesson_slug])
        quiz = found[0] if found else None
    return render_template("staff/insights.html", choice=choice, quiz=quiz, legend=legend(rule.base, totals=False),
                           text=lambda value: figure_text(value, rule.base), definitions=definitions(),
                           figure_label=figure_label, day_text=day_text,
                           period_groups=grouped_periods(choice.periods), period_name=period_name,
                           languages=language_choices(), flag_text=flag_text, hard_percent=HARD_BELOW,
                           easy_percent=EASY_ABOVE, first_figures=None if choice.period else first_figures(),
                           query=_export_query(choice))


def _export_query(choice: InsightChoice) -> str:
    parts = [f"period={choice.period.key}"] if choice.period else []
    if choice.lang:
        parts.append(f"lang={choice.lang}")
    return "&".join(parts)


def _every_quiz(choice: InsightChoice) -> list[QuizInsight]:
    """The insights of every quiz this member may see, in the chosen period and language."""
    assert choice.period is not None
    return [quiz for course in _courses()
            for quiz in question_insights(get_session(), course, get_locale(), disclosure_rule(), choice.period,
                                          choice.lang, _labels())]


@bp.get("/insights/export.csv")
@login_required
@role_required(lambda role: role.sees_insights)
def insights_export() -> Response:
    """Every question of the member's courses in the period as CSV, as the page shows it; the export is audited."""
    return _export("question-insights", lambda quizzes: insights_table(quizzes, get_locale(), flag_text))


@bp.get("/insights/wrong-answers.csv")
@login_required
@role_required(lambda role: role.sees_insights)
def wrong_answers_export() -> Response:
    """Every wrong answer given in the period, one row per question and answer; the export is audited."""
    return _export("wrong-answers", lambda quizzes: wrong_answers_table(quizzes, get_locale()))


def _export(name: str, build: Callable[[list[QuizInsight]], Table]) -> Response:
    """One insights table of every quiz the member may see, in the chosen period and language, as CSV."""
    choice = _choice()
    if choice.period is None:
        abort(404)
    base = disclosure_rule().base
    text = to_csv(build(_every_quiz(choice)), column_label, lambda value: withheld_text(value, base),
                  lambda value: render_value(value, base))
    db = get_session()
    audit.record(db, signed_in().name, "export", f"{name} {choice.period.key} {choice.lang or 'all'}", now_utc())
    db.commit()
    return csv_response(text, export_name(name, choice.period, choice.lang))


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
