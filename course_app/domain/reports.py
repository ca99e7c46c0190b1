"""The coordinators' tables and the educators' question insights, from fixed figures, published by one rule.

Everything staff can see or export is built here from the fixed cells of an ended period: each
value is a figure of the registry (``figures``) published by ``disclosure.DisclosureRule.publish``,
so the HTML page, its charts and the CSV files show the same values, rounded the same way.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from ..content.model import Catalogue, Course
from ..questions import Question
from . import periods, statistics
from .disclosure import DisclosureRule, Kind, Published
from .figures import BAND_FIGURES, MOST, Level, figure

HARD_BELOW = 40   # percent answered right, below which a question looks too hard
EASY_ABOVE = 95   # and above which it looks too easy

Value = str | Published | periods.Period


@dataclass(frozen=True)
class Column:
    """A column: a figure of the registry (``kind`` set), or a text column (``kind`` None) named by ``key``."""

    key: str
    kind: Kind | None = None


def figure_columns(*names: str) -> tuple[Column, ...]:
    return tuple(Column(name, figure(name).kind) for name in names)


@dataclass(frozen=True)
class Table:
    """A table as staff see it: columns and rows of published values."""

    key: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Value, ...], ...]
    # The slug of what each row is about (a lesson, a module, a question), for exports: spreadsheets join on it.
    row_slugs: tuple[str, ...] = ()
    slug_column: str = ""


class PublishedFigures:
    """The fixed cells of one period and language, published figure by figure by the rule."""

    def __init__(self, cells: periods.Cells, rule: DisclosureRule) -> None:
        self.cells, self.rule = cells, rule

    def true_value(self, name: str, course: str, item: str = "", question: str = "", answer: str = "") -> int:
        """A stored figure's true value at a place (``name.most``: a total's largest part, else the value)."""
        base = name.removesuffix(MOST)
        level = figure(base).level
        if level is Level.SITE:
            course = ""
        if level in (Level.SITE, Level.COURSE):
            item = ""
        if level not in (Level.QUESTION, Level.ANSWER):
            question = ""
        if level is not Level.ANSWER:
            answer = ""
        if name != base:
            found = self.cells.get((course, name, item, question, answer))
            if found is not None:
                return found
        return self.cells.get((course, base, item, question, answer), 0)

    def at(self, name: str, course: str, item: str = "", question: str = "", answer: str = "") -> Published:
        """A figure at a place (a course "" is the site), as staff may see it."""
        return self.rule.publish(figure(name), lambda other: self.true_value(other, course, item, question, answer))


# -- the coordinators' dashboard -------------------------------------------------------------------------

SUMMARY = ("started", "completed", "completion_rate", "median_lessons")
SITE_SUMMARY = ("active", "started", "completed", "pass_rate")
MODULE_FIGURES = ("reads", "reached", "done", "done_share")
LESSON_FIGURES = ("reads", "reached", "done", "done_share", "cohort_reached", "starters_share")
QUIZ_FIGURES = ("learners", "attempts", "passed", "pass_rate", "mean_score")
SCORE_FIGURES = ("learners", *BAND_FIGURES)
TREND_FIGURES = ("started", "completed")
DASHBOARD_STORED = ("active", "started", "completed", "median_lessons", "reads", "reached", "done", "cohort_reached",
                    "learners", "attempts", "passed", "mean_score", *BAND_FIGURES)


@dataclass(frozen=True)
class CourseReport:
    course: Course
    summary: Table
    modules: Table
    funnel: Table
    quizzes: Table
    scores: Table
    months: Table
    weeks: Table


@dataclass(frozen=True)
class Dashboard:
    period: periods.Period
    lang: str | None
    rule: DisclosureRule
    site: tuple[tuple[str, Published], ...]   # (figure name, value): every course together, every language
    courses: tuple[CourseReport, ...]
    # The day "started" began to mean a learner's first action rather than a second page read, when the
    # period holds days before it on a site that had learners then; else None.
    reading_change_day: date | None = None
    page_lang: str = "en"

    def table(self, key: str) -> Table:
        """One table across every course (for CSV): each row starts with the course's title and slug."""
        tables = [getattr(report, key) for report in self.courses]
        course_columns = (Column("course"), Column("course slug"))
        if not tables:
            return Table(key, course_columns, ())
        rows = tuple((report.course.title(self.page_lang), report.course.slug, *row)
                     for report, table in zip(self.courses, tables, strict=True) for row in table.rows)
        slugs = tuple(slug for table in tables for slug in table.row_slugs)
        return Table(key, course_columns + tables[0].columns, rows, slugs, tables[0].slug_column)


