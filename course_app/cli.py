"""The ``course-app`` command: every command-line verb of the project.

    course-app lessons check [PATH]   validate lesson files, print path:line: message
    course-app db upgrade|downgrade|backup   run migrations; back up SQLite
    course-app media encode SOURCE    make the small video sizes and poster with ffmpeg
    course-app staff add|list|disable|reset-2fa   staff accounts
    course-app stats rebuild|fix|generate   recompute the aggregates; fix ended periods; synthetic data
    course-app export keygen|static|verify   signed static mirrors
    course-app purge                  delete learner data past its time (daily, from cron)
    course-app preview                serve drafts and live changes for an educator, problems shown
    course-app serve                  migrate, then serve with gunicorn

Exit codes of ``lessons check``: 0 no errors (warnings may be printed), 1 errors found,
2 the command was used wrongly (e.g. PATH does not exist).
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy.orm import Session

from . import db
from .clock import clock
from .templating import file_size
from .models import StaffMember, StaffRole
from .content import load_options
from .content.loader import COURSE_FILE, load_catalogue
from .content.problems import Problem, is_within

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


def _create_app() -> Flask:
    from . import create_app
    from .config import ConfigurationError

    try:
        # The served catalogue is read only by the commands that use it, when they first do.
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


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False,
             help="course_app: serve, check and manage a labour-rights course.")
def main() -> None:
    """The command group behind the ``course-app`` console script."""


# -- lessons ---------------------------------------------------------------------------------

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
    from .content.scaffold import ScaffoldError, course_languages, scaffold_lesson

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
        click.echo(f"created {_shown(path)}")
    for path in result.changed:
        click.echo(f"added the lesson to {_shown(path)}")
    click.echo("These are drafts: 'course-app preview' shows them, learners do not. When the lesson is ready, "
               "remove its 'draft: true' line" + (" (and the course's)" if not result.changed else "") + ".")
    click.echo("next: write the lesson, then run 'course-app lessons check'")


def _shown(path: Path) -> str:
    return str(path.relative_to(Path.cwd())) if is_within(path, Path.cwd()) else str(path)


@lessons.command("status")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
@with_appcontext
def lessons_status(output_format: str) -> None:
    """Per course and language: lessons, quizzes and subtitles translated, missing or stale."""
    from .content.status import translation_status

    options = load_options(current_app, include_drafts=True)
    report = translation_status(load_catalogue(Path(current_app.config["LESSONS_DIR"]), options))
    if output_format == "json":
        click.echo(json.dumps([row.as_dict() for row in report], ensure_ascii=False, indent=2))
        return
    header = f"{'course':<24} {'lang':<5} {'lessons':>22} {'quizzes':>22} {'subtitles':>22}"
    click.echo(header)
    click.echo("-" * len(header))
    for row in report:
        click.echo(f"{row.course_slug:<24} {row.lang:<5} {row.lessons.describe():>22} {row.quizzes.describe():>22} "
                   f"{row.subtitles.describe():>22}")


# -- database --------------------------------------------------------------------------------

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
        _seal_staff_secrets()
    click.echo(f"database at {revision}")


def _seal_staff_secrets() -> None:
    """Seal authenticator secrets stored before sealing existed (the key is the app's, not the database's)."""
    from .db import get_session
    from .domain.staff_accounts import seal_plain_totp_secrets

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


@database_group.command("backup")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def db_backup(out: Path) -> None:
    """Write a consistent copy of the SQLite database to OUT while the site keeps running."""
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


# -- media ------------------------------------------------------------------------------------

@click.group()
def media() -> None:
    """Prepare lesson videos."""


@media.command("encode")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the results (default: beside the source).")
def media_encode(source: Path, out_dir: Path | None) -> None:
    """Make the small sizes (360p, 240p, audio only) and a poster of SOURCE with ffmpeg."""
    from .video_ladder import EncoderMissing, EncodingFailed, encode_ladder

    try:
        files = encode_ladder(source, out_dir)
    except (EncoderMissing, EncodingFailed) as error:
        raise click.ClickException(str(error)) from None
    width = max(len(str(file.path)) for file in files)
    for file in files:
        click.echo(f"{str(file.path):<{width}}  {file_size(file.size):>8}  ({file.key})")


# -- staff ------------------------------------------------------------------------------------

@click.group()
def staff() -> None:
    """Staff accounts (made only here: the site has no sign-up)."""


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")


@staff.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice([role.value for role in StaffRole]), required=True,
              help="coordinator: statistics; educator: question insights; admin: both, and the audit log.")
@click.option("--course", "courses", multiple=True, help="An educator's course (repeat for several; none: all).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
@with_current_database
def staff_add(name: str, role: str, courses: tuple[str, ...], password_stdin: bool) -> None:
    """Create a staff account; the member sets up their authenticator at first sign-in."""
    from .content import current_catalogue
    from .db import get_session
    from .domain.staff_accounts import StaffAccountError, add_staff
    from .staff.passwords import server_password_hasher

    known = {course.slug for course in current_catalogue().courses}
    unknown = [slug for slug in courses if slug not in known]
    if unknown:
        raise click.ClickException(f"no such course: {', '.join(unknown)} (courses: {', '.join(sorted(known))})")
    password = _read_password(password_stdin)
    session = get_session()
    try:
        member = add_staff(session, name, StaffRole(role), password, courses, clock().today(),
                           server_password_hasher())
    except StaffAccountError as error:
        raise click.ClickException(str(error)) from None
    session.commit()
    click.echo(f"created {member.role} '{member.name}'. At the first sign-in (/staff/login) they set up an "
               "authenticator app.")


def _member(name: str) -> StaffMember:
    from .db import get_session
    from .domain.staff_accounts import find_staff

    member = find_staff(get_session(), name)
    if member is None:
        raise click.ClickException(f"there is no staff account called '{name}'")
    return member


def _change_account(name: str, change: Callable[[Session, StaffMember], None], action: str) -> None:
    """Apply ``change(session, member)`` to an account, record it in the audit log, and commit."""
    from .db import get_session
    from .domain import audit

    member = _member(name)
    change(get_session(), member)
    audit.record(get_session(), member.name, action, "from the command line", clock().now())
    get_session().commit()


@staff.command("list")
@with_current_database
def staff_list() -> None:
    """Every staff account, its role, courses and state."""
    from sqlalchemy import select

    from .db import get_session
    from .models import StaffMember

    for member in get_session().scalars(select(StaffMember).order_by(StaffMember.name)):
        state = "disabled" if member.disabled else ("active" if member.totp_enrolled else "not yet signed in")
        courses = ", ".join(sorted(member.course_slugs() or [])) or "all courses"
        click.echo(f"{member.name:<24} {member.role:<12} {state:<18} {courses}")


@staff.command("disable")
@click.argument("name")
@with_current_database
def staff_disable(name: str) -> None:
    """Stop an account from signing in (its open sessions end at once)."""
    from .domain.staff_accounts import disable

    _change_account(name, disable, "disabled")
    click.echo(f"'{name}' is disabled")


@staff.command("password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input (for scripts).")
@with_current_database
def staff_password(name: str, password_stdin: bool) -> None:
    """Give an account a new password (its open sessions end at once)."""
    from .domain.staff_accounts import StaffAccountError, set_password
    from .staff.passwords import server_password_hasher

    password = _read_password(password_stdin)
    hasher = server_password_hasher()

    def change(session: Session, member: StaffMember) -> None:
        try:
            set_password(session, member, password, hasher)
        except StaffAccountError as error:
            raise click.ClickException(str(error)) from None

    _change_account(name, change, "password changed")
    click.echo(f"'{name}' has a new password; their open sessions have ended")


@staff.command("unlock")
@click.argument("name")
@with_current_database
def staff_unlock(name: str) -> None:
    """Let an account sign in again at once after too many wrong codes (change its password first)."""
    from .domain import throttle
    from .staff.auth import throttle_key

    def clear_counts(session: Session, member: StaffMember) -> None:
        for kind in ("code", "password"):
            throttle.clear(session, throttle_key(kind, member.name))

    _change_account(name, clear_counts, "unlocked")
    click.echo(f"'{name}' may sign in again")


@staff.command("reset-2fa")
@click.argument("name")
@with_current_database
def staff_reset_2fa(name: str) -> None:
    """Forget an account's authenticator (lost phone): they set up a new one at the next sign-in."""
    from .domain.staff_accounts import reset_totp

    _change_account(name, reset_totp, "authenticator reset")
    click.echo(f"'{name}' will set up a new authenticator at the next sign-in")


