"""The database: declarative base, one engine per app, one session per request, migrations.

The schema is created and changed only by Alembic migrations (``migrations/``), never by
``create_all``; ``upgrade_database`` runs them, and ``course-app serve`` calls it on start.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app, g
from sqlalchemy import Engine, MetaData, Table, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from .config import PROJECT_DIR, make_private_folder
from .driver_statements import DriverStatement
from .sqlite_writers import turn_taking_connection

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS_DIR = PROJECT_DIR / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def table(model: type[Base]) -> Table:
    """A model's table, for plain SQL statements on the busiest paths (no ORM work for each row)."""
    found = model.__table__
    assert isinstance(found, Table)
    return found


@dataclass(frozen=True)
class Database:
    engine: Engine
    sessions: sessionmaker[Session]


def make_engine(url: str) -> Engine:
    """An engine; SQLite gets WAL, a busy timeout and enforced foreign keys on every connection, and its
    writers take turns (sqlite_writers.py)."""
    if url.startswith("sqlite"):
        connect_args: dict[str, Any] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        file = url.removeprefix("sqlite:///")
        if url.startswith("sqlite:///") and file and not file.startswith(":memory:"):
            connect_args["factory"] = turn_taking_connection(Path(file), SQLITE_BUSY_TIMEOUT_MS / 1000)
        engine = create_engine(url, connect_args=connect_args)
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted rows are overwritten with zeros, not merely marked free (S11: deleted means gone).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def checkpoint_after_delete(session: Session) -> None:
    """After deleting a learner's data, move SQLite's WAL into the database file and empty it.

    With ``secure_delete`` the database file then holds zeros where the rows were, and the WAL
    file, which still held copies of the old pages, is truncated. If a reader keeps an old
    snapshot open the checkpoint cannot finish now; it finishes at the next one (SQLite
    checkpoints on its own every 1,000 pages). PostgreSQL needs the operator's VACUUM instead
    (docs/deploy.md).
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    session.commit()


# The INSERT that takes ON CONFLICT clauses, by database.
_INSERTS: dict[str, Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def insert_on_conflict(session: Session, model: type) -> Any:
    """An INSERT that takes ON CONFLICT clauses, for the database in use (SQLite or PostgreSQL)."""
    return _INSERTS[session.get_bind().dialect.name](model)


def add_to_counter(session: Session, model: type, key: dict[str, Any], deltas: dict[str, int]) -> None:
    """Add ``deltas`` to the counter row named by ``key`` (its primary key), creating the row if needed.

    One statement, so concurrent requests never lose a count.
    """
    add_to_counters(session, model, [(key, deltas)])


def add_to_counters(session: Session, model: type, changes: Iterable[tuple[dict[str, Any], dict[str, int]]]) -> None:
    """Add each change's deltas to the counter row its key names, creating rows as needed: one statement for all.

    Changes to the same row are added together first (PostgreSQL lets one statement touch a row once), a delta a
    change does not name is 0, and rows whose deltas are all zero are left alone. Every row must have the same key
    columns.
    """
    merged: dict[tuple[Any, ...], tuple[dict[str, Any], dict[str, int]]] = {}
    names: dict[str, None] = {}  # every delta named, in order
    for key, deltas in changes:
        marker = tuple(sorted(key.items()))
        _, total = merged.setdefault(marker, (key, {}))
        for name, value in deltas.items():
            total[name] = total.get(name, 0) + value
            names[name] = None
    rows = [{**key, **dict.fromkeys(names, 0), **deltas} for key, deltas in merged.values() if any(deltas.values())]
    if not rows:
        return
    key_columns = tuple(next(iter(merged.values()))[0])
    statement = _counter_upsert(session.get_bind().dialect.name, model, key_columns, tuple(names))
    statement.run_many(session.connection(), rows)


def insert_or_ignore(session: Session, model: type) -> DriverStatement:
    """An INSERT that does nothing where the row exists; run with the row's values (built once per table)."""
    return _insert_or_ignore(session.get_bind().dialect.name, model)


def insert_or_replace(session: Session, model: type, key_columns: tuple[str, ...],
                      columns: tuple[str, ...]) -> DriverStatement:
    """An INSERT that sets ``columns`` where the row (named by ``key_columns``) exists; run with the row's values
    (built once per table)."""
    return _insert_or_replace(session.get_bind().dialect.name, model, key_columns, columns)


@functools.lru_cache(maxsize=64)
def _insert_or_ignore(dialect: str, model: type) -> DriverStatement:
    return DriverStatement(_INSERTS[dialect](model).on_conflict_do_nothing())


@functools.lru_cache(maxsize=64)
def _insert_or_replace(dialect: str, model: type, key_columns: tuple[str, ...],
                       columns: tuple[str, ...]) -> DriverStatement:
    statement = _INSERTS[dialect](model)
    return DriverStatement(statement.on_conflict_do_update(
        index_elements=list(key_columns), set_={name: getattr(statement.excluded, name) for name in columns}))