EXPORTS = ("summary", "modules", "funnel", "quizzes", "scores", "months", "weeks")


def build_dashboard(session: Session, catalogue: Catalogue, period: periods.Period, lang: str | None,
                    course_slugs: Sequence[str], rule: DisclosureRule, page_lang: str,
                    whole_course: str) -> Dashboard:
    """The tables of some courses for one fixed period and language (None: all), and the site's summary."""
    chosen = [course for course in catalogue.courses if course.slug in course_slugs]
    cells = PublishedFigures(periods.period_cells(session, period, [course.slug for course in chosen],
                                                  lang or periods.ALL, DASHBOARD_STORED), rule)
    site_cells = cells if lang is None else PublishedFigures(
        periods.period_cells(session, period, [], periods.ALL, DASHBOARD_STORED), rule)
    site = tuple((name, site_cells.at(name, periods.ALL)) for name in SITE_SUMMARY)
    reports = [_course_report(session, course, period, lang, cells, page_lang, whole_course) for course in chosen]
    return Dashboard(period, lang, rule, site, tuple(reports), _reading_change(session), page_lang)


def _reading_change(session: Session) -> date | None:
    """The day reading stopped creating learners, on a site whose first week with figures ended before it (a new
    site never knew the old meaning of "started", so it is told nothing about it)."""
    changed = statistics.reading_change_day(session)
    first = periods.first_fixed_week(session)
    return changed if changed is not None and first is not None and first.end < changed else None


def _course_report(session: Session, course: Course, period: periods.Period, lang: str | None,
                   cells: PublishedFigures, page_lang: str, whole_course: str) -> CourseReport:
    c = course.slug
    titles = {lesson.slug: text.title if (text := course.text_of(lesson, page_lang)) else lesson.slug
              for lesson in course.lessons}
    summary = Table("summary", figure_columns(*SUMMARY), (tuple(cells.at(name, c) for name in SUMMARY),))
    module_rows: list[tuple[Value, ...]] = [
        (module.titles.get(page_lang) or next(iter(module.titles.values()), f"{module.number}"),
         *(cells.at(name, c, f"m:{module.number}") for name in MODULE_FIGURES)) for module in course.modules]
    module_rows.append((whole_course, *(cells.at(name, c, periods.COURSE) for name in MODULE_FIGURES)))
    modules = Table("modules", (Column("module"), *figure_columns(*MODULE_FIGURES)), tuple(module_rows),
                    tuple(f"m:{module.number}" for module in course.modules) + (periods.COURSE,), "module slug")
    funnel = Table("funnel", (Column("lesson"), *figure_columns(*LESSON_FIGURES)),
                   tuple((titles[lesson.slug], *(cells.at(name, c, lesson.slug) for name in LESSON_FIGURES))
                         for lesson in course.lessons),
                   tuple(titles), "lesson slug")
    with_quiz = [lesson.slug for lesson in course.lessons if any(text.quiz for text in lesson.texts.values())]
    quizzes = Table("quizzes", (Column("quiz of lesson"), *figure_columns(*QUIZ_FIGURES)),
                    tuple((titles[slug], *(cells.at(name, c, slug) for name in QUIZ_FIGURES)) for slug in with_quiz),
                    tuple(with_quiz), "lesson slug")
    scores = Table("scores", (Column("quiz of lesson"), *figure_columns(*SCORE_FIGURES)),
                   tuple((titles[slug], *(cells.at(name, c, slug) for name in SCORE_FIGURES)) for slug in with_quiz),
                   tuple(with_quiz), "lesson slug")

    def trend(kind: str) -> Table:
        found = periods.trend_cells(session, kind, period.end, c, lang or periods.ALL, TREND_FIGURES)
        rows: list[tuple[Value, ...]] = []
        for one, values in found:
            of_period = PublishedFigures({(c, name, "", "", ""): value for name, value in values.items()}, cells.rule)
            rows.append((one, *(of_period.at(name, c) for name in TREND_FIGURES)))
        return Table(f"{kind}s", (Column(kind), *figure_columns(*TREND_FIGURES)), tuple(rows))

    return CourseReport(course, summary, modules, funnel, quizzes, scores, trend("month"), trend("week"))


