"""Statistics of closed periods, fixed once published, protected across every table (safety invariant S7).

Staff never choose arbitrary dates: they see a **calendar week** (Monday to Sunday) or a
**calendar month** once it has ended, or the **whole life** of the courses up to the end of
an ended month. A period still running, or one that is not one of these, is never shown:
two date ranges a day apart cannot be subtracted, because there are none.

The first time an ended period is needed (a dashboard view or the daily purge), its figures are
computed from the aggregates and **fixed** (``StatsPeriod``, ``StatsCell``): later views read
them as they were, and a purge or a "Delete everything" afterwards does not change them. The
cells hold no learner.

Which fixed cells staff may see is decided at the same moment, once, by ``protect_tables``:
besides the groups of one table (started and completed, a course and its modules, all languages
and each language), every cell is compared with each cell of the same figure that counts a set of
people containing it or contained in it — the same lesson in a longer period, all languages
against one, a module against its course, the site against a course. If a reader could subtract
the two and get 1 to 4, the newer cell is hidden. Older cells never change, so nothing once shown
is taken back and nothing once hidden is revealed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, func, insert, select, union
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..content.model import Catalogue, Course
from ..models import (
    CourseProgress,
    LessonDay,
    LessonProgress,
    LessonReadDay,
    QuizDay,
    QuizProgress,
    StatsCell,
    StatsPeriod,
)
from .statistics import median
from .suppression import Group, Hidden, protect_tables

LIFE_START = date(2000, 1, 1)
ALL = ""          # every language; or the whole site, as a course
COURSE = "*"      # the whole course, as an item of the lesson and quiz figures
BANDS = ((0, 49), (50, 79), (80, 100))  # best scores, in percent
LESSON_FIGURES = ("reached", "done", "reads")
QUIZ_FIGURES = ("learners", "passed", "attempts", *(f"band{index}" for index in range(len(BANDS))))
COHORT_FIGURES = ("started", "completed")
# Figures that are not counts of people or events: never published alone, only used to compute a
# median or a mean when the counts behind them are shown.
UNPROTECTED = ("median10", "score_sum")

CellKey = tuple[str, str, str, str, str]  # period, course, lang, figure, item


@dataclass(frozen=True, order=True)
class Period:
    """A fixed span of days: a calendar week, a calendar month, or the whole life up to a month's end."""

    end: date
    rank: int    # publication order among periods ending on the same day: weeks, months, then lives
    start: date
    kind: str
    key: str

    def contains(self, other: Period) -> bool:
        return self.start <= other.start and other.end <= self.end


# Publication order among periods ending on the same day (Period.rank).
KIND_RANK = {"week": 0, "month": 1, "life": 2}


def week(monday: date) -> Period:
    year, number, _ = monday.isocalendar()
    return Period(monday + timedelta(days=6), KIND_RANK["week"], monday, "week", f"{year}-W{number:02d}")


def month(first: date) -> Period:
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return Period(following - timedelta(days=1), KIND_RANK["month"], first, "month", f"{first:%Y-%m}")


def life(first_of_month: date) -> Period:
    return Period(month(first_of_month).end, KIND_RANK["life"], LIFE_START, "life", f"life-{first_of_month:%Y-%m}")


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


# -- the shape of the tables: which cells add up to which, and which contain which -----------------

@dataclass(frozen=True)
class CourseShape:
    """What the tables of one course hold: its lessons by module, and the lessons with a quiz."""

    slug: str
    modules: tuple[tuple[str, tuple[str, ...]], ...]  # ("m:1", lesson slugs)
    quizzes: tuple[str, ...]

    @classmethod
    def of(cls, course: Course) -> CourseShape:
        modules = tuple((f"m:{module.number}", tuple(lesson.slug for lesson in module.lessons))
                        for module in course.modules)
        quizzes = tuple(lesson.slug for lesson in course.lessons if any(text.quiz for text in lesson.texts.values()))
        return cls(course.slug, modules, quizzes)

    @property
    def lessons(self) -> tuple[str, ...]:
        return tuple(slug for _, slugs in self.modules for slug in slugs)


