"""Statistics of ended periods, fixed once (safety invariant S7, with the rule in ``disclosure``).

Staff never choose arbitrary dates: they see a **calendar week** (an ISO week, Monday to Sunday)
or a **calendar month** once it has ended, or the **whole life** of the courses up to the end of
an ended month. A period still running, or one that is not one of these, is never shown: two
date ranges a day apart cannot be subtracted, because there are none.

The first time an ended period is needed (a dashboard view, ``course-app stats fix`` or the daily
purge), the true values of every stored figure of the registry (``figures``) are computed for it
and **fixed** (``StatsPeriod``, ``StatsCell``): later views read them as they were, and a purge or
a "Delete everything" afterwards does not change them. The cells hold no learner. They hold true
values: rounding is applied when a figure is published (``disclosure``), so that percentages and
averages come from unrounded counts.

Answer counters were counted without a day before the upgrade that gave them one: what they counted
until then is one more period, "until the upgrade", shown on the question insights only.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..content.model import Catalogue, Course
from ..models import CourseProgress, LessonDay, LessonReadDay, SiteEvent, StatsCell, StatsPeriod
from .figures import MOST, SOURCES, STORED, CellKey, DayRow, Level, Scope, Span

LIFE_START = date(2000, 1, 1)
ALL = ""          # every language; or the whole site, as a course
COURSE = "*"      # the whole course, as an item of the lesson and quiz figures
UPGRADE_KEY = "until-upgrade"
# The day answer counters began to be counted by day (written by the migration that did it, only on sites
# that had counted answers before).
ANSWERS_DATED = "answers-counted-by-day"


@dataclass(frozen=True, order=True)
class Period:
    """A fixed span of days: a calendar week, a calendar month, the whole life up to a month's end, or
    (for answer counters only) everything until the upgrade that gave them a day."""

    end: date
    rank: int    # publication order among periods ending on the same day: weeks, months, lives, the upgrade
    start: date
    kind: str
    key: str

    def contains(self, other: Period) -> bool:
        return self.start <= other.start and other.end <= self.end


# Publication order among periods ending on the same day (Period.rank).
KIND_RANK = {"week": 0, "month": 1, "life": 2, "upgrade": 3}


def week(monday: date) -> Period:
    year, number, _ = monday.isocalendar()
    return Period(monday + timedelta(days=6), KIND_RANK["week"], monday, "week", f"{year}-W{number:02d}")


def month(first: date) -> Period:
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return Period(following - timedelta(days=1), KIND_RANK["month"], first, "month", f"{first:%Y-%m}")


def life(first_of_month: date) -> Period:
    return Period(month(first_of_month).end, KIND_RANK["life"], LIFE_START, "life", f"life-{first_of_month:%Y-%m}")


def until_upgrade(dated_from: date) -> Period:
    """Every answer counted before answers were counted by day (from ``dated_from`` on)."""
    return Period(dated_from - timedelta(days=1), KIND_RANK["upgrade"], LIFE_START, "upgrade", UPGRADE_KEY)


def closed_periods(first_day: date, today: date) -> list[Period]:
    """Every week, month and life that has ended before ``today`` and holds a day from ``first_day`` on,
    in the order they are fixed."""
    periods: list[Period] = []
    monday = first_day - timedelta(days=first_day.weekday())
    while monday + timedelta(days=6) < today:
        periods.append(week(monday))
        monday += timedelta(weeks=1)
    first = first_day.replace(day=1)
    while month(first).end < today:
        periods += [month(first), life(first)]
        first = month(first).end + timedelta(days=1)
    return sorted(periods)


PERIOD_KEY = re.compile(r"^(?:(\d{4})-W(\d{2})|(life-)?(\d{4})-(\d{2}))$")


def parse_period(key: str, today: date) -> Period | None:
    """The period a key names, if it is a well-formed week, month or life that has ended; else None."""
    match = PERIOD_KEY.match(key)
    if not match:
        return None
    iso_year, iso_week, is_life, year, month_number = match.groups()
    try:
        if iso_year:
            found = week(date.fromisocalendar(int(iso_year), int(iso_week), 1))
        else:
            first = date(int(year), int(month_number), 1)
            found = life(first) if is_life else month(first)
    except ValueError:
        return None
    return found if found.end < today and found.end >= LIFE_START else None


def last_closed_month(today: date) -> Period:
    return month((today.replace(day=1) - timedelta(days=1)).replace(day=1))


def first_figures_day(first_data: date | None, today: date) -> date:
    """The day the first figures appear: the day after the first week or month holding activity ends (for a
    site with none yet, as if the first learner came today)."""
    first = first_data or today
    return min(week(first - timedelta(days=first.weekday())).end, month(first.replace(day=1)).end) + timedelta(days=1)


# -- the shape of the tables: which lessons add up to which module ------------------------------------

@dataclass(frozen=True)
class CourseShape:
    """What the tables of one course hold: its lessons by module."""

    slug: str
    modules: tuple[tuple[str, tuple[str, ...]], ...]  # ("m:1", lesson slugs)

    @classmethod
    def of(cls, course: Course) -> CourseShape:
        return cls(course.slug, tuple((f"m:{module.number}", tuple(lesson.slug for lesson in module.lessons))
                                      for module in course.modules))

    @property
    def lessons(self) -> tuple[str, ...]:
        return tuple(slug for _, slugs in self.modules for slug in slugs)


# -- the true figures of ended periods, from the registry's sources ------------------------------------

def answers_dated_from(session: Session) -> date | None:
    """The day answer counters began to be counted by day, on a site that counted answers before it."""
    return session.scalar(select(SiteEvent.day).where(SiteEvent.name == ANSWERS_DATED))


def holds_answers(period: Period, dated_from: date | None) -> bool:
    """Whether a period's answer figures are whole: every answer counted in it has a day within it."""
    if period.kind == "upgrade":
        return True
    if dated_from is None:
        return True
    return period.end >= dated_from if period.kind == "life" else period.start >= dated_from


