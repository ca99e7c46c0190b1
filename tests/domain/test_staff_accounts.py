"""Staff passwords: an unknown name is checked against a hash that costs what a real one does."""

from __future__ import annotations

from typing import Literal

import pytest
from argon2 import PasswordHasher, extract_parameters
from argon2.exceptions import VerifyMismatchError

from course_app.domain import staff_accounts
from course_app.domain.staff_accounts import _DUMMY_HASH, _hasher


def test_the_hash_for_unknown_names_has_the_real_parameters_and_matches_no_password() -> None:
    real = _hasher.hash("a real password of someone")
    # Argon2's cost is set by these parameters alone, so both checks take the same time.
    assert extract_parameters(_DUMMY_HASH) == extract_parameters(real)
    assert not _hasher.check_needs_rehash(_DUMMY_HASH)
    for guess in ("", "not a real password, only here to spend the same time", "\0" * 16):
        with pytest.raises(VerifyMismatchError):
            _hasher.verify(_DUMMY_HASH, guess)


def test_an_unknown_name_is_refused_after_a_full_check(monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[str] = []

    class Spy(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:  # noqa: A002 - argon2's name
            checked.append(str(hash))
            return super().verify(hash, password)

    monkeypatch.setattr(staff_accounts, "_hasher", Spy())
    assert staff_accounts.verify_password(None, None, "any password at all") is False  # type: ignore[arg-type]
    assert checked == [_DUMMY_HASH]
