"""Shared fixtures: an app built by the factory on a temporary instance folder with a migrated
database (SQLite by default, PostgreSQL when DATABASE_URL is set), its client and CLI runner."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, inspect, text

from course_app import create_app
from course_app.cli import main
from course_app.clock import Clock
from course_app.config import normalise_database_url
from course_app.db import Base, database, upgrade_database
from course_app.domain.password_costs import LEAST_MEMORY_KIB, LEAST_TIME_COST
from course_app.learner.reads import read_counter

PROJECT_DIR = Path(__file__).resolve().parent.parent
# The starter course; LESSONS_DIR points the tests at another copy of it (as it points the app).
STARTER_LESSONS = Path(os.environ.get("LESSONS_DIR") or PROJECT_DIR / "lessons")
# The starter course's lessons, read from its course.yaml so tests follow the course as it grows.
STARTER_LESSON_SLUGS = [slug for module in yaml.safe_load(
    (STARTER_LESSONS / "trade-unions" / "course.yaml").read_text(encoding="utf-8"))["modules"]
    for slug in module["lessons"]]
STARTER_LESSON_COUNT = len(STARTER_LESSON_SLUGS)
LANGUAGES = ("en", "ru", "be")
TEST_SECRETS = {"SECRET_KEY": "test-secret-key-" + "x" * 32, "LEARNER_CODE_PEPPER": "test-pepper-" + "y" * 32,
                "STAFF_TOTP_KEY": "test-totp-key-" + "z" * 32}
# Test apps hash staff passwords at the least costs a server may be given (a fifth of the default's
# work); tests/domain/test_staff_accounts.py checks the default costs themselves.
LEAST_PASSWORD_COSTS = {"STAFF_PASSWORD_MEMORY_KIB": LEAST_MEMORY_KIB, "STAFF_PASSWORD_TIME_COST": LEAST_TIME_COST,
                        # Sign-ins one after another in a test never wait for the guesses' share of time (the share
                        # itself is tested in tests/web/test_work_limits.py with a clock of its own).
                        "PASSWORD_GUESS_SHARE": 1.0}


def using_postgresql() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith("postgres")


def database_contents(app: Flask) -> bytes:
    """Everything the database holds, as bytes to search: the SQLite files, or every row of every table."""
    engine = database(app).engine
    if engine.dialect.name == "sqlite":
        engine.dispose()
        return b"".join(path.read_bytes() for path in Path(app.instance_path).glob("course_app.sqlite3*"))
    chunks = []
    with engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                chunks.append(repr(tuple(row)).encode())
    return b"\n".join(chunks)


def postgresql_url_for_schema(schema: str) -> str:
    """DATABASE_URL, pointed at a schema of its own (so every test app is isolated on one server)."""
    base = normalise_database_url(os.environ["DATABASE_URL"])
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}"


_TEMPLATE_DATABASE: dict[str, Path] = {}
# Every test app keeps read lessons in one folder, as one server does across its starts: an app over
# the starter course then takes its lessons from the cache instead of reading them again.
SHARED_LESSON_CACHE = tempfile.mkdtemp(prefix="course-app-lesson-cache-")
atexit.register(shutil.rmtree, SHARED_LESSON_CACHE, True)


def migrated_sqlite_template() -> Path:
    """A SQLite file migrated to the newest schema once per test run; each app starts from a copy.

    Migrating takes about half a second; copying a file takes none. The migrations themselves are
    tested, revision by revision, in tests/test_migrations.py.
    """
    if "path" not in _TEMPLATE_DATABASE:
        folder = Path(tempfile.mkdtemp(prefix="course-app-template-"))
        atexit.register(shutil.rmtree, folder, True)
        # Migrating needs no lessons: they are not read for this app.
        app = create_app({"INSTANCE_PATH": str(folder), "DATABASE_URL": "", "RELOAD_LESSONS": False, "TESTING": True,
                          "READ_LESSONS_AT_START": False, **TEST_SECRETS})
        upgrade_database(app)
        database(app).engine.dispose()  # checkpoints the WAL into the file
        _TEMPLATE_DATABASE["path"] = folder / "course_app.sqlite3"
    return _TEMPLATE_DATABASE["path"]


def make_app(tmp_path: Path, **overrides: object) -> Flask:
    """An app on its own instance folder and a freshly migrated, empty database.

    On SQLite the database is a file in the instance folder, copied from a migrated template;
    with DATABASE_URL (PostgreSQL) each app gets a schema of its own on that server, migrated.
    """
    instance = Path(str(overrides.pop("INSTANCE_PATH", tmp_path / "instance")))
    settings: dict[str, object] = {"INSTANCE_PATH": str(instance), "RELOAD_LESSONS": False, "TESTING": True,
                                   "LESSON_CACHE_DIR": SHARED_LESSON_CACHE, **TEST_SECRETS, **LEAST_PASSWORD_COSTS}
    postgresql = using_postgresql() and "DATABASE_URL" not in overrides
    if postgresql:
        schema = "t_" + uuid.uuid4().hex[:20]
        with create_engine(normalise_database_url(os.environ["DATABASE_URL"])).begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        settings["DATABASE_URL"] = postgresql_url_for_schema(schema)
    settings.update(overrides)
    embedded = not postgresql and not settings.get("DATABASE_URL")
    if embedded and not (instance / "course_app.sqlite3").exists():
        instance.mkdir(mode=0o700, parents=True, exist_ok=True)
        shutil.copyfile(migrated_sqlite_template(), instance / "course_app.sqlite3")
        (instance / "course_app.sqlite3").chmod(0o600)
    app = create_app(settings)
    app.test_cli_runner_class = CourseAppRunner
    if not embedded:
        upgrade_database(app)
    return app


class CourseAppRunner(FlaskCliRunner):
    """Flask's CLI runner for ``course-app``'s command group, run in the test's app."""

    def invoke(self, cli: Any = None, args: Any = None, **kwargs: Any) -> Result:  # type: ignore[override]
        return super().invoke(cli or main, args, **kwargs)


# Rows the migrations themselves write: kept, as a freshly migrated database has them.
MIGRATION_ROWS = {"site_event"}


def clear_tables(app: Flask) -> None:
    """Delete every row tests write (faster than re-migrating between tests that share an app), and
    the lesson reads an earlier test counted in memory but had not written yet."""
    read_counter(app).flush()
    engine = database(app).engine
    with engine.begin() as connection:
        names = set(inspect(connection).get_table_names()) - MIGRATION_ROWS
        for table in reversed(Base.metadata.sorted_tables):
            if table.name in names:
                connection.execute(table.delete())


@pytest.fixture(scope="session")
def shared_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """One app over the starter course, for tests that only read pages (rows are cleared per test)."""
    return make_app(tmp_path_factory.mktemp("shared"))


@pytest.fixture()
def app(shared_app: Flask) -> Iterator[Flask]:
    clear_tables(shared_app)
    yield shared_app
    # A test that stopped or moved the app's clock leaves none of it to the next test.
    shared_app.extensions["course_app.clock"] = Clock()


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture()
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture()
def lessons_copy(tmp_path: Path) -> Path:
    """A private copy of the starter lessons, safe to break."""
    target = tmp_path / "lessons"
    shutil.copytree(STARTER_LESSONS, target)
    return target
