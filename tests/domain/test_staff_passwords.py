"""Staff passwords follow NIST SP 800-63B: at least 12 characters, and none that zxcvbn can guess."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from flask.testing import FlaskCliRunner

from course_app.db import get_session
from course_app.domain.staff_accounts import StaffAccountError, add_staff, check_password_strength, set_password
from course_app.models import StaffRole
from tests.conftest import make_app


@pytest.mark.parametrize(("password", "why"), [
    ("password1234", "this is a very common password"),
    ("qwertyuiopasdf", "this is similar to a commonly used password"),
    ("1234567890123", ""),
    ("nina.k1234567", ""),  # the account's own name and a run of digits
])
def test_guessable_passwords_are_refused_saying_why(password: str, why: str) -> None:
    with pytest.raises(StaffAccountError, match="the password is too easy to guess") as refused:
        check_password_strength(password, ("nina.k",))
    assert why in str(refused.value) and "four or five unrelated words" in str(refused.value)


@pytest.mark.parametrize("password", ["correct horse battery staple", "mlyn vecher tsvet skripka 47",
                                      "kM9#vL2pQx!wZ"])
def test_long_unguessable_passwords_are_accepted(password: str) -> None:
    check_password_strength(password, ("nina.k",))


def test_short_passwords_are_refused_by_their_length_first() -> None:
    with pytest.raises(StaffAccountError, match="at least 12 characters"):
        check_password_strength("x7#Lq9!vR2")


def test_adding_or_changing_an_account_applies_the_policy(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    runner: FlaskCliRunner = app.test_cli_runner()
    refused = runner.invoke(args=["staff", "add", "nina", "--role", "educator", "--password-stdin"],
                            input="password1234\n")
    assert refused.exit_code == 1 and "the password is too easy to guess" in refused.output
    with app.app_context():
        session = get_session()
        member = add_staff(session, "nina", StaffRole.EDUCATOR, "correct horse battery staple", (), date(2026, 1, 1))
        before = member.password_hash
        with pytest.raises(StaffAccountError, match="too easy to guess"):
            set_password(session, member, "password1234")
        assert member.password_hash == before


def test_a_server_loads_the_guessing_estimator_only_when_a_password_is_chosen() -> None:
    """zxcvbn's word lists take about 12 MiB of every worker (bench/results.md): none is loaded by the app's code
    until a password is checked."""
    script = ("import pkgutil, importlib, sys, course_app\n"
              "for module in pkgutil.walk_packages(course_app.__path__, 'course_app.'):\n"
              "    importlib.import_module(module.name)\n"
              "print('zxcvbn' in sys.modules)\n"
              "from course_app.domain.staff_accounts import check_password_strength\n"
              "check_password_strength('correct horse battery staple')\n"
              "print('zxcvbn' in sys.modules)\n")
    said = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    assert said == ["False", "True"]
