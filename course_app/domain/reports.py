"""The coordinators' tables and the educators' question insights, with small cells protected.

Everything staff can see or export is built here, from aggregates only, and passes through
``suppression`` before it leaves: the HTML page and the CSV file show the same cells.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..content.model import Catalogue, Course
from ..models import AnswerTally
from ..questions import Question
from . import periods, statistics
from .progress import ANSWERED, CORRECT
from .suppression import (
    Cell,
    Hidden,
    protect_group,
    protect_pair,
    rate,
)

HARD_BELOW = 0.4
EASY_ABOVE = 0.95


@dataclass(frozen=True)
class Percent:
    value: float | None  # 0..1, None when not published


@dataclass(frozen=True)
class Average:
    value: float | None


Value = str | Cell | Percent | Average | date


@dataclass(frozen=True)
class Table:
    """A table as staff see it: column names and rows of already-protected values."""

    key: str
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Value, ...], ...]
    numeric: tuple[bool, ...] = ()
    # The slug of what each row is about (a lesson), for exports: spreadsheets join on it.
    row_slugs: tuple[str, ...] = ()
    slug_column: str = ""


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
    funnel_cells: tuple[tuple[str, Cell, Cell], ...] = ()
    month_cells: tuple[tuple[str, Cell, Cell], ...] = ()


@dataclass(frozen=True)
class SiteSummary:
    """The figures at the top of the page: every course together, every language."""

    courses: int
    active_month: str | None   # the month "active" counts (the last ended one), or None before any
    active: Cell
    started: Cell
    completed: Cell
    pass_rate: Percent


@dataclass(frozen=True)
class Dashboard:
    period: periods.Period
    lang: str | None
    threshold: int
    site: SiteSummary
    courses: tuple[CourseReport, ...]
    # The day "started" began to mean a learner's first action rather than a second page read.
    reading_change_day: date | None = None
    page_lang: str = "en"

    def table(self, key: str, labels: Labels) -> Table:
        """One table across every course (for CSV): each row starts with the course's title and slug."""
        tables = [getattr(report, key) for report in self.courses]
        if not tables:
            return Table(key, key, (labels("course"), labels("course slug")), ())
        rows = tuple((report.course.title(self.page_lang), report.course.slug, *row)
                     for report, table in zip(self.courses, tables, strict=True) for row in table.rows)
        slugs = tuple(slug for table in tables for slug in table.row_slugs)
        return Table(key, tables[0].caption, (labels("course"), labels("course slug"), *tables[0].columns), rows,
                     (False, False, *tables[0].numeric), slugs, tables[0].slug_column)


EXPORTS = ("summary", "modules", "funnel", "quizzes", "scores", "months", "weeks")


@dataclass(frozen=True)
class Labels:
    """Column names in the reader's language (the views pass translated texts)."""

    texts: dict[str, str] = field(default_factory=dict)

    def __call__(self, key: str) -> str:
        return self.texts.get(key, key)


NOT_COUNTED = Average(None)  # a cell the fixed period does not have (a lesson added after it ended)


class _Cells:
    """The fixed cells of one period and language, as protected values."""

    def __init__(self, found: Mapping[tuple[str, str, str], tuple[int, Hidden | None]], threshold: int) -> None:
        self.found, self.threshold = found, threshold

    def cell(self, course: str, figure: str, item: str) -> Cell:
        value, why = self.found.get((course, figure, item), (None, Hidden.PROTECTING))
        return Cell(value) if why is None else Cell(None, why)

    def raw(self, course: str, figure: str, item: str) -> int | None:
        found = self.found.get((course, figure, item))
        return found[0] if found else None


def build_dashboard(session: Session, catalogue: Catalogue, period: periods.Period, lang: str | None,
                    course_slugs: Sequence[str], threshold: int, page_lang: str, labels: Labels) -> Dashboard:
    """The tables of some courses for one fixed period and language (None: all), and the site's summary."""
    chosen = [course for course in catalogue.courses if course.slug in course_slugs]
    cells = _Cells(periods.period_cells(session, period, [course.slug for course in chosen], lang or periods.ALL),
                   threshold)
    site_cells = _Cells(periods.period_cells(session, period, [], periods.ALL), threshold)
    last_month = periods.latest_fixed(session, "month", period.end)
    active = (_Cells(periods.period_cells(session, last_month, [], periods.ALL), threshold).cell("", "active", "")
              if last_month else Cell(None, Hidden.PROTECTING))
    site_learners, site_passed = site_cells.cell("", "learners", ""), site_cells.cell("", "passed", "")
    site = SiteSummary(len(catalogue.courses), last_month.key if last_month else None, active,
                       site_cells.cell("", "started", ""), site_cells.cell("", "completed", ""),
                       Percent(rate(site_passed, site_learners)))
    reports = [_course_report(session, course, period, lang, cells, threshold, page_lang, labels) for course in chosen]
    return Dashboard(period, lang, threshold, site, tuple(reports), statistics.reading_change_day(session), page_lang)