def table_groups(period: str, shapes: Sequence[CourseShape], langs: Sequence[str]) -> list[Group[CellKey]]:
    """Every total and its parts in the tables of one period."""
    groups: list[Group[CellKey]] = []
    every = (ALL, *langs)

    def key(course: str, lang: str, figure: str, item: str) -> CellKey:
        return (period, course, lang, figure, item)

    for shape in shapes:
        c = shape.slug
        for lang in every:
            groups.append(Group(key(c, lang, "started", ""), (key(c, lang, "completed", ""),), True))
            for item in (*shape.lessons, *(m for m, _ in shape.modules), COURSE):
                groups.append(Group(key(c, lang, "reached", item), (key(c, lang, "done", item),), True))
            for figure in LESSON_FIGURES:
                groups.append(Group(key(c, lang, figure, COURSE),
                                    tuple(key(c, lang, figure, m) for m, _ in shape.modules),
                                    repeats_people=True))
                groups.append(Group(key(c, lang, figure, COURSE),
                                    tuple(key(c, lang, figure, s) for s in shape.lessons),
                                    repeats_people=True))
                for module, lessons in shape.modules:
                    groups.append(Group(key(c, lang, figure, module), tuple(key(c, lang, figure, s) for s in lessons),
                                        repeats_people=True))
            for item in (*shape.quizzes, COURSE):
                groups.append(Group(key(c, lang, "learners", item), (key(c, lang, "passed", item),), True))
                groups.append(Group(key(c, lang, "learners", item),
                                    tuple(key(c, lang, f"band{index}", item) for index in range(len(BANDS)))))
            for figure in ("learners", "passed", "attempts"):
                groups.append(Group(key(c, lang, figure, COURSE), tuple(key(c, lang, figure, q) for q in shape.quizzes),
                                    repeats_people=True))
        for figure, item in _course_cells(shape):
            groups.append(Group(key(c, ALL, figure, item), tuple(key(c, lang, figure, item) for lang in langs)))
    for figure, item in (("started", ""), ("completed", ""), ("learners", COURSE), ("passed", COURSE)):
        groups.append(Group(key(ALL, ALL, figure, ""), tuple(key(shape.slug, ALL, figure, item) for shape in shapes),
                            repeats_people=True))
    groups.append(Group(key(ALL, ALL, "learners", ""), (key(ALL, ALL, "passed", ""),), True))
    groups.append(Group(key(ALL, ALL, "started", ""), (key(ALL, ALL, "completed", ""),), True))
    return groups


def _course_cells(shape: CourseShape) -> Iterator[tuple[str, str]]:
    """(figure, item) of every protected cell of a course, in one language."""
    for figure in COHORT_FIGURES:
        yield figure, ""
    for item in (*shape.lessons, *(m for m, _ in shape.modules), COURSE):
        for figure in LESSON_FIGURES:
            yield figure, item
    for item in (*shape.quizzes, COURSE):
        for figure in QUIZ_FIGURES:
            yield figure, item


def _containers(key: CellKey, parents: Mapping[tuple[str, str], tuple[str, ...]]) -> Iterator[tuple[str, str, str]]:
    """(course, lang, item) of the cells of the same figure that count a set of people containing this one's."""
    _, course, lang, figure, item = key
    langs = (lang, ALL) if lang != ALL else (ALL,)
    items = (item, *parents.get((course, item), ()))
    for one_lang in langs:
        for one_item in items:
            yield course, one_lang, one_item
    if course != ALL and lang == ALL and ((figure in COHORT_FIGURES and item == "")
                                          or (figure in ("learners", "passed") and item == COURSE)):
        yield ALL, ALL, ""


def item_parents(shapes: Sequence[CourseShape]) -> dict[tuple[str, str], tuple[str, ...]]:
    """For each lesson and module of a course, the items containing it (its module, the course)."""
    parents: dict[tuple[str, str], tuple[str, ...]] = {}
    for shape in shapes:
        for module, lessons in shape.modules:
            parents[(shape.slug, module)] = (COURSE,)
            for lesson in lessons:
                parents[(shape.slug, lesson)] = (module, COURSE)
    return parents