# -- educators' question insights -------------------------------------------------------------------

INSIGHT_STORED = ("answered", "correct", "chosen")


@dataclass(frozen=True)
class WrongAnswer:
    label: str
    key: str
    count: Published


@dataclass(frozen=True)
class QuestionInsight:
    question: Question
    answered: Published
    correct: Published
    right: Published                       # the share answered right, when 23 or more answered
    wrong_answers: tuple[WrongAnswer, ...]  # every wrong answer given, most chosen first (as published)

    @property
    def flag(self) -> str | None:
        """'hard' or 'easy' when the share answered right (as published) suggests the question needs a look."""
        if self.right.value is None:
            return None
        if self.right.value < HARD_BELOW:
            return "hard"
        if self.right.value > EASY_ABOVE:
            return "easy"
        return None

    @property
    def most_chosen(self) -> tuple[WrongAnswer, ...]:
        """The three wrong answers given most often (by their published counts)."""
        return self.wrong_answers[:3]


@dataclass(frozen=True)
class QuizInsight:
    course: Course
    lesson_slug: str
    lesson_title: str
    questions: tuple[QuestionInsight, ...]


def question_insights(session: Session, course: Course, page_lang: str, rule: DisclosureRule, period: periods.Period,
                      lang_filter: str | None, labels: Mapping[str, str],
                      lesson_slugs: Sequence[str] | None = None) -> list[QuizInsight]:
    """Per quiz question of a course (or of some of its lessons) in a fixed period: how many answered, the share
    right, and the wrong answers given, each published by the rule."""
    cells = PublishedFigures(periods.period_cells(session, period, [course.slug], lang_filter or periods.ALL,
                                                  INSIGHT_STORED), rule)
    chosen: dict[tuple[str, str], list[str]] = {}
    for course_slug, name, lesson_slug, question_id, answer_key in cells.cells:
        if course_slug == course.slug and name == "chosen":
            chosen.setdefault((lesson_slug, question_id), []).append(answer_key)
    insights = []
    for lesson in course.lessons:
        if lesson_slugs is not None and lesson.slug not in lesson_slugs:
            continue
        quiz, text = course.quiz_of(lesson, page_lang), course.text_of(lesson, page_lang)
        if quiz is None:
            continue
        questions = []
        for question in quiz.questions:
            right_keys = question.kind.right_keys(question)
            wrong = [WrongAnswer(question.kind.describe(question, key, labels), key,
                                 cells.at("chosen", course.slug, lesson.slug, question.id, key))
                     for key in chosen.get((lesson.slug, question.id), ()) if key not in right_keys]
            # Most chosen first as published (ties by the answer's text): the order shows nothing rounding hides.
            wrong.sort(key=lambda answer: (-_sort_value(answer.count), answer.label, answer.key))
            questions.append(QuestionInsight(question, cells.at("answered", course.slug, lesson.slug, question.id),
                                             cells.at("correct", course.slug, lesson.slug, question.id),
                                             cells.at("right_share", course.slug, lesson.slug, question.id),
                                             tuple(wrong)))
        insights.append(QuizInsight(course, lesson.slug, text.title if text else lesson.slug, tuple(questions)))
    return insights


