"""The registry of figures: every number staff can see is declared here once.

A ``Figure`` has a name (how its cells are stored and how CSV and tests know it), its kind (count,
band, rate, mean, median: ``disclosure`` publishes each kind by its rule), the level it describes
(the site, a course, a lesson, a quiz, a quiz question, an answer to one), what it counts, in the
words the page shows beside it, and where its values come from: a **source** (one query over the
progress rows or the anonymous counters, which may give several figures at once) for stored
figures, or the stored figures it is computed from for rates.

Fixing an ended period (``periods.fix_closed_periods``) runs the sources of every stored figure;
the dashboard, its charts, question insights and every CSV export read figures by name from here
and publish them with ``disclosure.DisclosureRule.publish``. Adding a figure means adding it here,
translating its label and definition, and describing it in docs/statistics.md.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any

from flask_babel import lazy_gettext as _l

# Lazy, but named as the extractor knows it, so that "Started" of learners is told apart from a started course.
from flask_babel import lazy_pgettext as pgettext
from sqlalchemy import ColumnElement, Integer, case, cast, extract, func, literal, select, union_all
from sqlalchemy.orm import Session

from ..models import AnswerTally, CourseProgress, LessonProgress, LessonReadDay, QuizProgress
from .disclosure import MEDIAN_SCALE, Kind
from .progress import ANSWERED, CORRECT
from .statistics import median

BANDS = ((0, 49), (50, 79), (80, 100))  # best scores, in percent
ANSWER_PREFIX = "a:"  # an answer counter's key: "a:" and the answer given


class Level(Enum):
    """What one value of a figure describes, which decides the cell it is stored in."""

    SITE = "site"          # every course together
    COURSE = "course"
    LESSON = "lesson"      # also a module and the whole course, added up (totals)
    QUIZ = "quiz"          # a lesson's quiz; also every quiz of the course, added up
    QUESTION = "question"
    ANSWER = "answer"      # one answer given to a question


@dataclass(frozen=True)
class Figure:
    """One figure, declared once (see the module docstring)."""

    name: str
    kind: Kind
    level: Level
    label: object          # a lazy translated text: the column or card name
    counts: object         # a lazy translated text: what it counts, written beside it on the page
    source: str = ""       # the source that stores it ("" for rates, computed when published)
    numerator: str = ""    # rates: the stored counts they divide
    denominator: str = ""
    # How many people are behind a rate, mean or median, when the denominator is not itself that number: a
    # figure of people. "<figure>.most" reads, on a total (a module, a course's quizzes, the site) that counts
    # some people several times, the largest of its parts: the fewest people the total can hold.
    people: str = ""
    totals: bool = False   # lesson and quiz figures: also stored added up per module and for the whole course
    site_total: bool = False  # course figures (and quiz totals): also stored added up over every course
    of_people: bool = False   # counts people (not events): a total keeps the largest part as its fewest people


FIGURES: tuple[Figure, ...] = (
    Figure("active", Kind.COUNT, Level.SITE, _l("Learners active"),
           _l("People who did anything as a learner in the period (opened a lesson after their first action, "
              "completed one, tried a quiz), each counted once however many courses they follow."),
           source="active", of_people=True),
    Figure("started", Kind.COUNT, Level.COURSE, pgettext("learners", "Started"),
           _l("Learners whose first action in the course (a quiz answered, a lesson marked done, a code saved) "
              "falls in the period."), source="cohorts", site_total=True, of_people=True),
    Figure("completed", Kind.COUNT, Level.COURSE, pgettext("learners", "Completed"),
           _l("Of those, learners who have completed every lesson of the course (counted when the period's "
              "figures were fixed)."), source="cohorts", site_total=True, of_people=True),
    Figure("completion_rate", Kind.RATE, Level.COURSE, _l("Completion rate"), _l("Completed ÷ started."),
           numerator="completed", denominator="started"),
    Figure("median_lessons", Kind.MEDIAN, Level.COURSE, _l("Median lessons done"),
           _l("Half of those who started had done at most this many lessons."), source="medians",
           people="started"),
    Figure("reads", Kind.COUNT, Level.LESSON, _l("Reads"),
           _l("How many times the lesson page was opened in the period, by anyone; not a number of people."),
           source="reads", totals=True),
    Figure("reached", Kind.COUNT, Level.LESSON, pgettext("learners", "Reached"),
           _l("Learners who first opened the lesson in the period."), source="lessons", totals=True,
           of_people=True),
    Figure("done", Kind.COUNT, Level.LESSON, pgettext("learners", "Completed"),
           _l("Of those, learners who have completed the lesson (marked it done or passed its quiz), counted "
              "when the period's figures were fixed."), source="lessons", totals=True, of_people=True),
    Figure("done_share", Kind.RATE, Level.LESSON, _l("Completed of reached"),
           _l("Completed ÷ reached: a low figure shows where people stop."), numerator="done",
           denominator="reached", people="reached.most"),
    Figure("cohort_reached", Kind.COUNT, Level.LESSON, _l("Starters who reached it"),
           _l("Of the learners who started the course in the period, those who have reached this lesson "
              "(counted when the period's figures were fixed)."), source="cohort_lessons", of_people=True),
    Figure("starters_share", Kind.RATE, Level.LESSON, _l("Share of starters"),
           _l("Starters who reached it ÷ started: how far the period's starters get. Never above 100 %."),
           numerator="cohort_reached", denominator="started"),
    Figure("learners", Kind.COUNT, Level.QUIZ, _l("Learners"),
           _l("Learners whose first attempt at the quiz was in the period."), source="quizzes", totals=True,
           site_total=True, of_people=True),
    Figure("attempts", Kind.COUNT, Level.QUIZ, _l("Attempts"), _l("All their attempts, retries included."),
           source="quizzes", totals=True),
    Figure("passed", Kind.COUNT, Level.QUIZ, _l("Passed"),
           _l("Of those learners, how many have passed (on any attempt)."), source="quizzes", totals=True,
           site_total=True, of_people=True),
    Figure("pass_rate", Kind.RATE, Level.QUIZ, _l("Pass rate"), _l("Passed ÷ learners."), numerator="passed",
           denominator="learners", people="learners.most"),
    Figure("mean_score", Kind.MEAN, Level.QUIZ, _l("Mean best score (%)"),
           _l("The mean of their best scores, in percent."), source="quizzes", people="learners"),
    *(Figure(f"band{index}", Kind.BAND, Level.QUIZ, _l("%(low)d–%(high)d %%", low=low, high=high),
             _l("How many of those learners have a best score in this band."), source="quizzes", totals=True,
             of_people=True)
      for index, (low, high) in enumerate(BANDS)),
    Figure("answered", Kind.COUNT, Level.QUESTION, _l("Answered"),
           _l("Learners who met the question for the first time in the period (at any attempt) and answered it."),
           source="answers", of_people=True),
    Figure("correct", Kind.COUNT, Level.QUESTION, _l("Answered right"),
           _l("Of those, learners who answered it right."), source="answers", of_people=True),
    Figure("right_share", Kind.RATE, Level.QUESTION, _l("Right"), _l("Answered right ÷ answered."),
           numerator="correct", denominator="answered"),
    Figure("chosen", Kind.COUNT, Level.ANSWER, _l("Number"),
           _l("How many learners gave this answer the first time they met the question."), source="answers",
           of_people=True),
)
BY_NAME = {figure.name: figure for figure in FIGURES}
STORED = tuple(figure for figure in FIGURES if figure.source)
BAND_FIGURES = tuple(f"band{index}" for index in range(len(BANDS)))
MOST = ".most"  # a total's fewest possible people: the largest of its parts, stored as "<figure>.most"


def figure(name: str) -> Figure:
    """A figure of the registry by name (KeyError for a name that is not one)."""
    return BY_NAME[name]


# -- sources: the queries behind the stored figures ---------------------------------------------------

# A value of one day: (day, course, lang, figure, item, question, answer, value). Sources whose figures
# add up over days give such rows; the fixing adds them up per period and over languages.
DayRow = tuple[date, str, str, str, str, str, str, int]
# A value of one period, already worked out for it (medians, distinct learners): (period key, course,
# lang, figure, item, question, answer) → value, every language ("") included.
CellKey = tuple[str, str, str, str, str, str, str]


@dataclass(frozen=True)
class Span:
    """A period as a source needs it: its key, its first and last day, and whether it is a whole life (lives
    overlap one another; weeks never overlap weeks, nor months months)."""

    key: str
    start: date
    end: date
    cumulative: bool = False


@dataclass(frozen=True)
class Scope:
    """What one fixing run covers: the courses' slugs, the site's languages, the periods, and their days."""

    courses: frozenset[str]
    langs: tuple[str, ...]
    spans: tuple[Span, ...]

    @property
    def first(self) -> date:
        return min(span.start for span in self.spans)

    @property
    def last(self) -> date:
        return max(span.end for span in self.spans)


@dataclass(frozen=True)
class Source:
    """One query and the stored figures it gives. ``daily`` sources give ``DayRow``s (added up per period by
    the fixing); the others give each period's cells themselves."""

    name: str
    daily: Callable[[Session, Scope], Iterable[DayRow]] | None = None
    per_period: Callable[[Session, Scope], dict[CellKey, int]] | None = None


