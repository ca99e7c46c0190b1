"""``course-app purge``: delete learner data past its time (daily, from cron)."""

from __future__ import annotations

import click
from flask import current_app

from ..clock import clock
from ..content import current_catalogue
from ..db import checkpoint_after_delete, get_session
from ..domain.periods import fix_closed_periods_once
from ..domain.retention import Retention, purge
from .app_context import with_current_database


@click.command("purge")
@with_current_database
def purge_command() -> None:
    """Delete learner data past its time (run daily from cron; see docs/deploy.md)."""
    config = current_app.config
    rules = Retention(config["LEARNER_RETENTION_DAYS"], config["LEARNER_SESSION_HOURS"],
                      config["REMEMBER_DEVICE_DAYS"], config["STAFF_SESSION_MINUTES"])
    now = clock().now()
    # Ended periods are fixed first, so the deletions below cannot change figures of a period that has ended.
    fix_closed_periods_once(get_session(), current_catalogue(), config["LANGUAGES"], now.date())
    result = purge(get_session(), now.date(), now.replace(tzinfo=None), rules)
    get_session().commit()
    checkpoint_after_delete(get_session())
    click.echo(f"removed {result.browser_sessions} browser session(s) no cookie can open any more, "
               f"{result.learners_without_code} learner(s) without a code and without a session, "
               f"{result.learners_with_code} with a code unused for {rules.retention_days} days, "
               f"{result.staff_sessions} expired staff session(s)")