def nested_pairs(new: Period, new_cells: Sequence[CellKey], others: Sequence[Period],
                 cells_by_period: Mapping[str, Sequence[CellKey]],
                 parents: Mapping[tuple[str, str], tuple[str, ...]]) -> list[tuple[CellKey, CellKey]]:
    """Pairs (a new cell, a cell of the same figure counting a set of people that contains it or is contained
    in it), in this period and in every fixed period nested with it."""
    present = {key for period in (*others, new) for key in cells_by_period.get(period.key, ())}
    present.update(new_cells)
    pairs: list[tuple[CellKey, CellKey]] = []
    bigger = [period.key for period in others if period.contains(new)] + [new.key]
    smaller = [period.key for period in others if new.contains(period) and period != new]
    for cell in new_cells:
        if cell[3] in UNPROTECTED:
            continue
        for course, lang, item in _containers(cell, parents):
            for period_key in bigger:
                other = (period_key, course, lang, cell[3], item)
                if other != cell and other in present:
                    pairs.append((cell, other))
    for period_key in smaller:
        for cell in cells_by_period.get(period_key, ()):
            if cell[3] in UNPROTECTED:
                continue
            for course, lang, item in _containers(cell, parents):
                other = (new.key, course, lang, cell[3], item)
                if other in present:
                    pairs.append((other, cell))
    return pairs


# -- the true figures of a period, from the aggregates ----------------------------------------------

def raw_cells(session: Session, shapes: Sequence[CourseShape], langs: Sequence[str],
              period: Period) -> dict[CellKey, int]:
    """Every cell of the period's tables, for every language and all together, with its true value."""
    values: dict[CellKey, int] = {}
    known_langs = set(langs)
    p = period.key
    for shape in shapes:
        for lang in (ALL, *langs):
            for figure, item in _course_cells(shape):
                values[(p, shape.slug, lang, figure, item)] = 0
    for figure, item in (("started", ""), ("completed", ""), ("learners", ""), ("passed", "")):
        values[(p, ALL, ALL, figure, item)] = 0

    def add(course: str, lang: str, figure: str, item: str, count: int) -> None:
        if lang not in known_langs or (p, course, lang, figure, item) not in values:
            return
        for one_lang in (lang, ALL):
            values[(p, course, one_lang, figure, item)] += count

    parents = item_parents(shapes)
    between = (period.start, period.end)
    distributions: dict[tuple[str, str], dict[int, int]] = {}
    for course, lang, lessons_done, done, count in session.execute(
            select(CourseProgress.course_slug, CourseProgress.lang, CourseProgress.lessons_done,
                   CourseProgress.completed_on.is_not(None), func.count())
            .where(CourseProgress.started_on.between(*between))
            .group_by(CourseProgress.course_slug, CourseProgress.lang, CourseProgress.lessons_done,
                      CourseProgress.completed_on.is_not(None))):
        add(course, lang, "started", "", count)
        if done:
            add(course, lang, "completed", "", count)
        if lang in known_langs:
            for one_lang in (lang, ALL):
                bucket = distributions.setdefault((course, one_lang), {})
                bucket[lessons_done] = bucket.get(lessons_done, 0) + count
    for course, lang, lesson, reached, completed in session.execute(
            select(LessonDay.course_slug, LessonDay.lang, LessonDay.lesson_slug, func.sum(LessonDay.reached),
                   func.sum(LessonDay.completed))
            .where(LessonDay.day.between(*between))
            .group_by(LessonDay.course_slug, LessonDay.lang, LessonDay.lesson_slug)):
        for item in (lesson, *parents.get((course, lesson), ())):
            add(course, lang, "reached", item, int(reached or 0))
            add(course, lang, "done", item, int(completed or 0))
    for course, lang, lesson, reads in session.execute(
            select(LessonReadDay.course_slug, LessonReadDay.lang, LessonReadDay.lesson_slug,
                   func.sum(LessonReadDay.reads))
            .where(LessonReadDay.day.between(*between))
            .group_by(LessonReadDay.course_slug, LessonReadDay.lang, LessonReadDay.lesson_slug)):
        for item in (lesson, *parents.get((course, lesson), ())):
            add(course, lang, "reads", item, int(reads or 0))
    score_sums: dict[tuple[str, str, str], int] = {}
    for course, lang, lesson, learners, attempts, passed, score_sum in session.execute(
            select(QuizDay.course_slug, QuizDay.lang, QuizDay.lesson_slug, func.sum(QuizDay.learners),
                   func.sum(QuizDay.attempts), func.sum(QuizDay.passed), func.sum(QuizDay.best_score_sum))
            .where(QuizDay.day.between(*between))
            .group_by(QuizDay.course_slug, QuizDay.lang, QuizDay.lesson_slug)):
        for item in (lesson, COURSE):
            add(course, lang, "learners", item, int(learners or 0))
            add(course, lang, "attempts", item, int(attempts or 0))
            add(course, lang, "passed", item, int(passed or 0))
        if lang in known_langs:
            for one_lang in (lang, ALL):
                score_sums[(course, one_lang, lesson)] = score_sums.get((course, one_lang, lesson), 0) + int(
                    score_sum or 0)
    band = case(*((QuizProgress.best_score <= high, index) for index, (_, high) in enumerate(BANDS[:-1])),
                else_=len(BANDS) - 1)
    for course, lang, lesson, index, count in session.execute(
            select(QuizProgress.course_slug, QuizProgress.lang, QuizProgress.lesson_slug, band, func.count())
            .where(QuizProgress.first_attempt_on.between(*between))
            .group_by(QuizProgress.course_slug, QuizProgress.lang, QuizProgress.lesson_slug, band)):
        for item in (lesson, COURSE):
            add(course, lang, f"band{index}", item, count)
    for shape in shapes:
        for figure, item in (("started", ""), ("completed", ""), ("learners", COURSE), ("passed", COURSE)):
            values[(p, ALL, ALL, figure, "")] += values[(p, shape.slug, ALL, figure, item)]
    for (course, lang), distribution in distributions.items():
        middle = median(list(distribution.items()))
        if middle is not None and (p, course, lang, "started", "") in values:
            values[(p, course, lang, "median10", "")] = round(middle * 10)
    for (course, lang, lesson), total in score_sums.items():
        if (p, course, lang, "learners", lesson) in values:
            values[(p, course, lang, "score_sum", lesson)] = total
    if period.kind == "month":
        active = union(
            select(LessonProgress.learner_id).where(LessonProgress.reached_on.between(*between)),
            select(LessonProgress.learner_id).where(LessonProgress.completed_on.between(*between)),
            select(QuizProgress.learner_id).where(QuizProgress.last_attempt_on.between(*between)),
        ).subquery()
        values[(p, ALL, ALL, "active", "")] = session.scalar(select(func.count()).select_from(active)) or 0
    return values