def compute_cells(session: Session, shapes: Sequence[CourseShape], langs: Sequence[str],
                  periods: Sequence[Period], dated_from: date | None) -> dict[CellKey, int]:
    """The true value of every stored figure of the registry in each period, for every language and all
    together, with the totals of modules, courses and the site. Zeros are left out: a cell not stored is 0."""
    lessons = {shape.slug: set(shape.lessons) for shape in shapes}
    known_langs = tuple(langs)
    cells: dict[CellKey, int] = {}
    figure_level = {figure.name: figure.level for figure in STORED}
    for source_name in dict.fromkeys(figure.source for figure in STORED):
        source = SOURCES[source_name]
        chosen = [period for period in periods
                  if (holds_answers(period, dated_from) if source_name == "answers" else period.kind != "upgrade")]
        if not chosen:
            continue
        scope = Scope(frozenset(lessons), known_langs,
                      tuple(Span(period.key, period.start, period.end, period.kind == "life") for period in chosen))
        if source.per_period is not None:
            cells.update(source.per_period(session, scope))
        if source.daily is not None:
            cells.update(_added_up(source.daily(session, scope), scope, lessons, figure_level))
    _add_totals(cells, shapes)
    return cells


def _added_up(rows: Iterable[DayRow], scope: Scope, lessons: dict[str, set[str]],
              figure_level: dict[str, Level]) -> dict[CellKey, int]:
    """Daily values added up per period, for each language and every language together."""
    by_day: dict[tuple[str, str, str, str, str, str], dict[date, int]] = {}
    for day, course, lang, figure, item, question, answer, value in rows:
        if not value or lang not in scope.langs or course not in lessons:
            continue
        if figure_level[figure] is not Level.COURSE and item not in lessons[course]:
            continue  # a lesson no longer in the course
        for one_lang in (lang, ALL):
            series = by_day.setdefault((course, one_lang, figure, item, question, answer), {})
            series[day] = series.get(day, 0) + value
    cells: dict[CellKey, int] = {}
    for key, series in by_day.items():
        days = sorted(series)
        running = [0, *accumulate(series[day] for day in days)]
        for span in scope.spans:
            value = running[bisect_right(days, span.end)] - running[bisect_left(days, span.start)]
            if value:
                cells[(span.key, *key)] = value
    return cells


def _add_totals(cells: dict[CellKey, int], shapes: Sequence[CourseShape]) -> None:
    """Modules and whole courses add up their lessons (or quizzes), the site its courses; a total of people
    also keeps its largest part (``figure.most``): the fewest people it can hold."""
    totals = {figure.name: figure for figure in STORED if figure.totals or figure.site_total}
    modules = {shape.slug: shape.modules for shape in shapes}
    parts: dict[tuple[str, str, str, str], dict[str, int]] = {}
    for (period, course, lang, name, item, _question, _answer), value in cells.items():
        if name in totals and course:
            parts.setdefault((period, course, lang, name), {})[item] = value
    site: dict[tuple[str, str, str], list[tuple[int, int]]] = {}
    for (period, course, lang, name), values in parts.items():
        figure = totals[name]
        if figure.totals:
            # Lessons add up per module and for the course; quizzes for the course only.
            groups = [*((module, lessons) for module, lessons in modules.get(course, ())
                        if figure.level is Level.LESSON), (COURSE, tuple(values))]
            for item, members in groups:
                found = [values[member] for member in members if member in values]
                if found:
                    cells[(period, course, lang, name, item, "", "")] = sum(found)
                    if figure.of_people:
                        cells[(period, course, lang, name + MOST, item, "", "")] = max(found)
        if figure.site_total and lang == ALL:
            # A course figure adds up over courses; a quiz figure adds up every quiz of every course.
            value, fewest = sum(values.values()), max(values.values())
            if value:
                site.setdefault((period, lang, name), []).append((value, fewest))
    for (period, lang, name), courses in site.items():
        cells[(period, ALL, lang, name, "", "", "")] = sum(value for value, _ in courses)
        if totals[name].of_people:
            cells[(period, ALL, lang, name + MOST, "", "", "")] = max(fewest for _, fewest in courses)


# -- fixing ended periods ---------------------------------------------------------------------------

