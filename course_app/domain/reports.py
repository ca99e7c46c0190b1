"""The coordinators' tables and the educators' question insights, with small cells protected.

Everything staff can see or export is built here, from aggregates only, and passes through
``suppression`` before it leaves: the HTML page and the CSV file show the same cells.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
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

    def table(self, key: str) -> Table:
        """One table across every course (for CSV): each row starts with the course."""
        attribute = {"courses": "summary", "lessons": "funnel", "quizzes": "quizzes", "weeks": "trend"}[key]
        tables = [getattr(report, attribute) for report in self.courses]
        if not tables:
            return Table(key, key, (), ())
        rows = tuple((report.course.slug, *row) for report, table in zip(self.courses, tables, strict=True)
                     for row in table.rows)
        return Table(key, tables[0].caption, ("course", *tables[0].columns), rows, (False, *tables[0].numeric))


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
                       tuple(funnel_rows), (False, True, True, True, True))

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
                        tuple(quiz_rows), (False, True, True, True, True, True))

        weeks = statistics.weekly_trend(session, course.slug, today, filters.lang)
        starts = protect_series([week.started for week in weeks], threshold)
        completions = protect_series([week.completed for week in weeks], threshold)
        trend_cells = tuple(zip([week.week_start for week in weeks], starts, completions, strict=True))
        trend = Table("weeks", labels("weeks"), (labels("week from"), labels("started"), labels("completed")),
                      tuple((monday, s, c) for monday, s, c in trend_cells), (False, True, True))
        reports.append(CourseReport(course, summary, funnel, quizzes, trend, tuple(funnel_cells), trend_cells))
    return Dashboard(filters, threshold, tuple(reports), statistics.reading_change_day(session))


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


# -- CSV -----------------------------------------------------------------------------------

def to_csv(table: Table, render: Callable[[Value], str]) -> str:
    """A table as CSV text, every value rendered exactly as on the page."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([_csv_safe(render(value)) for value in row])
    return buffer.getvalue()


def _csv_safe(text: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula (titles come from lesson files)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text

