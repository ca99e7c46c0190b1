"""``course-app lessons``: check, make and survey the lesson files.

Exit codes of ``lessons check``: 0 no errors (warnings may be printed), 1 errors found,
2 the command was used wrongly (e.g. PATH does not exist).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..content import load_options
from ..content.loader import COURSE_FILE, load_catalogue
from ..content.problems import Problem, is_within
from ..content.scaffold import ScaffoldError, course_languages, scaffold_lesson
from ..content.status import translation_status
from .app_context import EXIT_ERRORS, EXIT_OK, EXIT_USAGE, shown_path


@click.group()
def lessons() -> None:
    """Write and check lesson files."""


def check_lessons(path: Path, *, include_drafts: bool = True) -> tuple[list[Problem], Path]:
    """Every problem in the lessons at ``path``: the lessons folder, a course folder, a lesson folder or one file.

    A course, lesson or file is checked with the whole lessons folder around it (links to other
    lessons need it), and only its own problems are returned.
    """
    path = path.resolve()
    # The course around a lesson folder, or a file in one (media/ files sit three levels down).
    course = next((folder for folder in (path, *path.parents[:3]) if (folder / COURSE_FILE).is_file()), None)
    root = course.parent if course is not None else path
    catalogue = load_catalogue(root, load_options(current_app, include_drafts=include_drafts))
    if course is None:
        return list(catalogue.problems), root
    return [p for p in catalogue.problems if p.path == path or is_within(p.path, path)], root


@lessons.command("check")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              help="text: one 'path:line: message' per line; json: a list of objects.")
@click.option("--strict", is_flag=True, help="Treat warnings (missing or stale translations …) as errors.")
@with_appcontext
def lessons_check(path: Path | None, output_format: str, strict: bool) -> None:
    """Check every lesson file under PATH (default: the site's lessons folder)."""
    target = path or Path(current_app.config["LESSONS_DIR"])
    if not target.exists():
        click.echo(f"{target}: no such folder", err=True)
        sys.exit(EXIT_USAGE)
    problems, _root = check_lessons(target)
    failing = [p for p in problems if p.is_error or strict]
    if output_format == "json":
        click.echo(json.dumps([p.as_dict() for p in problems], ensure_ascii=False, indent=2))
    else:
        for problem in problems:
            click.echo(problem.format())
        errors = sum(p.is_error for p in problems)
        warnings = len(problems) - errors
        summary = f"{errors} error(s), {warnings} warning(s)" if problems else "no problems found"
        click.echo(summary, err=True)
    sys.exit(EXIT_ERRORS if failing else EXIT_OK)


@lessons.command("new")
@click.argument("target", metavar="COURSE/LESSON")
@click.option("--langs", default=None,
              help="Languages, comma-separated; the first is the original. Default: the course's languages "
                   "(for a new course: the site's).")
@click.option("--quiz", is_flag=True, help="Also make a quiz file for every language.")
@with_appcontext
def lessons_new(target: str, langs: str | None, quiz: bool) -> None:
    """Make the files of a new lesson (and of a new course, if COURSE does not exist yet), as drafts."""
    root = Path(current_app.config["LESSONS_DIR"])
    course_file = root / target.strip("/").partition("/")[0] / COURSE_FILE
    if langs is not None:
        languages = [lang.strip() for lang in langs.split(",") if lang.strip()]
    else:
        languages = (course_languages(course_file) if course_file.is_file() else None) or \
            list(current_app.config["LANGUAGES"])
    unknown = [lang for lang in languages if lang not in current_app.config["LANGUAGES"]]
    if unknown:
        raise click.UsageError(f"the site does not speak {', '.join(unknown)} "
                               f"(it speaks {', '.join(current_app.config['LANGUAGES'])})")
    try:
        result = scaffold_lesson(root, target, languages, with_quiz=quiz)
    except ScaffoldError as error:
        raise click.ClickException(str(error)) from None
    for path in result.created:
        click.echo(f"created {shown_path(path)}")
    for path in result.changed:
        click.echo(f"added the lesson to {shown_path(path)}")
    click.echo("These are drafts: 'course-app preview' shows them, learners do not. When the lesson is ready, "
               "remove its 'draft: true' line" + (" (and the course's)" if not result.changed else "") + ".")
    click.echo("next: write the lesson, then run 'course-app lessons check'")


@lessons.command("status")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
@with_appcontext
def lessons_status(output_format: str) -> None:
    """Per course and language: lessons, quizzes and subtitles translated, stale, placeholders or missing, and which."""
    options = load_options(current_app, include_drafts=True)
    report = translation_status(load_catalogue(Path(current_app.config["LESSONS_DIR"]), options))
    if output_format == "json":
        click.echo(json.dumps([row.as_dict() for row in report], ensure_ascii=False, indent=2))
        return
    header = f"{'course':<24} {'lang':<5} {'lessons':>26} {'quizzes':>26} {'subtitles':>26}"
    click.echo(header)
    click.echo("-" * len(header))
    for row in report:
        click.echo(f"{row.course_slug:<24} {row.lang:<5} {row.lessons.describe():>26} {row.quizzes.describe():>26} "
                   f"{row.subtitles.describe():>26}")
        # Then, under the row, which lessons are not translated, by state: "  stale: COURSE/LESSON (quiz)".
        for state, lessons in row.not_translated().items():
            for lesson, what in lessons.items():
                click.echo(f"    {state + ':':<13} {lesson} ({', '.join(what)})")
