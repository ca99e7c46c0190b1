"""Migrations: the migrated schema equals the models, and every revision goes down and up again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    String,
    func,
    insert,
    select,
    text,
)

from course_app.db import Base, alembic_config, database, downgrade_database, upgrade_database
from tests.conftest import make_app


def test_migrated_schema_equals_the_models(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    with database(app).engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


# What a revision itself does to rows already there, beyond keeping them (checked after it runs):
# revision → table → the rows expected after the upgrade, and after the downgrade back, from the rows before.
DATA_CHANGES: dict[str, dict[str, tuple[Callable[[int], int], Callable[[int], int]]]] = {
    # Throttle counters keyed by plain-text names are dropped; the new ones are keyed hashes.
    "0005": {"throttle_window": (lambda _: 0, lambda _: 0)},
    # Fixed statistics are dropped (fixed again under the rounding rule); answer counters found there make
    # the upgrade's day noted, and the downgrade takes the note away again.
    "0009": {"stats_cell": (lambda _: 0, lambda _: 0), "stats_period": (lambda _: 0, lambda _: 0),
             "site_event": (lambda count: count + 1, lambda count: count)},
}


def _same(count: int) -> int:
    return count


def value_for(column: Column, number: int, connection: Connection) -> object:
    """A value of ``column``'s type, different for each ``number``; a foreign key points at an existing row."""
    for key in column.foreign_keys:
        referenced = key.column
        return connection.execute(select(referenced).limit(1)).scalar_one()
    kind = column.type
    if isinstance(kind, Boolean):
        return number % 2 == 0
    if isinstance(kind, Integer):
        return number
    if isinstance(kind, DateTime):
        return datetime(2026, 1, 1, 12, 0) + timedelta(minutes=number)
    if isinstance(kind, Date):
        return date(2026, 1, 1) + timedelta(days=number % 300)
    if isinstance(kind, LargeBinary):
        return number.to_bytes(4, "big")
    if isinstance(kind, String) and kind.length:
        return f"{column.name[:6]}-{number}"[: kind.length]
    return f"{column.name}-{number}"


def add_rows(engine: Engine, first_number: int) -> dict[str, int]:
    """Two rows in every table (parents first); the row count of every table afterwards."""
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.begin() as connection:
        for table in metadata.sorted_tables:
            if table.name == "alembic_version":
                continue
            for number in (first_number, first_number + 1):
                connection.execute(insert(table).values(
                    {column.name: value_for(column, number, connection) for column in table.columns}))
    return row_counts(engine)


def row_counts(engine: Engine) -> dict[str, int]:
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        return {table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
                for table in metadata.sorted_tables if table.name != "alembic_version"}


def test_every_revision_keeps_the_rows_it_finds_going_up_and_down(tmp_path: Path) -> None:
    """Each revision runs on a database full of rows (as on a live site): the rows of every table it
    does not drop are still there after the upgrade, and again after the downgrade back."""
    app = make_app(tmp_path)
    engine = database(app).engine
    script = ScriptDirectory.from_config(alembic_config(app.config["DATABASE_URL"]))
    revisions = [rev.revision for rev in script.walk_revisions()][::-1]  # oldest first
    downgrade_database(app, "base")
    for index, revision in enumerate(revisions):
        previous = revisions[index - 1] if index else "base"
        before = add_rows(engine, 10 * index + 1)
        upgrade_database(app, revision)
        after_upgrade = row_counts(engine)
        downgrade_database(app, previous)
        after_downgrade = row_counts(engine)
        upgrade_database(app, revision)
        changes = DATA_CHANGES.get(revision[:4], {})
        for table, count in before.items():
            expected_up, expected_down = changes.get(table, (_same, _same))
            if table in after_upgrade:
                assert after_upgrade[table] == expected_up(count), (revision, table, "upgrade")
            assert after_downgrade[table] == expected_down(count), (revision, table, "downgrade")
        assert set(after_downgrade) == set(before), revision  # the downgrade removes what it added, only that
    assert row_counts(engine)["learner"] >= 2