def _course_cohorts(session: Session, scope: Scope) -> Iterable[DayRow]:
    """started and completed: each learner's course standing, by the day they started."""
    rows = session.execute(
        select(CourseProgress.started_on, CourseProgress.course_slug, CourseProgress.lang,
               CourseProgress.completed_on.is_not(None), func.count())
        .where(CourseProgress.started_on.between(scope.first, scope.last))
        .group_by(CourseProgress.started_on, CourseProgress.course_slug, CourseProgress.lang,
                  CourseProgress.completed_on.is_not(None)))
    for day, course, lang, completed, count in rows:
        yield day, course, lang, "started", "", "", "", count
        if completed:
            yield day, course, lang, "completed", "", "", "", count


def _lesson_funnel(session: Session, scope: Scope) -> Iterable[DayRow]:
    """reached and done: learners by the day they first opened a lesson, and of them those who completed it."""
    done = LessonProgress.completed_on.is_not(None)
    rows = session.execute(
        select(LessonProgress.reached_on, LessonProgress.course_slug, LessonProgress.lang,
               LessonProgress.lesson_slug, done, func.count())
        .where(LessonProgress.reached_on.between(scope.first, scope.last))
        .group_by(LessonProgress.reached_on, LessonProgress.course_slug, LessonProgress.lang,
                  LessonProgress.lesson_slug, done))
    for day, course, lang, lesson, completed, count in rows:
        yield day, course, lang, "reached", lesson, "", "", count
        if completed:
            yield day, course, lang, "done", lesson, "", "", count