@functools.lru_cache(maxsize=64)
def _counter_upsert(dialect: str, model: type, key_columns: tuple[str, ...],
                    delta_names: tuple[str, ...]) -> DriverStatement:
    """The one statement that adds to a kind of counter, built once (building it costs more than running it)."""
    statement = _INSERTS[dialect](model)
    columns = table(model).c
    return DriverStatement(statement.on_conflict_do_update(
        index_elements=list(key_columns),
        set_={name: columns[name] + getattr(statement.excluded, name) for name in delta_names}))


def init_app(app: Flask) -> None:
    """Create the engine (no connection is made yet) and close each request's session."""
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        create_private_sqlite_file(Path(url.removeprefix("sqlite:///")))
    engine = make_engine(url)
    app.extensions["course_app.db"] = Database(engine, sessionmaker(engine, expire_on_commit=False))
    app.teardown_appcontext(_close_session)


def create_private_sqlite_file(path: Path) -> None:
    """Create the SQLite file readable by its owner only; SQLite gives its -wal and -shm files the same mode."""
    make_private_folder(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def database(app: Flask | None = None) -> Database:
    found: Database = (app or current_app).extensions["course_app.db"]
    return found


def get_session() -> Session:
    """The session of the current request or command; committed only by the view that owns it."""
    if "db_session" not in g:
        g.db_session = database().sessions()
    session: Session = g.db_session
    return session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def alembic_config(url: str) -> AlembicConfig:
    # Alembic is imported only when migrating: a server process starts faster without it.
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_database(app: Flask, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (creating the SQLite file on first run)."""
    from alembic import command

    command.upgrade(alembic_config(app.config["DATABASE_URL"]), revision)


def downgrade_database(app: Flask, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(app.config["DATABASE_URL"]), revision)


class DatabaseNotReady(RuntimeError):
    """The database cannot be opened, or its schema is not the one this version of the code needs."""


def check_reachable(app: Flask) -> None:
    """:raises DatabaseNotReady: the database cannot be opened (the message names it, without its password)."""
    from sqlalchemy.exc import OperationalError

    engine = database(app).engine
    try:
        engine.connect().close()
    except OperationalError as error:
        where = engine.url.render_as_string(hide_password=True)
        raise DatabaseNotReady(f"cannot open the database {where}: {str(error.orig).strip()}") from None


def check_schema_is_current(app: Flask) -> None:
    """Stop a command before it touches a database it would fail on, with what to do about it.

    :raises DatabaseNotReady: the database cannot be opened, has no tables yet, or is at another
        migration than this code's newest (older: ``course-app db upgrade``; unknown: a newer
        version of course_app migrated it).
    """
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    check_reachable(app)
    engine = database(app).engine
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    scripts = ScriptDirectory.from_config(alembic_config(app.config["DATABASE_URL"]))
    newest = set(scripts.get_heads())
    if current == newest:
        return
    where = engine.url.render_as_string(hide_password=True)
    if not current:
        raise DatabaseNotReady(f"the database {where} has no tables yet: run 'course-app db upgrade'")
    known = {script.revision for script in scripts.walk_revisions()}
    if current - known:
        raise DatabaseNotReady(f"the database {where} is at revision {', '.join(sorted(current))}, which this "
                               "version of course_app does not know: a newer version migrated it")
    raise DatabaseNotReady(f"the database {where} is at revision {', '.join(sorted(current))} and this version "
                           f"needs {', '.join(sorted(newest))}: run 'course-app db upgrade'")


class BackupNotPossible(RuntimeError):
    """This database is backed up with its own tools (the message says which)."""


def sqlite_file_url(app: Flask) -> str:
    """The SQLite database's address, which ``backup_sqlite`` copies.

    :raises BackupNotPossible: for PostgreSQL, which is backed up with pg_dump (docs/deploy.md).
    """
    url = str(app.config["DATABASE_URL"])
    if not url.startswith("sqlite:///"):
        raise BackupNotPossible("this site uses PostgreSQL: back it up with pg_dump (see docs/deploy.md)")
    return url


def backup_sqlite(app: Flask, target: Path) -> Path:
    """A consistent copy of the SQLite database, taken while the site keeps running (SQLite's backup API).

    :raises BackupNotPossible: for PostgreSQL, which is backed up with pg_dump (docs/deploy.md).
    """
    import sqlite3

    url = sqlite_file_url(app)
    target = target.resolve()
    if target.exists():
        raise BackupNotPossible(f"{target} already exists: choose a new file name")
    if not target.parent.is_dir():
        raise BackupNotPossible(f"{target.parent} does not exist: create it first")
    partial = target.with_name(f".{target.name}.partial")
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))  # a copy of learners' data: owner only
    source = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        destination = sqlite3.connect(partial)
        try:
            source.backup(destination)
        finally:
            destination.close()
        partial.replace(target)
    finally:
        source.close()
        partial.unlink(missing_ok=True)
    return target