# -- fixing ended periods ---------------------------------------------------------------------------

def first_data_day(session: Session) -> date | None:
    """The first day any figure counts (a start, a lesson event, a read)."""
    days = [session.scalar(select(func.min(CourseProgress.started_on))),
            session.scalar(select(func.min(LessonDay.day))), session.scalar(select(func.min(LessonReadDay.day)))]
    found = [day for day in days if day is not None]
    return min(found) if found else None


def fix_closed_periods(session: Session, catalogue: Catalogue, langs: Sequence[str], today: date,
                       threshold: int) -> int:
    """Fix the ended periods not fixed yet, oldest first: compute their cells, decide which are hidden, store them.

    Flushes, never commits. Returns how many periods were fixed.
    """
    first = first_data_day(session)
    if first is None:
        return 0
    fixed = {row.key: _period_of(row) for row in session.scalars(select(StatsPeriod))}
    todo = [period for period in closed_periods(first, today) if period.key not in fixed]
    if not todo:
        return 0
    shapes = [CourseShape.of(course) for course in catalogue.courses]
    parents = item_parents(shapes)
    values: dict[CellKey, int] = {}
    hidden: dict[CellKey, Hidden] = {}
    cells_by_period: dict[str, list[CellKey]] = {}
    for row in session.execute(select(StatsCell.period_key, StatsCell.course_slug, StatsCell.lang, StatsCell.figure,
                                      StatsCell.item, StatsCell.value, StatsCell.hidden)):
        key = (row.period_key, row.course_slug, row.lang, row.figure, row.item)
        values[key] = row.value
        cells_by_period.setdefault(row.period_key, []).append(key)
        if row.hidden:
            hidden[key] = Hidden(row.hidden)
    periods = list(fixed.values())
    for period in todo:
        new_values = raw_cells(session, shapes, langs, period)
        values.update(new_values)
        new_cells = list(new_values)
        protected = [key for key in new_cells if key[3] not in UNPROTECTED]
        nested = [period_ for period_ in periods if period_.contains(period) or period.contains(period_)]
        groups = [group for one in (*nested, period) for group in table_groups(one.key, shapes, langs)
                  if group.total in values]
        pairs = nested_pairs(period, protected, nested, cells_by_period, parents)
        hidden = protect_tables(values, groups, threshold, new=protected, fixed_hidden=hidden, nested=pairs)
        session.add(StatsPeriod(key=period.key, kind=period.kind, start=period.start, end=period.end, fixed_on=today))
        session.flush()
        session.execute(insert(StatsCell), [
            {"period_key": key[0], "course_slug": key[1], "lang": key[2], "figure": key[3], "item": key[4],
             "value": value, "hidden": hidden[key].value if key in hidden else None}
            for key, value in new_values.items()])
        cells_by_period[period.key] = new_cells
        periods.append(period)
    session.flush()
    return len(todo)