def _cohort_lessons(session: Session, scope: Scope) -> Iterable[DayRow]:
    """cohort_reached: the lessons reached by each day's starters of a course (in the course's language)."""
    rows = session.execute(
        select(CourseProgress.started_on, CourseProgress.course_slug, CourseProgress.lang,
               LessonProgress.lesson_slug, func.count())
        .join(LessonProgress, (LessonProgress.learner_id == CourseProgress.learner_id)
              & (LessonProgress.course_slug == CourseProgress.course_slug))
        .where(CourseProgress.started_on.between(scope.first, scope.last))
        .group_by(CourseProgress.started_on, CourseProgress.course_slug, CourseProgress.lang,
                  LessonProgress.lesson_slug))
    for day, course, lang, lesson, count in rows:
        yield day, course, lang, "cohort_reached", lesson, "", "", count


def _lesson_reads(session: Session, scope: Scope) -> Iterable[DayRow]:
    """reads: anonymous openings of lesson pages, by day."""
    rows = session.execute(
        select(LessonReadDay.day, LessonReadDay.course_slug, LessonReadDay.lang, LessonReadDay.lesson_slug,
               LessonReadDay.reads)
        .where(LessonReadDay.day.between(scope.first, scope.last)))
    for day, course, lang, lesson, reads in rows:
        yield day, course, lang, "reads", lesson, "", "", reads


def _quiz_results(session: Session, scope: Scope) -> Iterable[DayRow]:
    """Quiz figures and score bands: learners by the day of their first attempt."""
    band = case(*((QuizProgress.best_score <= high, index) for index, (_, high) in enumerate(BANDS[:-1])),
                else_=len(BANDS) - 1)
    passed = QuizProgress.passed_on.is_not(None)
    rows = session.execute(
        select(QuizProgress.first_attempt_on, QuizProgress.course_slug, QuizProgress.lang, QuizProgress.lesson_slug,
               band, passed, func.count(), func.sum(QuizProgress.attempts), func.sum(QuizProgress.best_score))
        .where(QuizProgress.first_attempt_on.between(scope.first, scope.last))
        .group_by(QuizProgress.first_attempt_on, QuizProgress.course_slug, QuizProgress.lang,
                  QuizProgress.lesson_slug, band, passed))
    for day, course, lang, lesson, index, has_passed, count, attempts, scores in rows:
        yield day, course, lang, "learners", lesson, "", "", count
        yield day, course, lang, "attempts", lesson, "", "", int(attempts or 0)
        yield day, course, lang, "mean_score", lesson, "", "", int(scores or 0)
        yield day, course, lang, f"band{index}", lesson, "", "", count
        if has_passed:
            yield day, course, lang, "passed", lesson, "", "", count


def _answers(session: Session, scope: Scope) -> Iterable[DayRow]:
    """answered, correct and chosen: the anonymous answer counters, by the first day of their span."""
    rows = session.execute(
        select(AnswerTally.day, AnswerTally.course_slug, AnswerTally.lang, AnswerTally.lesson_slug,
               AnswerTally.question_id, AnswerTally.answer_key, AnswerTally.count)
        .where(AnswerTally.day.between(scope.first, scope.last)))
    names = {ANSWERED: "answered", CORRECT: "correct"}
    for day, course, lang, lesson, question, key, count in rows:
        if key in names:
            yield day, course, lang, names[key], lesson, question, "", count
        elif key.startswith(ANSWER_PREFIX):
            yield day, course, lang, "chosen", lesson, question, key[len(ANSWER_PREFIX):], count


