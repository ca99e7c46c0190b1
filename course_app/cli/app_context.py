"""The app a command runs in, and the checks a command makes on its database before it starts.

A command builds the app only when it runs (``with_appcontext``), so a verb that needs none, such as
a reader's ``export verify``, never makes an instance folder or secrets.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .. import create_app, db
from ..config import ConfigurationError
from ..content.problems import is_within

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


def create_command_app() -> Flask:
    """The app of one command: the served catalogue is read only by the commands that use it, when they first do."""
    try:
        return create_app(READ_LESSONS_AT_START=False)
    except ConfigurationError as error:
        # A wrong setting is the operator's to fix: say which, without a traceback.
        raise click.ClickException(f"configuration: {error}") from None


def _checking_database(check: Callable[[Flask], None]) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """``with_appcontext`` that first runs ``check(app)``: a command stops with what to do, not a
    traceback, on a database it would fail on."""
    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(command)
        def checked(*args: object, **kwargs: object) -> None:
            try:
                check(current_app)
            except db.DatabaseNotReady as error:
                raise click.ClickException(str(error)) from None
            command(*args, **kwargs)

        return with_appcontext(checked)

    return decorate


# A command that migrates needs a database it can open; one that reads or writes learners or staff
# needs it migrated to this version too.
with_reachable_database = _checking_database(db.check_reachable)
with_current_database = _checking_database(db.check_schema_is_current)


def shown_path(path: Path) -> str:
    """A path as the person at the terminal finds it: relative to where they are, when it is below it."""
    return str(path.relative_to(Path.cwd())) if is_within(path, Path.cwd()) else str(path)