# -- statistics -------------------------------------------------------------------------------

@click.group()
def stats() -> None:
    """The aggregates behind the staff statistics."""


@stats.command("rebuild")
@with_current_database
def stats_rebuild() -> None:
    """Recompute every aggregate from the progress rows (after an upgrade or a repair)."""
    from .content import current_catalogue
    from .db import get_session
    from .domain.aggregates import rebuild_all

    rebuild_all(get_session(), {course.slug: len(course.lessons) for course in current_catalogue().courses})
    get_session().commit()
    click.echo("statistics rebuilt")


@stats.command("fix")
@with_current_database
def stats_fix() -> None:
    """Fix the figures of every ended week and month not fixed yet (the daily purge does it too)."""
    from .content import current_catalogue
    from .db import get_session
    from .domain.periods import fix_closed_periods_once

    fixed = fix_closed_periods_once(get_session(), current_catalogue(), current_app.config["LANGUAGES"],
                                    clock().today(), current_app.config["SMALL_CELL_THRESHOLD"])
    click.echo(f"fixed {fixed} ended period(s)")


@stats.command("generate")
@click.option("--learners", default=100_000, show_default=True, help="Synthetic learners to make.")
@click.option("--rows", default=1_000_000, show_default=True, help="About how many lesson progress rows.")
@click.option("--seed", default=1, show_default=True)
@with_current_database
def stats_generate(learners: int, rows: int, seed: int) -> None:
    """Fill an EMPTY database with synthetic progress, for benchmarks (refuses real data)."""
    from .content import current_catalogue
    from .db import get_session
    from .synthetic import DatabaseNotEmpty, generate_progress

    try:
        counts = generate_progress(get_session(), current_catalogue().courses, learners=learners, lesson_rows=rows,
                                   today=clock().today(), seed=seed)
    except DatabaseNotEmpty as error:
        raise click.ClickException(str(error)) from None
    get_session().commit()
    click.echo(f"{counts.learners} learners, {counts.lesson_rows} lesson rows, {counts.quiz_rows} quiz rows, "
               f"{counts.answers} answers to quiz questions")