def _medians(session: Session, scope: Scope) -> dict[CellKey, int]:
    """median_lessons of each period: the median of the lessons done by the course's starters of the period."""
    rows = session.execute(
        select(CourseProgress.started_on, CourseProgress.course_slug, CourseProgress.lang, CourseProgress.lessons_done,
               func.count())
        .where(CourseProgress.started_on.between(scope.first, scope.last))
        .group_by(CourseProgress.started_on, CourseProgress.course_slug, CourseProgress.lang,
                  CourseProgress.lessons_done)).all()
    cells: dict[CellKey, int] = {}
    for span in scope.spans:
        distributions: dict[tuple[str, str], dict[int, int]] = {}
        for day, course, lang, lessons_done, count in rows:
            if not span.start <= day <= span.end or course not in scope.courses or lang not in scope.langs:
                continue
            for one_lang in (lang, ""):
                bucket = distributions.setdefault((course, one_lang), {})
                bucket[lessons_done] = bucket.get(lessons_done, 0) + count
        for (course, lang), distribution in distributions.items():
            middle = median(sorted(distribution.items()))
            if middle is not None:
                cells[(span.key, course, lang, "median_lessons", "", "", "")] = round(middle * MEDIAN_SCALE)
    return cells


def _active(session: Session, scope: Scope) -> dict[CellKey, int]:
    """active: distinct learners who reached or completed a lesson or answered a quiz in each period (site-wide)."""
    activity = union_all(
        select(LessonProgress.learner_id.label("learner"), LessonProgress.reached_on.label("day")),
        select(LessonProgress.learner_id, LessonProgress.completed_on).where(LessonProgress.completed_on.is_not(None)),
        select(QuizProgress.learner_id, QuizProgress.last_attempt_on),
    ).subquery()
    day = activity.c.day
    cells: dict[CellKey, int] = {}
    lives = [span for span in scope.spans if span.cumulative]
    if lives:
        # Every life starts at the beginning: a learner is in it when their first activity is on or before its end.
        firsts = sorted(session.execute(select(func.min(day)).group_by(activity.c.learner)).scalars())
        for span in lives:
            cells[(span.key, "", "", "active", "", "", "")] = bisect_right(firsts, span.end)
    # Weeks never overlap weeks, nor months months: each kind is one grouped count, by a number worked out
    # from the day (weeks since a Monday; months since year 0), whatever the database.
    kinds = {"week": [span for span in scope.spans if not span.cumulative and (span.end - span.start).days == 6],
             "month": [span for span in scope.spans if not span.cumulative and (span.end - span.start).days > 6]}
    dialect = session.get_bind().dialect.name
    for kind, spans in kinds.items():
        if not spans:
            continue
        number = _week_number(day, dialect) if kind == "week" else extract("year", day) * 12 + extract("month", day)
        keys = {(_week_of(span.start) if kind == "week" else span.start.year * 12 + span.start.month): span.key
                for span in spans}
        counted = session.execute(
            select(number, func.count(func.distinct(activity.c.learner)))
            .where(day.between(min(span.start for span in spans), max(span.end for span in spans)))
            .group_by(number))
        for found, count in counted:
            if int(found) in keys:
                cells[(keys[int(found)], "", "", "active", "", "", "")] = count
    return cells


A_MONDAY = date(2000, 1, 3)


def _week_number(day: ColumnElement[Any], dialect: str) -> ColumnElement[Any]:
    """Whole weeks from 3 January 2000 (a Monday) to ``day``, in SQL."""
    if dialect == "sqlite":
        days: ColumnElement[Any] = cast(func.julianday(day) - func.julianday(A_MONDAY.isoformat()), Integer)
    else:
        days = day - literal(A_MONDAY)  # PostgreSQL: a date minus a date is a whole number of days
    return days // 7


def _week_of(monday: date) -> int:
    """Whole weeks from 3 January 2000 to a Monday, in Python."""
    return (monday - A_MONDAY).days // 7


SOURCES: dict[str, Source] = {source.name: source for source in (
    Source("cohorts", daily=_course_cohorts),
    Source("medians", per_period=_medians),
    Source("lessons", daily=_lesson_funnel),
    Source("cohort_lessons", daily=_cohort_lessons),
    Source("reads", daily=_lesson_reads),
    Source("quizzes", daily=_quiz_results),
    Source("answers", daily=_answers),
    Source("active", per_period=_active),
)}
