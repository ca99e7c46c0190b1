"""Running the app under gunicorn from ``course-app serve``, with the settings of gunicorn_config."""

from __future__ import annotations

from typing import Any

import click
from flask import Flask
from gunicorn.app.base import BaseApplication

from . import db, gunicorn_config


def problem_before_serving() -> str | None:
    """What keeps this server from serving (a wrong setting, a database it cannot use), or None.

    Gunicorn's master asks before it forks any worker, so the app built here starts no thread,
    reads no lesson and keeps no database connection: a fork inherits none of them.
    """
    from . import create_app
    from .config import ConfigurationError

    try:
        app = create_app(READ_LESSONS_AT_START=False, RELOAD_LESSONS=False)
    except ConfigurationError as error:
        return f"configuration: {error}"
    try:
        db.check_schema_is_current(app)
    except db.DatabaseNotReady as error:
        return str(error)
    finally:
        db.database(app).engine.dispose()
    return None


class CourseAppServer(BaseApplication):
    """Gunicorn with our settings; each worker builds its own app from the environment."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for name in dir(gunicorn_config):
            if not name.startswith("_") and name in self.cfg.settings:
                self.cfg.set(name, getattr(gunicorn_config, name))
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self) -> Flask:
        from . import create_app

        return create_app()


def run_gunicorn(host: str, port: int, *, workers: int, threads: int) -> None:
    """Serve until interrupted, printing the address first."""
    click.echo(f"course_app is serving on http://{host}:{port}/  (Ctrl+C stops it)")
    CourseAppServer({"bind": f"{host}:{port}", "workers": workers, "threads": threads}).run()
