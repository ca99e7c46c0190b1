"""``course-app stats``: rebuild the aggregates, fix ended periods, fill a database with synthetic data."""

from __future__ import annotations

import click
from flask import current_app

from ..clock import clock
from ..content import current_catalogue
from ..db import get_session
from ..domain.aggregates import rebuild_all
from ..domain.periods import fix_closed_periods_once
from ..domain.synthetic import DatabaseNotEmpty, generate_progress
from .app_context import with_current_database


@click.group()
def stats() -> None:
    """The aggregates behind the staff statistics."""


@stats.command("rebuild")
@with_current_database
def stats_rebuild() -> None:
    """Recompute every aggregate from the progress rows (after an upgrade or a repair)."""
    rebuild_all(get_session(), {course.slug: len(course.lessons) for course in current_catalogue().courses})
    get_session().commit()
    click.echo("statistics rebuilt")


@stats.command("fix")
@with_current_database
def stats_fix() -> None:
    """Fix the figures of every ended week and month not fixed yet (the daily purge does it too)."""
    fixed = fix_closed_periods_once(get_session(), current_catalogue(), current_app.config["LANGUAGES"],
                                    clock().today())
    click.echo(f"fixed {fixed} ended period(s)")


@stats.command("generate")
@click.option("--learners", default=100_000, show_default=True, help="Synthetic learners to make.")
@click.option("--rows", default=1_000_000, show_default=True, help="About how many lesson progress rows.")
@click.option("--seed", default=1, show_default=True)
@with_current_database
def stats_generate(learners: int, rows: int, seed: int) -> None:
    """Fill an EMPTY database with synthetic progress, for benchmarks (refuses real data)."""
    try:
        counts = generate_progress(get_session(), current_catalogue().courses, learners=learners, lesson_rows=rows,
                                   today=clock().today(), seed=seed)
    except DatabaseNotEmpty as error:
        raise click.ClickException(str(error)) from None
    get_session().commit()
    click.echo(f"{counts.learners} learners, {counts.lesson_rows} lesson rows, {counts.quiz_rows} quiz rows, "
               f"{counts.answers} answers to quiz questions")


