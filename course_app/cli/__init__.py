"""The ``course-app`` command: every command-line verb of the project, one module per group.

    course-app lessons check|new|status     lesson files (lessons.py)
    course-app db upgrade|downgrade|backup|revision   the database (database.py)
    course-app media encode SOURCE          the small video sizes and poster, with ffmpeg (media.py)
    course-app staff add|list|password|unlock|disable|reset-2fa   staff accounts (staff.py)
    course-app stats rebuild|fix|generate   the statistics aggregates and fixed periods (stats.py)
    course-app export keygen|pubkey|static|verify   signed static mirrors (export.py)
    course-app purge                        learner data past its time, daily from cron (retention.py)
    course-app preview | serve              an educator's preview; the site under gunicorn (serving.py)
"""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from .app_context import create_command_app
from .database import database_group
from .export import export_group
from .lessons import lessons
from .media import media
from .retention import purge_command
from .serving import preview, serve
from .staff import staff
from .stats import stats

VERBS = (lessons, database_group, media, staff, stats, export_group, purge_command, preview, serve)


@click.group(cls=FlaskGroup, create_app=create_command_app, add_default_commands=False,
             help="course_app: serve, check and manage a labour-rights course.")
def main() -> None:
    """The command group behind the ``course-app`` console script."""


# ``course-app`` knows its verbs without building the app: a verb that needs it (with_appcontext)
# builds it when it runs, and one that does not, such as a reader's ``export verify``, never makes
# an instance folder or secrets.
for _verb in VERBS:
    main.add_command(_verb)
