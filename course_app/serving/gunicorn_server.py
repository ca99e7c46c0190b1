"""Running the app under gunicorn from ``course-app serve``, with the settings of ``gunicorn_settings``."""

from __future__ import annotations

from typing import Any

import click
from flask import Flask
from gunicorn.app.base import BaseApplication

from .. import create_app
from . import gunicorn_settings


class CourseAppServer(BaseApplication):
    """Gunicorn with our settings; each worker builds its own app from the environment."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for name in dir(gunicorn_settings):
            if not name.startswith("_") and name in self.cfg.settings:
                self.cfg.set(name, getattr(gunicorn_settings, name))
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self) -> Flask:
        return create_app()


def run_gunicorn(host: str, port: int, *, workers: int, threads: int) -> None:
    """Serve until interrupted, printing the address first."""
    click.echo(f"course_app is serving on http://{host}:{port}/  (Ctrl+C stops it)")
    CourseAppServer({"bind": f"{host}:{port}", "workers": workers, "threads": threads}).run()
