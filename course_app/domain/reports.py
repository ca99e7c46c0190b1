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
from ..questions import Question
from ..models import AnswerTally
from . import statistics
from .progress import ANSWERED, CORRECT
from .suppression import PROTECTING, SUPPRESSED, Cell, based_on_enough, protect_count, protect_group, protect_pair, protect_series, rate

HARD_BELOW = 0.4
EASY_ABOVE = 0.95


@dataclass(frozen=True)
class Percent:
    value: float | None  # 0..1, None when not published


@dataclass(frozen=True)
class Decimal:
    value: float | None


Value = str | Cell | Percent | Decimal | date


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
    funnel: Table
    quizzes: Table
    trend: Table
    funnel_cells: tuple[tuple[str, Cell, Cell], ...] = ()
    trend_cells: tuple[tuple[date, Cell, Cell], ...] = ()


@dataclass(frozen=True)
class Dashboard:
    filters: statistics.Filters
    threshold: int
    courses: tuple[CourseReport, ...]
    # The day "started" began to mean a learner's first action rather than a second page read.
    reading_change_day: date | None = None
    lang: str = "en"

    def table(self, key: str, labels: Labels) -> Table:
        """One table across every course (for CSV): each row starts with the course's title and slug."""
        attribute = {"courses": "summary", "lessons": "funnel", "quizzes": "quizzes", "weeks": "trend"}[key]
        tables = [getattr(report, attribute) for report in self.courses]
        if not tables:
            return Table(key, key, (labels("course"), labels("course slug")), ())
        rows = tuple((report.course.title(self.lang), report.course.slug, *row)
                     for report, table in zip(self.courses, tables, strict=True) for row in table.rows)
        slugs = tuple(slug for table in tables for slug in table.row_slugs)
        return Table(key, tables[0].caption, (labels("course"), labels("course slug"), *tables[0].columns), rows,
                     (False, False, *tables[0].numeric), slugs, tables[0].slug_column)


@dataclass(frozen=True)
class Labels:
    """Column names in the reader's language (the views pass translated texts)."""

    texts: dict[str, str] = field(default_factory=dict)

    def __call__(self, key: str) -> str:
        return self.texts.get(key, key)


def build_dashboard(session: Session, catalogue: Catalogue, filters: statistics.Filters, today: date,
                    threshold: int, lang: str, labels: Labels) -> Dashboard:
    """Every course's tables for the coordinators' page and exports."""
    reports = []
    for course in catalogue.courses:
        slugs = [lesson.slug for lesson in course.lessons]
        titles = {lesson.slug: text.title if (text := course.text_of(lesson, lang)) else lesson.slug
                  for lesson in course.lessons}
        figures = statistics.course_figures(session, course.slug, filters)
        started, completed = protect_pair(figures.started, figures.completed, threshold)
        median = based_on_enough(figures.median_lessons_done, figures.started, threshold) if started.published else None
        summary = Table("courses", labels("courses"), (
            labels("started"), labels("completed"), labels("completion rate"), labels("median lessons done")),
            ((started, completed, Percent(rate(completed, started)), Decimal(median)),), (True, True, True, True))

        funnel_rows, funnel_cells = [], []
        reads = statistics.lesson_reads(session, course.slug, filters)
        for figure in statistics.lesson_funnel(session, course.slug, slugs, filters):
            reached, done = protect_pair(figure.reached, figure.completed, threshold)
            read = protect_count(reads.get(figure.lesson_slug, 0), threshold)
            funnel_rows.append((titles[figure.lesson_slug], read, reached, done, Percent(rate(done, reached))))
            funnel_cells.append((titles[figure.lesson_slug], reached, done))
        funnel = Table("lessons", labels("lessons"), (labels("lesson"), labels("reads"), labels("reached"),
                                                       labels("completed"), labels("completed of reached")),
                       tuple(funnel_rows), (False, True, True, True, True), tuple(slugs), labels("lesson slug"))

        quiz_rows = []
        with_quiz = [lesson.slug for lesson in course.lessons if any(t.quiz for t in lesson.texts.values())]
        for quiz_figure in statistics.quiz_figures(session, course.slug, with_quiz, filters):
            learners, passed = protect_pair(quiz_figure.learners, quiz_figure.passed, threshold)
            # Attempts are not people, but with a small number of learners they would describe them.
            attempts = (protect_count(quiz_figure.attempts, threshold) if learners.published
                        else SUPPRESSED if quiz_figure.attempts < threshold else PROTECTING)
            # The mean of best scores could give a hidden pass count back (all-or-nothing scores): it is
            # shown only when the passes are.
            mean = (based_on_enough(quiz_figure.mean_best_score, quiz_figure.learners, threshold)
                    if passed.published else None)
            quiz_rows.append((titles[quiz_figure.lesson_slug], learners, attempts, passed,
                              Percent(rate(passed, learners)), Decimal(mean)))
        quizzes = Table("quizzes", labels("quizzes"), (labels("quiz of lesson"), labels("learners"), labels("attempts"),
                                                        labels("passed"), labels("pass rate"),
                                                        labels("mean best score")),
                        tuple(quiz_rows), (False, True, True, True, True, True), tuple(with_quiz),
                        labels("lesson slug"))

        weeks = statistics.weekly_trend(session, course.slug, today, filters.lang)
        starts = protect_series([week.started for week in weeks], threshold)
        completions = protect_series([week.completed for week in weeks], threshold)
        trend_cells = tuple(zip([week.week_start for week in weeks], starts, completions, strict=True))
        trend = Table("weeks", labels("weeks"), (labels("week from"), labels("started"), labels("completed")),
                      tuple((monday, s, c) for monday, s, c in trend_cells), (False, True, True))
        reports.append(CourseReport(course, summary, funnel, quizzes, trend, tuple(funnel_cells), trend_cells))
    return Dashboard(filters, threshold, tuple(reports), statistics.reading_change_day(session), lang)


# -- educators' question insights -----------------------------------------------------------

@dataclass(frozen=True)
class WrongAnswer:
    label: str
    count: Cell


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
    statement = select(AnswerTally.lesson_slug, AnswerTally.question_id, AnswerTally.answer_key, AnswerTally.count
                       ).where(AnswerTally.course_slug == course.slug)
    if lang_filter:
        statement = statement.where(AnswerTally.lang == lang_filter)
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for lesson_slug, question_id, key, count in session.execute(statement):
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
            questions.append(_question_insight(question, bucket, threshold, labels))
        insights.append(QuizInsight(course, lesson.slug, text.title if text else lesson.slug, tuple(questions)))
    return insights


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
    wrong_answers = tuple(WrongAnswer(question.kind.describe(question, key, labels), cell)
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
    if isinstance(value, Decimal):
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