def _sort_value(count: Published) -> float:
    """A published count for ordering: "fewer than 5" between 0 and the base."""
    return count.value if count.value is not None else 0.5


INSIGHT_FIGURES = ("answered", "correct", "right_share")


def insights_table(quizzes: Sequence[QuizInsight], lang: str, flag_text: Callable[[str | None], str]) -> Table:
    """The question insights of some courses as one table (for CSV): one row per question, as on the page."""
    rows: list[tuple[Value, ...]] = []
    slugs: list[str] = []
    for quiz in quizzes:
        for item in quiz.questions:
            rows.append((quiz.course.title(lang), quiz.course.slug, quiz.lesson_title, quiz.lesson_slug,
                         item.question.text, item.answered, item.correct, item.right, flag_text(item.flag)))
            slugs.append(item.question.id)
    columns = (Column("course"), Column("course slug"), Column("lesson"), Column("lesson slug"), Column("question"),
               *figure_columns(*INSIGHT_FIGURES), Column("flag"))
    return Table("insights", columns, tuple(rows), tuple(slugs), "question id")


def wrong_answers_table(quizzes: Sequence[QuizInsight], lang: str) -> Table:
    """Every wrong answer given, one row per question and answer, with how many gave it (for CSV)."""
    rows: list[tuple[Value, ...]] = []
    for quiz in quizzes:
        for item in quiz.questions:
            for answer in item.wrong_answers:
                rows.append((quiz.course.title(lang), quiz.course.slug, quiz.lesson_title, quiz.lesson_slug,
                             item.question.text, item.question.id, answer.label, answer.key, answer.count))
    columns = (Column("course"), Column("course slug"), Column("lesson"), Column("lesson slug"), Column("question"),
               Column("question id"), Column("answer"), Column("answer key"), *figure_columns("chosen"))
    return Table("wrong-answers", columns, tuple(rows))


# -- CSV -----------------------------------------------------------------------------------

BOM = "\ufeff"  # spreadsheet programs read the file as UTF-8 (Cyrillic titles) only with it


def csv_number(value: Published) -> str:
    """A published number as a spreadsheet reads it: digits, a point for decimals (a rate in whole percent)."""
    assert value.value is not None
    if value.kind is Kind.MEAN or value.kind is Kind.MEDIAN:
        return f"{value.value:.1f}".removesuffix(".0")
    return str(int(value.value))


def to_csv(table: Table, header: Callable[[Column], str], words: Callable[[Published], str],
           text: Callable[[Value], str]) -> str:
    """A table as CSV for spreadsheets: the row's slug after its title; each figure as a number, or the words
    the page shows instead ("fewer than 5", "not shown …"); rates in percent, "(%)" in their header; a BOM first.

    :param header: a column's name in the reader's language.
    :param words: what a figure without a number says.
    :param text: a text value (a title, a period) as the page shows it.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    slug_after = _slug_position(table)
    names: list[str] = []
    for index, column in enumerate(table.columns):
        name = header(column)
        names.append(f"{name} (%)" if column.kind is Kind.RATE and not name.endswith("(%)") else name)
        if index == slug_after:
            names.append(header(Column(table.slug_column)))
    writer.writerow(names)
    for row_index, row in enumerate(table.rows):
        line: list[str] = []
        for index, value in enumerate(row):
            if isinstance(value, Published):
                line.append(csv_number(value) if value.value is not None else words(value))
            else:
                line.append(_csv_safe(text(value)))
            if index == slug_after:
                line.append(table.row_slugs[row_index])
        writer.writerow(line)
    return BOM + buffer.getvalue()


def _slug_position(table: Table) -> int | None:
    """The column after which each row's own slug goes: the last text column before the first figure."""
    if not table.row_slugs:
        return None
    first_figure = next((index for index, column in enumerate(table.columns) if column.kind is not None),
                        len(table.columns))
    return first_figure - 1


def _csv_safe(text: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula (titles come from lesson files)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
