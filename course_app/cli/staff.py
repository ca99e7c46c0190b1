"""``course-app staff``: staff accounts, made only here (the site has no sign-up); every change is audited."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import clock
from ..content import current_catalogue
from ..db import get_session
from ..domain import audit, throttle
from ..domain.staff_accounts import (
    StaffAccountError,
    add_staff,
    disable,
    find_staff,
    reset_totp,
    set_password,
)
from ..models import StaffMember, StaffRole
from ..staff.auth import LOGIN_FAILURES_LIMIT, LOGIN_WINDOW_SECONDS, clear_sign_in_failures, throttle_key
from ..staff.passwords import server_password_hasher
from .app_context import with_current_database


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
    member = find_staff(get_session(), name)
    if member is None:
        raise click.ClickException(f"there is no staff account called '{name}'")
    return member


def _change_account(name: str, change: Callable[[Session, StaffMember], None], action: str) -> None:
    """Apply ``change(session, member)`` to an account, record it in the audit log, and commit."""
    member = _member(name)
    change(get_session(), member)
    audit.record(get_session(), member.name, action, "from the command line", clock().now())
    get_session().commit()


def account_state(session: Session, member: StaffMember, now: int) -> str:
    """An account's state as ``staff list`` shows it: disabled, locked (until when), not yet signed in, or active."""
    if member.disabled:
        return "disabled"
    until = throttle.blocked_until(session, throttle_key("code", member.name), LOGIN_FAILURES_LIMIT,
                                   LOGIN_WINDOW_SECONDS, now)
    if until is not None:
        return f"locked until {datetime.fromtimestamp(until, UTC):%Y-%m-%d %H:%M} UTC"
    return "active" if member.totp_enrolled else "not yet signed in"


@staff.command("list")
@with_current_database
def staff_list() -> None:
    """Every staff account, its role, courses and state (locked: too many wrong codes, until when)."""
    session = get_session()
    now = int(clock().timestamp())
    members = list(session.scalars(select(StaffMember).order_by(StaffMember.name)))
    states = {member.name: account_state(session, member, now) for member in members}
    width = max([18, *(len(state) for state in states.values())])
    for member in members:
        courses = ", ".join(sorted(member.course_slugs() or [])) or "all courses"
        click.echo(f"{member.name:<24} {member.role:<12} {states[member.name]:<{width}} {courses}")
    if any(state.startswith("locked") for state in states.values()):
        click.echo("locked: too many wrong authenticator codes after the right password; 'course-app staff unlock "
                   "NAME' lets the account sign in again at once (change its password first).")


@staff.command("disable")
@click.argument("name")
@with_current_database
def staff_disable(name: str) -> None:
    """Stop an account from signing in (its open sessions end at once)."""
    _change_account(name, disable, "disabled")
    click.echo(f"'{name}' is disabled")


@staff.command("password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input (for scripts).")
@with_current_database
def staff_password(name: str, password_stdin: bool) -> None:
    """Give an account a new password (its open sessions end at once)."""
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
    _change_account(name, lambda session, member: clear_sign_in_failures(session, member.name), "unlocked")
    click.echo(f"'{name}' may sign in again")


@staff.command("reset-2fa")
@click.argument("name")
@with_current_database
def staff_reset_2fa(name: str) -> None:
    """Forget an account's authenticator (lost phone): they set up a new one at the next sign-in."""
    _change_account(name, reset_totp, "authenticator reset")
    click.echo(f"'{name}' will set up a new authenticator at the next sign-in")