# -- retention --------------------------------------------------------------------------------

@click.command("purge")
@with_current_database
def purge_command() -> None:
    """Delete learner data past its time (run daily from cron; see docs/deploy.md)."""
    from .content import current_catalogue
    from .db import checkpoint_after_delete, get_session
    from .domain.periods import fix_closed_periods_once
    from .domain.retention import Retention, purge

    config = current_app.config
    rules = Retention(config["LEARNER_RETENTION_DAYS"], config["LEARNER_SESSION_HOURS"],
                      config["REMEMBER_DEVICE_DAYS"], config["STAFF_SESSION_MINUTES"])
    now = clock().now()
    # Ended periods are fixed first, so the deletions below cannot change figures of a period that has ended.
    fix_closed_periods_once(get_session(), current_catalogue(), config["LANGUAGES"], now.date(),
                            config["SMALL_CELL_THRESHOLD"])
    result = purge(get_session(), now.date(), now.replace(tzinfo=None), rules)
    get_session().commit()
    checkpoint_after_delete(get_session())
    click.echo(f"removed {result.browser_sessions} browser session(s) no cookie can open any more, "
               f"{result.learners_without_code} learner(s) without a code and without a session, "
               f"{result.learners_with_code} with a code unused for {rules.retention_days} days, "
               f"{result.staff_sessions} expired staff session(s)")