def _course_report(session: Session, course: Course, period: periods.Period, lang: str | None, cells: _Cells,
                   threshold: int, page_lang: str, labels: Labels) -> CourseReport:
    c = course.slug
    titles = {lesson.slug: text.title if (text := course.text_of(lesson, page_lang)) else lesson.slug
              for lesson in course.lessons}
    started, completed = cells.cell(c, "started", ""), cells.cell(c, "completed", "")
    median10 = cells.raw(c, "median10", "")
    median = (median10 / 10 if median10 is not None and started.value is not None and started.value >= threshold
              else None)
    summary = Table("summary", labels("courses"), (
        labels("started"), labels("completed"), labels("completion rate"), labels("median lessons done")),
        ((started, completed, Percent(rate(completed, started)), Average(median)),), (True, True, True, True))

    def lesson_row(title: str, item: str, first_reached: Cell) -> tuple[Value, ...]:
        reached, done = cells.cell(c, "reached", item), cells.cell(c, "done", item)
        return (title, cells.cell(c, "reads", item), reached, Percent(rate(reached, first_reached)), done,
                Percent(rate(done, reached)))

    first = cells.cell(c, "reached", course.lessons[0].slug) if course.lessons else Cell(0)
    lesson_columns = (labels("reads"), labels("reached"), labels("share of starters"), labels("completed"),
                      labels("completed of reached"))
    def module_row(title: str, item: str) -> tuple[Value, ...]:
        # No share of starters: a module's figures add up its lessons, so one learner counts once per lesson.
        reached, done = cells.cell(c, "reached", item), cells.cell(c, "done", item)
        return (title, cells.cell(c, "reads", item), reached, done, Percent(rate(done, reached)))

    module_rows = [module_row(module.titles.get(page_lang) or next(iter(module.titles.values()), f"{module.number}"),
                              f"m:{module.number}") for module in course.modules]
    module_rows.append(module_row(labels("whole course"), periods.COURSE))
    modules = Table("modules", labels("modules"), (labels("module"), labels("reads"), labels("reached"),
                                                    labels("completed"), labels("completed of reached")),
                    tuple(module_rows), (False, True, True, True, True),
                    tuple(f"m:{module.number}" for module in course.modules) + (periods.COURSE,), labels("module slug"))
    funnel_rows = [lesson_row(titles[lesson.slug], lesson.slug, first) for lesson in course.lessons]
    funnel = Table("funnel", labels("lessons"), (labels("lesson"), *lesson_columns), tuple(funnel_rows),
                   (False, True, True, True, True, True), tuple(titles), labels("lesson slug"))
    funnel_cells = tuple((titles[lesson.slug], cells.cell(c, "reached", lesson.slug),
                          cells.cell(c, "done", lesson.slug))
                         for lesson in course.lessons)

    with_quiz = [lesson.slug for lesson in course.lessons if any(t.quiz for t in lesson.texts.values())]
    quiz_rows: list[tuple[Value, ...]] = []
    score_rows: list[tuple[Value, ...]] = []
    for slug in with_quiz:
        learners, passed = cells.cell(c, "learners", slug), cells.cell(c, "passed", slug)
        attempts = cells.cell(c, "attempts", slug)
        if not learners.published and attempts.published:
            attempts = Cell(None, Hidden.SMALL if (attempts.value or 0) < threshold else Hidden.PROTECTING)
        score_sum = cells.raw(c, "score_sum", slug)
        mean = (score_sum / learners.value if passed.published and learners.value and learners.value >= threshold
                and score_sum is not None else None)
        quiz_rows.append((titles[slug], learners, attempts, passed, Percent(rate(passed, learners)), Average(mean)))
        score_rows.append((titles[slug], learners, *(cells.cell(c, f"band{index}", slug)
                                                      for index in range(len(periods.BANDS)))))
    quizzes = Table("quizzes", labels("quizzes"), (labels("quiz of lesson"), labels("learners"), labels("attempts"),
                                                    labels("passed"), labels("pass rate"), labels("mean best score")),
                    tuple(quiz_rows), (False, True, True, True, True, True), tuple(with_quiz), labels("lesson slug"))
    scores = Table("scores", labels("best scores"), (labels("quiz of lesson"), labels("learners"),
                                                      *(f"{low}–{high} %" for low, high in periods.BANDS)),
                   tuple(score_rows), (False, True, *(True,) * len(periods.BANDS)), tuple(with_quiz),
                   labels("lesson slug"))

    def trend(kind: str, key: str, caption: str, first_column: str) -> tuple[Table, tuple[tuple[str, Cell, Cell], ...]]:
        found = periods.trend_cells(session, kind, period.end, c, lang or periods.ALL)
        rows = tuple((one.key, _stored(started_), _stored(completed_)) for one, started_, completed_ in found)
        return (Table(key, caption, (first_column, labels("started"), labels("completed")), rows, (False, True, True)),
                rows)

    months, month_cells = trend("month", "months", labels("months"), labels("month"))
    weeks, _ = trend("week", "weeks", labels("weeks"), labels("week"))
    return CourseReport(course, summary, modules, funnel, quizzes, scores, months, weeks, funnel_cells, month_cells)


