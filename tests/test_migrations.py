"""Migrations: the migrated schema equals the models, and every revision goes down and up again."""

from __future__ import annotations

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
# revision → table → the rows expected after the upgrade, and after the downgrade back.
DATA_CHANGES: dict[str, dict[str, tuple[int | None, int | None]]] = {
    # Throttle counters keyed by plain-text names are dropped; the new ones are keyed hashes.
    "0005": {"throttle_window": (0, 0)},
}


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
            expected_up, expected_down = changes.get(table, (count, count))
            if table in after_upgrade:
                assert after_upgrade[table] == expected_up, (revision, table, "upgrade")
            assert after_downgrade[table] == expected_down, (revision, table, "downgrade")
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