# -- mirrors ------------------------------------------------------------------------------------

from typing import TYPE_CHECKING  # noqa: E402 - only the export verbs need it

if TYPE_CHECKING:  # signing (and cryptography) is imported only when an export verb runs
    from .signing import PublicKey, Verification


@click.group("export")
def export_group() -> None:
    """Static mirrors of the courses, signed so readers can tell a copy was not altered."""


def _default_key_folder() -> Path:
    return Path(current_app.instance_path)


@export_group.command("keygen")
@click.option("--out", "folder", type=click.Path(file_okay=False, path_type=Path),
              help="Where to write the key pair (default: the instance folder).")
@with_appcontext
def export_keygen(folder: Path | None) -> None:
    """Make the Ed25519 key pair that signs mirrors (once; keep the private key safe)."""
    from .signing import MINISIGN_PUBLIC_KEY_NAME, PublicKey, SigningError, generate_keys, load_private_key

    try:
        private, public = generate_keys(folder or _default_key_folder())
        key = PublicKey.of(load_private_key(private).public_key())
    except SigningError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"private key: {private} (readable only by you; back it up, never publish it)")
    _echo_public_key(key, public, public.with_name(MINISIGN_PUBLIC_KEY_NAME))


def _echo_public_key(key: PublicKey, public: Path, minisign_public: Path) -> None:
    """Show both forms of the public key, which readers must get from the publisher, never from a mirror."""
    click.echo(f"public key:  {public} and {minisign_public} — publish this where readers can trust it:")
    click.echo(f"  for course-app export verify --key:  {key.text}")
    click.echo(f"  for minisign -P:                     {key.minisign_line}")


@export_group.command("pubkey")
@click.option("--key", "key_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Private signing key (default: mirror-signing.key in the instance folder).")
@with_appcontext
def export_pubkey(key_path: Path | None) -> None:
    """Print the public key of a private signing key in both forms, and write the .pub files beside it if missing."""
    from .signing import PRIVATE_KEY_NAME, PublicKey, SigningError, load_private_key, write_public_keys

    key_path = key_path or _default_key_folder() / PRIVATE_KEY_NAME
    if not key_path.is_file():
        raise click.ClickException(f"no signing key at {key_path}: make one with 'course-app export keygen'")
    try:
        private = load_private_key(key_path)
        # Written beside the key, so a key made before the minisign form existed gains that file.
        public, minisign_public = write_public_keys(private, key_path.parent)
    except SigningError as error:
        raise click.ClickException(str(error)) from None
    _echo_public_key(PublicKey.of(private.public_key()), public, minisign_public)


@export_group.command("static")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--course", "courses", multiple=True, help="Only this course (repeat for several).")
@click.option("--lang", "languages", multiple=True, help="Only this language (repeat for several).")
@click.option("--video", default="240p", show_default=True, type=click.Choice(["240p", "360p", "audio", "none"]),
              help="Which size of each video the copy carries.")
@click.option("--key", "key_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Private signing key (default: mirror-signing.key in the instance folder).")
@click.option("--zip", "make_zip", is_flag=True, help="Also pack the copy into OUT.zip.")
@with_appcontext
def export_static_command(out: Path, courses: tuple[str, ...], languages: tuple[str, ...], video: str,
                          key_path: Path | None, make_zip: bool) -> None:
    """Write a complete, JavaScript-free copy of the courses into OUT, with a signed manifest."""
    from .mirror import MirrorError, export_static
    from .signing import PRIVATE_KEY_NAME, SigningError, load_private_key, reserve_edition

    key_path = key_path or _default_key_folder() / PRIVATE_KEY_NAME
    if not key_path.is_file():
        raise click.ClickException(f"no signing key at {key_path}: make one with 'course-app export keygen'")
    try:
        key = load_private_key(key_path)
        # Taken before writing: every page states the edition, and a failed export only leaves a gap.
        edition = reserve_edition(key_path, clock().now())
        result = export_static(current_app, out, courses=courses, languages=languages, video=video,
                               signing_key=key, edition=edition, make_zip=make_zip)
    except (MirrorError, SigningError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{out}: {result.pages} files written, {result.media_files} media files, "
               f"languages {', '.join(result.languages)}; manifest signed ({edition.described})")
    if result.zip_path:
        click.echo(f"{result.zip_path}: the same, as one file, signed in {result.zip_signature}")