def _stored(found: tuple[int, Hidden | None] | None) -> Cell:
    if found is None:
        return Cell(None, Hidden.PROTECTING)
    value, why = found
    return Cell(value) if why is None else Cell(None, why)


# -- educators' question insights -----------------------------------------------------------

@dataclass(frozen=True)
class WrongAnswer:
    label: str
    count: Cell
    key: str = ""


@dataclass(frozen=True)
class QuestionInsight:
    question: Question
    answered: Cell
    correct_share: float | None
    wrong_answers: tuple[WrongAnswer, ...]

    @property
    def flag(self) -> str | None:
        """'hard' or 'easy' when the share answered correctly suggests the question needs a look."""
        if self.correct_share is None:
            return None
        if self.correct_share < HARD_BELOW:
            return "hard"
        if self.correct_share > EASY_ABOVE:
            return "easy"
        return None


@dataclass(frozen=True)
class QuizInsight:
    course: Course
    lesson_slug: str
    lesson_title: str
    questions: tuple[QuestionInsight, ...]


def question_insights(session: Session, course: Course, lang: str, threshold: int, lang_filter: str | None,
                      labels: Mapping[str, str]) -> list[QuizInsight]:
    """Per quiz question: how many answered, the share right, and the most common wrong answers."""
    statement = select(AnswerTally.lesson_slug, AnswerTally.question_id, AnswerTally.answer_key, AnswerTally.lang,
                       AnswerTally.count).where(AnswerTally.course_slug == course.slug)
    counts: dict[tuple[str, str], dict[str, int]] = {}
    every: dict[tuple[str, str], dict[str, int]] = {}
    for lesson_slug, question_id, key, answer_lang, count in session.execute(statement):
        bucket = every.setdefault((lesson_slug, question_id), {})
        bucket[key] = bucket.get(key, 0) + count
        if lang_filter is None or answer_lang == lang_filter:
            bucket = counts.setdefault((lesson_slug, question_id), {})
            bucket[key] = bucket.get(key, 0) + count
    insights = []
    for lesson in course.lessons:
        quiz, text = course.quiz_of(lesson, lang), course.text_of(lesson, lang)
        if quiz is None:
            continue
        questions = []
        for question in quiz.questions:
            bucket = counts.get((lesson.slug, question.id), {})
            insight = _question_insight(question, bucket, threshold, labels)
            if lang_filter:
                insight = _with_complement(insight, bucket, every.get((lesson.slug, question.id), {}), threshold)
            questions.append(insight)
        insights.append(QuizInsight(course, lesson.slug, text.title if text else lesson.slug, tuple(questions)))
    return insights


def _with_complement(insight: QuestionInsight, bucket: Mapping[str, int], every: Mapping[str, int],
                     threshold: int) -> QuestionInsight:
    """One language's insight, less what the other languages' small counts would give away: the
    page for all languages minus this one must not show a count of 1 to 4."""

    def small_complement(key: str) -> bool:
        return 0 < every.get(key, 0) - bucket.get(key, 0) < threshold

    if small_complement(ANSWERED) and insight.answered.published and insight.answered.value:
        return QuestionInsight(insight.question, Cell(None, Hidden.PROTECTING), None, ())
    share = None if small_complement(CORRECT) else insight.correct_share
    question = insight.question
    kept = tuple(answer for answer in insight.wrong_answers if not small_complement(f"a:{answer.key}"))
    return QuestionInsight(question, insight.answered, share, kept)