def fix_closed_periods_once(session: Session, catalogue: Catalogue, langs: Sequence[str], today: date,
                            threshold: int) -> int:
    """``fix_closed_periods`` and commit; if another request fixed them at the same moment, keep theirs."""
    try:
        fixed = fix_closed_periods(session, catalogue, langs, today, threshold)
        if fixed:
            session.commit()
        return fixed
    except IntegrityError:
        session.rollback()
        return 0


def period_cells(session: Session, period: Period, course_slugs: Iterable[str],
                 lang: str) -> dict[tuple[str, str, str], tuple[int, Hidden | None]]:
    """The fixed cells of a period for some courses (and the site) in one language (ALL: every one):
    (course, figure, item) → (value, why hidden)."""
    rows = session.execute(select(StatsCell.course_slug, StatsCell.figure, StatsCell.item, StatsCell.value,
                                  StatsCell.hidden)
                           .where(StatsCell.period_key == period.key, StatsCell.lang == lang,
                                  StatsCell.course_slug.in_([ALL, *course_slugs])))
    return {(course, figure, item): (value, Hidden(why) if why else None)
            for course, figure, item, value, why in rows}


def fixed_periods(session: Session) -> list[Period]:
    """Every fixed period, newest first."""
    return sorted((_period_of(row) for row in session.scalars(select(StatsPeriod))), reverse=True)


def _period_of(row: StatsPeriod) -> Period:
    return Period(row.end, KIND_RANK[row.kind], row.start, row.kind, row.key)


def _fixed_up_to(session: Session, kind: str, not_after: date, how_many: int) -> list[StatsPeriod]:
    """The newest fixed periods of a kind ending on or before a day, newest first."""
    return list(session.scalars(select(StatsPeriod).where(StatsPeriod.kind == kind, StatsPeriod.end <= not_after)
                                .order_by(StatsPeriod.end.desc()).limit(how_many)))


def latest_fixed(session: Session, kind: str, not_after: date) -> Period | None:
    """The newest fixed period of a kind ending on or before a day."""
    rows = _fixed_up_to(session, kind, not_after, 1)
    return _period_of(rows[0]) if rows else None


TREND_LENGTH = 12


def trend_cells(session: Session, kind: str, not_after: date, course_slug: str, lang: str
                ) -> list[tuple[Period, tuple[int, Hidden | None] | None, tuple[int, Hidden | None] | None]]:
    """Started and completed of a course in the last 12 fixed weeks or months up to a day, oldest first."""
    chosen = _fixed_up_to(session, kind, not_after, TREND_LENGTH)
    keys = [row.key for row in chosen]
    found = {(period_key, figure): (value, Hidden(why) if why else None)
             for period_key, figure, value, why in session.execute(
                 select(StatsCell.period_key, StatsCell.figure, StatsCell.value, StatsCell.hidden)
                 .where(StatsCell.period_key.in_(keys), StatsCell.course_slug == course_slug, StatsCell.lang == lang,
                        StatsCell.item == "", StatsCell.figure.in_(COHORT_FIGURES)))}
    return [(_period_of(row), found.get((row.key, "started")), found.get((row.key, "completed")))
            for row in reversed(chosen)]