@export_group.command("verify")
@click.argument("mirror", metavar="FOLDER_OR_ZIP", type=click.Path(exists=True, path_type=Path))
@click.option("--key", "key_text", metavar="TEXT",
              help="The publisher's public key itself: the 44 characters, or the minisign line RW….")
@click.option("--key-file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="A file holding the publisher's public key (mirror-signing.pub or mirror-signing.minisign.pub).")
def export_verify(mirror: Path, key_text: str | None, key_file: Path | None) -> None:
    """Tell whether a mirror (its folder or its .zip) is exactly what its publisher signed (exit 0) or not (exit 1)."""
    from .signing import verify_folder, verify_zip

    key = _reader_key(key_text, key_file, mirror)
    if mirror.is_dir():
        ok, edition = _report_folder(verify_folder(mirror, key))
        if not ok:
            sys.exit(EXIT_ERRORS)
        click.echo(f"verified: every file is exactly as the publisher signed it ({edition})")
        return
    result = verify_zip(mirror, key)
    signature_name = f"{mirror.name}.minisig"
    if result.whole is None:
        click.echo(f"note: there is no {signature_name} beside {mirror.name}; its files are checked one by one")
    elif result.whole.valid:
        click.echo(f"zip: {mirror.name} is exactly as the publisher signed it ({result.whole.described})")
    else:
        click.echo(f"NOT VERIFIED: {mirror.name} does not match {signature_name}: {result.whole.problem}", err=True)
    for refusal in result.refused:
        click.echo(f"refused: {refusal}", err=True)
    if result.refused:
        click.echo("NOT VERIFIED: the zip holds entries that could not be unpacked safely; nothing was unpacked",
                   err=True)
    if result.problem:
        click.echo(f"NOT VERIFIED: {result.problem}", err=True)
    ok, edition = _report_folder(result.contents) if result.contents is not None else (False, "")
    if not (ok and result.ok):
        sys.exit(EXIT_ERRORS)
    click.echo(f"verified: every file is exactly as the publisher signed it ({edition})")


def _reader_key(key_text: str | None, key_file: Path | None, mirror: Path) -> PublicKey:
    """The key the reader gave: parsed from --key's text (never opened as a file), or read from --key-file."""
    from .signing import KeyFormatError, SigningError, load_public_key_file, parse_public_key

    if (key_text is None) == (key_file is None):
        raise click.UsageError("give the publisher's public key once: --key TEXT (the 44 characters or the "
                               "RW… line) or --key-file PATH")
    if key_file is None:
        try:
            return parse_public_key(key_text or "")
        except KeyFormatError as error:
            raise click.UsageError(f"--key takes the key itself, never a file name: {error}; "
                                   "for a file, use --key-file PATH") from None
    if mirror.is_dir() and key_file.resolve().is_relative_to(mirror.resolve()):
        # A key that travels with a copy proves nothing: a forger would put their own key there.
        raise click.UsageError(f"{key_file} is inside the mirror: use the key the publisher published elsewhere")
    try:
        return load_public_key_file(key_file)
    except SigningError as error:
        raise click.UsageError(str(error)) from None


def _report_folder(result: Verification) -> tuple[bool, str]:
    """Print on stderr everything that keeps a mirror folder from being verified; its verdict and edition."""
    from .signing import shown_name

    for entry in result.special:
        click.echo(f"not a regular file: {shown_name(entry)}", err=True)
    if result.unreadable:
        click.echo(f"NOT VERIFIED: {result.unreadable}", err=True)
        return False, ""
    if not result.signature_valid:
        click.echo("NOT VERIFIED: the manifest is missing, or its signature does not match this key "
                   f"({result.signature.problem})", err=True)
        return False, ""
    for label, names in (("changed", result.changed), ("missing", result.missing), ("added", result.extra)):
        for name in names:
            click.echo(f"{label}: {shown_name(name)}", err=True)
    if result.special:
        click.echo("NOT VERIFIED: the copy holds links or other entries that are not regular files", err=True)
    if result.changed or result.missing or result.extra:
        click.echo("NOT VERIFIED: files differ from what the publisher signed", err=True)
    return result.ok, result.signature.described


# -- serving ---------------------------------------------------------------------------------

def _stop_on_interrupt_or_terminate() -> None:
    """Ctrl+C and SIGTERM end the preview cleanly (its throwaway database removed), even when it was
    started from a script or in the background, where a shell starts commands with Ctrl+C ignored."""
    import signal
    import threading

    def stop(_signal: int, _frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)


@click.command("preview")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5001, show_default=True, type=int, envvar="PREVIEW_PORT",
              help="Port to listen on (or PREVIEW_PORT).")
