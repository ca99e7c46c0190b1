"""``course-app db``: migrate the database, back it up, write a new migration."""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import db
from ..clock import clock
from ..db import get_session
from ..domain.staff_accounts import seal_plain_totp_secrets
from .app_context import with_reachable_database


@click.group("db")
def database_group() -> None:
    """Create and migrate the database."""


@database_group.command("upgrade")
@click.argument("revision", default="head")
@with_reachable_database
def db_upgrade(revision: str) -> None:
    """Migrate the database up to REVISION (default: the newest)."""
    db.upgrade_database(current_app, revision)
    if revision == "head":
        seal_staff_secrets()
    click.echo(f"database at {revision}")


def seal_staff_secrets() -> None:
    """Seal authenticator secrets stored before sealing existed (the key is the app's, not the database's)."""
    sealed = seal_plain_totp_secrets(get_session(), current_app.config["STAFF_TOTP_KEY"])
    get_session().commit()
    if sealed:
        click.echo(f"sealed {sealed} staff authenticator secret(s) with STAFF_TOTP_KEY")


@database_group.command("downgrade")
@click.argument("revision")
@with_reachable_database
def db_downgrade(revision: str) -> None:
    """Migrate the database down to REVISION ('base' removes every table)."""
    db.downgrade_database(current_app, revision)
    click.echo(f"database at {revision}")


def default_backup(folder: Path, today: date) -> Path:
    """The backup file for ``today`` in ``folder``: course-YYYY-MM-DD.sqlite3, or -2, -3 … for a second one that day."""
    name = f"course-{today.isoformat()}"
    candidates = (folder / f"{name}{'' if number == 1 else f'-{number}'}.sqlite3" for number in itertools.count(1))
    return next(candidate for candidate in candidates if not candidate.exists())


@database_group.command("backup")
@click.argument("out", required=False, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def db_backup(out: Path | None) -> None:
    """Write a consistent copy of the SQLite database to OUT while the site keeps running.

    Without OUT: BACKUP_DIR/course-YYYY-MM-DD.sqlite3 (BACKUP_DIR: backups/ in the instance folder
    unless set). A folder that is not there yet is made, readable only by its owner, and the command says so.
    """
    try:
        db.sqlite_file_url(current_app)
    except db.BackupNotPossible as error:
        raise click.ClickException(str(error)) from None
    folder = out.parent if out is not None else \
        Path(current_app.config["BACKUP_DIR"] or Path(current_app.instance_path) / "backups")
    if not folder.is_dir():
        try:
            folder.mkdir(mode=0o700, parents=True)
        except OSError as error:
            raise click.ClickException(f"cannot create the backup folder {folder}: {error.strerror}") from None
        click.echo(f"created the folder {folder.resolve()} (readable only by you) for the backup")
    if out is None:
        out = default_backup(folder, clock().today())
    try:
        target = db.backup_sqlite(current_app, out)
    except db.BackupNotPossible as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"backed up to {target}. Keep it with the instance folder's secret_key, learner_code_pepper and "
               "staff_totp_key: without the pepper, saved learner codes cannot be checked.")


@database_group.command("revision")
@click.option("-m", "--message", required=True, help="What the revision changes.")
@with_reachable_database
def db_revision(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    from alembic import command

    command.revision(db.alembic_config(current_app.config["DATABASE_URL"]), message=message, autogenerate=True)