def _question_insight(question: Question, bucket: dict[str, int], threshold: int,
                      labels: Mapping[str, str]) -> QuestionInsight:
    answered = bucket.get(ANSWERED, 0)
    correct = bucket.get(CORRECT, 0)
    answers = {key[2:]: count for key, count in bucket.items() if key.startswith("a:")}
    right_keys = question.kind.right_keys(question)
    wrong = sorted(((key, count) for key, count in answers.items() if key not in right_keys),
                   key=lambda item: (-item[1], item[0]))
    answered_cell, correct_cell = protect_pair(answered, correct, threshold)
    if question.kind.one_answer_each:
        # Every learner gave exactly one answer: the answers add up to the total, protect them together.
        parts = [correct, *(count for _, count in wrong)]
        _, cells = protect_group(answered, parts, threshold, hidden_remainder=True)
        correct_cell = cells[0] if correct_cell.published else correct_cell
        wrong_cells = cells[1:]
    else:
        wrong_cells = [protect_pair(answered, count, threshold)[1] for _, count in wrong]
    wrong_answers = tuple(WrongAnswer(question.kind.describe(question, key, labels), cell, key)
                          for (key, _), cell in zip(wrong, wrong_cells, strict=True) if cell.published)[:3]
    return QuestionInsight(question, answered_cell, rate(correct_cell, answered_cell), wrong_answers)


def insights_table(quizzes: Sequence[QuizInsight], lang: str, labels: Labels) -> Table:
    """The question insights of some courses as one table (for CSV), with the same protected cells."""
    rows: list[tuple[Value, ...]] = []
    slugs: list[str] = []
    for quiz in quizzes:
        for item in quiz.questions:
            flag = {"hard": labels("looks too hard"), "easy": labels("looks too easy")}.get(item.flag or "", "")
            wrong = "; ".join(f"{answer.label} ({answer.count.value})" for answer in item.wrong_answers)
            rows.append((quiz.course.title(lang), quiz.course.slug, quiz.lesson_title, quiz.lesson_slug,
                         item.question.text, item.answered, Percent(item.correct_share), flag, wrong))
            slugs.append(item.question.id)
    columns = (labels("course"), labels("course slug"), labels("lesson"), labels("lesson slug"), labels("question"),
               labels("answered"), labels("right"), labels("flag"), labels("most chosen wrong answers"))
    return Table("insights", labels("question insights"), columns, tuple(rows),
                 (False, False, False, False, False, True, True, False, False), tuple(slugs), labels("question id"))


# -- CSV -----------------------------------------------------------------------------------

BOM = "\ufeff"  # spreadsheet programs read the file as UTF-8 (Cyrillic titles) only with it


def csv_number(value: Value) -> str:
    """A value as a spreadsheet reads a number: digits only, a point for decimals, empty when hidden."""
    if isinstance(value, Cell):
        return "" if value.value is None else str(value.value)
    if isinstance(value, Percent):
        return "" if value.value is None else f"{value.value * 100:.1f}".removesuffix(".0")
    if isinstance(value, Average):
        return "" if value.value is None else f"{value.value:.1f}".removesuffix(".0")
    if isinstance(value, date):
        return value.isoformat()
    return _csv_safe(str(value))


def to_csv(table: Table, status_text: Callable[[Value], str], status_header: Callable[[str], str]) -> str:
    """A table as CSV for spreadsheets: numbers only in number columns, each followed by a status column
    that says why a cell is empty (the page's words); the row's slug after its title; a BOM first.

    :param status_text: what a value's status column says ("" when the value is shown).
    :param status_header: the header of the status column of a column.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    numeric = table.numeric or (False,) * len(table.columns)
    slug_after = _slug_position(table)
    percent = {index for row in table.rows for index, value in enumerate(row) if isinstance(value, Percent)}
    header: list[str] = []
    for index, (column, is_number) in enumerate(zip(table.columns, numeric, strict=True)):
        name = f"{column} (%)" if index in percent and not column.endswith("(%)") else column
        header.append(name)
        if is_number:
            header.append(status_header(name))
        if index == slug_after:
            header.append(table.slug_column)
    writer.writerow(header)
    for row_index, row in enumerate(table.rows):
        line: list[str] = []
        for index, (value, is_number) in enumerate(zip(row, numeric, strict=True)):
            line.append(csv_number(value))
            if is_number:
                line.append(status_text(value))
            if index == slug_after:
                line.append(table.row_slugs[row_index])
        writer.writerow(line)
    return BOM + buffer.getvalue()


def _slug_position(table: Table) -> int | None:
    """The column after which each row's own slug goes: the last text column before the first number."""
    if not table.row_slugs:
        return None
    numeric = table.numeric or (False,) * len(table.columns)
    return (numeric.index(True) if True in numeric else len(numeric)) - 1


def _csv_safe(text: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula (titles come from lesson files)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