@click.option("--lessons", "lessons_dir", type=click.Path(file_okay=False, path_type=Path),
              help="The lessons folder (default: LESSONS_DIR).")
def preview(host: str, port: int, lessons_dir: Path | None) -> None:
    """Serve the site for an educator until Ctrl+C: drafts shown, files re-read on every page, problems on it.

    Uses a throwaway database, so nothing done in the preview reaches real data.
    """
    import tempfile

    from werkzeug.serving import make_server

    from . import create_app

    with tempfile.TemporaryDirectory(prefix="course-app-preview-") as instance:
        settings: dict[str, object] = {"INSTANCE_PATH": instance, "PREVIEW": True, "DATABASE_URL": ""}
        if lessons_dir is not None:
            settings["LESSONS_DIR"] = str(lessons_dir.resolve())
        app = create_app(settings)
        db.upgrade_database(app)
        try:
            # Werkzeug's server itself: Flask's app.run() does nothing when started from its own CLI.
            server = make_server(host, port, app, threaded=True)
        except OSError as error:
            raise click.ClickException(f"cannot listen on {host}:{port} ({error.strerror}): "
                                       "choose another port with --port") from None
        try:
            _stop_on_interrupt_or_terminate()
            click.echo(f"preview of {app.config['LESSONS_DIR']} on http://{host}:{server.server_port}/  "
                       "(Ctrl+C stops it)")
            server.serve_forever()
        except KeyboardInterrupt:
            pass  # Ctrl+C is how a preview ends
        finally:
            server.server_close()
        click.echo("preview stopped")


@click.command("serve")
@click.option("--host", default=None, help="Address to listen on (default: HOST or 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default: PORT or 5000).")
@with_reachable_database
def serve(host: str | None, port: int | None) -> None:
    """Migrate the database, then serve the site with gunicorn (no access log, no client addresses)."""
    from .serving import run_gunicorn

    db.upgrade_database(current_app)
    _seal_staff_secrets()
    run_gunicorn(host or current_app.config["HOST"], port or current_app.config["PORT"],
                 workers=current_app.config["WORKERS"], threads=current_app.config["THREADS"])


VERBS = (lessons, database_group, media, staff, stats, export_group, purge_command, preview, serve)
# ``course-app`` knows its verbs without building the app: a verb that needs it (with_appcontext)
# builds it when it runs, and one that does not, such as a reader's ``export verify``, never makes
# an instance folder or secrets.
for _verb in VERBS:
    main.add_command(_verb)


def init_app(app: Flask) -> None:
    """Attach every verb to the app's command group too (so ``flask`` sees them)."""
    for command in VERBS:
        app.cli.add_command(command)