def test_a_learner_row_keeps_its_values_through_every_revision(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    engine = database(app).engine
    downgrade_database(app, "base")
    upgrade_database(app, "0001")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO learner (id, code_hash, created_on, last_seen_on) "
                                "VALUES ('abc', 'hash', :made, :seen)"),
                           {"made": date(2026, 1, 5), "seen": date(2026, 2, 1)})
    upgrade_database(app)
    with engine.connect() as connection:
        row = connection.execute(text("SELECT id, code_hash, created_on, last_seen_on FROM learner")).one()
    assert (row[0], row[1], str(row[2]), str(row[3])) == ("abc", "hash", "2026-01-05", "2026-02-01")


def test_0009_keeps_answers_counted_before_it_as_the_period_until_the_upgrade(tmp_path: Path) -> None:
    """Counters from before answers had a day keep their counts, under 1 January 2000, and the upgrade's day is
    noted: the next fixing makes them one period, "until the upgrade". Cells fixed under the old rule are gone.
    Going back down adds the days of a counter up again."""
    from course_app.content import current_catalogue
    from course_app.db import get_session
    from course_app.domain.periods import UPGRADE_KEY, fix_closed_periods, fixed_periods, period_cells

    app = make_app(tmp_path)
    engine = database(app).engine
    downgrade_database(app, "0008")
    tally = ("INSERT INTO answer_tally (course_slug, lesson_slug, question_id, lang, answer_key, count) "
             "VALUES ('trade-unions', 'wages', 'q1', 'ru', :key, :count)")
    with engine.begin() as connection:
        connection.execute(text(tally), [{"key": "answered", "count": 42}, {"key": "correct", "count": 30}])
        connection.execute(text('INSERT INTO stats_period (key, kind, start, "end", fixed_on) '
                                "VALUES ('2026-11', 'month', '2026-11-01', '2026-11-30', '2026-12-01')"))
        connection.execute(text("INSERT INTO stats_cell (period_key, course_slug, lang, figure, item, value, hidden) "
                                "VALUES ('2026-11', '', '', 'started', '', 12, 'protecting')"))
    upgrade_database(app)
    with engine.connect() as connection:
        days = connection.execute(text("SELECT DISTINCT day FROM answer_tally")).scalars().all()
        noted = connection.execute(text("SELECT day FROM site_event WHERE name = 'answers-counted-by-day'")).scalar()
        assert connection.execute(text("SELECT COUNT(*) FROM stats_cell")).scalar() == 0
        assert connection.execute(text("SELECT COUNT(*) FROM stats_period")).scalar() == 0
    assert [str(day) for day in days] == ["2000-01-01"] and noted is not None
    with app.app_context():
        session = get_session()
        assert fix_closed_periods(session, current_catalogue(), app.config["LANGUAGES"], date(2027, 1, 5)) == 1
        (period,) = fixed_periods(session)
        assert (period.key, period.start, str(period.end + timedelta(days=1))) == (UPGRADE_KEY, date(2000, 1, 1),
                                                                                   str(noted))
        cells = period_cells(session, period, ["trade-unions"], "ru", ["answered", "correct"])
        assert cells == {("trade-unions", "answered", "wages", "q1", ""): 42,
                         ("trade-unions", "correct", "wages", "q1", ""): 30}
        session.commit()
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO answer_tally (course_slug, lesson_slug, question_id, lang, answer_key, "
                                "day, count) VALUES ('trade-unions', 'wages', 'q1', 'ru', 'answered', "
                                "'2027-01-04', 3)"))
    downgrade_database(app, "0008")
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT answer_key, count FROM answer_tally ORDER BY answer_key")).all()
        assert connection.execute(text("SELECT COUNT(*) FROM site_event WHERE name = 'answers-counted-by-day'")
                                  ).scalar() == 0
    assert [tuple(row) for row in rows] == [("answered", 45), ("correct", 30)]
