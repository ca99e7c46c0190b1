"""Migrations: the migrated schema equals the models, and every revision goes down and up again."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from course_app.db import Base, alembic_config, database, downgrade_database, upgrade_database
from tests.conftest import make_app


def test_migrated_schema_equals_the_models(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    with database(app).engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_every_revision_downgrades_and_upgrades_with_data(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    engine = database(app).engine
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO learner (id, code_hash, created_on, last_seen_on) VALUES ('abc', NULL, :d, :d)"
        ), {"d": date(2026, 1, 5)})
    script = ScriptDirectory.from_config(alembic_config(app.config["DATABASE_URL"]))
    revisions = [rev.revision for rev in script.walk_revisions()]  # newest first
    for index, revision in enumerate(revisions):
        target = revisions[index + 1] if index + 1 < len(revisions) else "base"
        downgrade_database(app, target)
        upgrade_database(app, revision)
        downgrade_database(app, target)
    assert "learner" not in inspect(engine).get_table_names()
    upgrade_database(app)
    assert "learner" in inspect(engine).get_table_names()
