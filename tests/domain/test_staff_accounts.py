"""Staff passwords: an unknown name is checked against a hash that costs what a real one does, at any
costs a server is given; a password hashed at other costs is renewed at its next sign-in."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

import pytest
from argon2 import PasswordHasher, extract_parameters
from argon2.exceptions import VerifyMismatchError

from course_app.config import ConfigurationError
from course_app.db import get_session
from course_app.domain.password_costs import LEAST_MEMORY_KIB, LEAST_TIME_COST, password_hasher
from course_app.domain.staff_accounts import DEFAULT_HASHER, _unmatchable_hash, add_staff, verify_password
from course_app.models import StaffRole
from tests.conftest import make_app

LEAST = password_hasher(LEAST_MEMORY_KIB, LEAST_TIME_COST)


@pytest.mark.parametrize("hasher", [DEFAULT_HASHER, LEAST], ids=["default", "least"])
def test_the_hash_for_unknown_names_has_the_real_parameters_and_matches_no_password(hasher: PasswordHasher) -> None:
    real = hasher.hash("a real password of someone")
    dummy = _unmatchable_hash(hasher)
    # Argon2's cost is set by these parameters alone, so both checks take the same time.
    assert extract_parameters(dummy) == extract_parameters(real)
    assert not hasher.check_needs_rehash(dummy)
    for guess in ("", "not a real password, only here to spend the same time", "\0" * 16):
        with pytest.raises(VerifyMismatchError):
            hasher.verify(dummy, guess)


def test_the_default_costs_are_argon2_cffis_recommended_ones() -> None:
    assert (DEFAULT_HASHER.type.name, DEFAULT_HASHER.memory_cost, DEFAULT_HASHER.time_cost) == ("ID", 65536, 3)


def test_costs_below_owasps_least_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least"):
        password_hasher(LEAST_MEMORY_KIB - 1, 2)
    with pytest.raises(ConfigurationError, match="STAFF_PASSWORD_MEMORY_KIB must be at least 19456"):
        make_app(tmp_path, STAFF_PASSWORD_TIME_COST=1)


def test_a_password_hashed_at_other_costs_is_renewed_at_sign_in(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    with app.app_context():
        session = get_session()
        member = add_staff(session, "anna.k", StaffRole.COORDINATOR, "a long enough password", (), date(2026, 1, 1))
        assert extract_parameters(member.password_hash).memory_cost == 65536
        assert not verify_password(session, member, "a wrong password here", LEAST)
        assert extract_parameters(member.password_hash).memory_cost == 65536  # a wrong password changes nothing
        assert verify_password(session, member, "a long enough password", LEAST)
        assert extract_parameters(member.password_hash) == extract_parameters(LEAST.hash("x"))
        assert verify_password(session, member, "a long enough password", LEAST)


def test_an_unknown_name_is_refused_after_a_full_check() -> None:
    checked: list[str] = []

    class Spy(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:  # noqa: A002 - argon2's name
            checked.append(str(hash))
            return super().verify(hash, password)

    spy = Spy(time_cost=LEAST.time_cost, memory_cost=LEAST.memory_cost)
    assert verify_password(None, None, "any password at all", spy) is False  # type: ignore[arg-type]
    assert checked == [_unmatchable_hash(spy)]