def first_data_day(session: Session) -> date | None:
    """The first day any figure counts (a start, a lesson event, a read)."""
    days = [session.scalar(select(func.min(CourseProgress.started_on))),
            session.scalar(select(func.min(LessonDay.day))), session.scalar(select(func.min(LessonReadDay.day)))]
    found = [day for day in days if day is not None]
    return min(found) if found else None


def first_fixed_week(session: Session) -> Period | None:
    """The first week fixed: it holds the first day any figure counts (the one lookup of the fixed periods, instead
    of scanning the aggregates for their first day, on every dashboard view)."""
    row = session.scalars(select(StatsPeriod).where(StatsPeriod.kind == "week").order_by(StatsPeriod.start)
                          .limit(1)).first()
    return _period_of(row) if row else None


def due_periods(session: Session, today: date) -> list[Period]:
    """Every period that has ended and should be fixed (fixed already or not), oldest first."""
    fixed_week = first_fixed_week(session)
    first = fixed_week.start if fixed_week else first_data_day(session)
    due = closed_periods(first, today) if first else []
    dated_from = answers_dated_from(session)
    if dated_from is not None:
        due.append(until_upgrade(dated_from))
    return sorted(due)


def fix_closed_periods(session: Session, catalogue: Catalogue, langs: Sequence[str], today: date) -> int:
    """Fix the ended periods not fixed yet: compute the true values of their figures and store them.

    Flushes, never commits. Returns how many periods were fixed.
    """
    fixed = set(session.scalars(select(StatsPeriod.key)))
    todo = [period for period in due_periods(session, today) if period.key not in fixed]
    if not todo:
        return 0
    shapes = [CourseShape.of(course) for course in catalogue.courses]
    cells = compute_cells(session, shapes, langs, todo, answers_dated_from(session))
    session.execute(insert(StatsPeriod), [
        {"key": period.key, "kind": period.kind, "start": period.start, "end": period.end, "fixed_on": today}
        for period in todo])
    session.flush()
    # Plain executemany on the table: a first fix after an upgrade writes a few hundred thousand cells.
    connection = session.connection()
    rows = [{"period_key": key[0], "course_slug": key[1], "lang": key[2], "figure": key[3], "item": key[4],
             "question": key[5], "answer": key[6], "value": value} for key, value in cells.items()]
    for start in range(0, len(rows), 20_000):
        connection.execute(insert(StatsCell), rows[start:start + 20_000])
    return len(todo)


def fix_closed_periods_once(session: Session, catalogue: Catalogue, langs: Sequence[str], today: date) -> int:
    """``fix_closed_periods`` and commit; if another request fixed them at the same moment, keep theirs."""
    try:
        fixed = fix_closed_periods(session, catalogue, langs, today)
        if fixed:
            session.commit()
        return fixed
    except IntegrityError:
        session.rollback()
        return 0


# -- reading fixed periods --------------------------------------------------------------------------

# (course, figure, item, question, answer) → true value; a cell that is not there is 0.
Cells = dict[tuple[str, str, str, str, str], int]


def period_cells(session: Session, period: Period, course_slugs: Iterable[str], lang: str,
                 figures: Iterable[str]) -> Cells:
    """Some fixed figures of a period for some courses (and the site) in one language (ALL: every one)."""
    names = set(figures)
    names |= {name + MOST for name in names}
    rows = session.execute(select(StatsCell.course_slug, StatsCell.figure, StatsCell.item, StatsCell.question,
                                  StatsCell.answer, StatsCell.value)
                           .where(StatsCell.period_key == period.key, StatsCell.lang == lang,
                                  StatsCell.course_slug.in_([ALL, *course_slugs]), StatsCell.figure.in_(names)))
    return {(course, figure, item, question, answer): value for course, figure, item, question, answer, value in rows}


def fixed_periods(session: Session) -> list[Period]:
    """Every fixed period, newest first."""
    return sorted((_period_of(row) for row in session.scalars(select(StatsPeriod))), reverse=True)


def _period_of(row: StatsPeriod) -> Period:
    return Period(row.end, KIND_RANK[row.kind], row.start, row.kind, row.key)


TREND_LENGTH = 12


def trend_cells(session: Session, kind: str, not_after: date, course_slug: str, lang: str,
                figures: Sequence[str]) -> list[tuple[Period, dict[str, int]]]:
    """Some course-level figures of a course in the last 12 fixed weeks or months up to a day, oldest first."""
    chosen = list(session.scalars(select(StatsPeriod).where(StatsPeriod.kind == kind, StatsPeriod.end <= not_after)
                                  .order_by(StatsPeriod.end.desc()).limit(TREND_LENGTH)))
    found: dict[str, dict[str, int]] = {}
    for period_key, figure, value in session.execute(
            select(StatsCell.period_key, StatsCell.figure, StatsCell.value)
            .where(StatsCell.period_key.in_([row.key for row in chosen]), StatsCell.course_slug == course_slug,
                   StatsCell.lang == lang, StatsCell.item == "", StatsCell.figure.in_(figures))):
        found.setdefault(period_key, {})[figure] = value
    return [(_period_of(row), found.get(row.key, {})) for row in reversed(chosen)]
