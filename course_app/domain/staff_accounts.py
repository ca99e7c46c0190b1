"""Staff accounts: Argon2id passwords, TOTP second factor, enrolment, and account changes.

Accounts are made only from the command line. A member enrols their authenticator at their
first login: the secret is shown then (as text and as a QR code) and never again. The secret
is stored sealed (AES-GCM under ``STAFF_TOTP_KEY``, a key kept beside the learner-code pepper,
never in the database): a copy of the database alone cannot make anyone's codes.
"""

from __future__ import annotations

import base64
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ..models import StaffCourse, StaffMember, StaffRole, StaffSession

PASSWORD_MIN_LENGTH = 12
# zxcvbn's score (0–4) a staff password needs: 3 is "safely unguessable", about 10¹⁰ guesses or more.
PASSWORD_LEAST_SCORE = 3
TOTP_STEP = 30
TOTP_DIGITS = 6
TOTP_WINDOW = 1  # one step either side: a code is good for about a minute and a half
# Argon2id with argon2-cffi's recommended costs (RFC 9106's second choice: 64 MiB, 3 passes); a
# server may set its own, never below the least in password_costs.py.
DEFAULT_HASHER = PasswordHasher()
def _unmatchable_hash(hasher: PasswordHasher) -> str:
    """An encoded hash with ``hasher``'s parameters that no password matches.

    Verified against when the name is unknown, so that an unknown name costs the same time: a
    check's cost depends only on the parameters written in the hash. Written out rather than
    computed, so that no process (every command, every server worker) spends a hash on starting.
    """
    def unpadded(data: bytes) -> str:
        return base64.b64encode(data).decode().rstrip("=")

    return (f"$argon2{hasher.type.name.lower()}$v=19$m={hasher.memory_cost},t={hasher.time_cost},"
            f"p={hasher.parallelism}${unpadded(bytes(hasher.salt_len))}${unpadded(bytes(hasher.hash_len))}")


SEALED_PREFIX = "v1:"


class StaffAccountError(Exception):
    """Something about an account request is wrong; the message says what."""


def _totp_cipher(key: str) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"course_app staff TOTP v1").derive(key.encode())
    return AESGCM(derived)


def seal_totp_secret(secret: str, key: str) -> str:
    """The TOTP secret as stored: ``v1:`` and base64 of nonce and AES-GCM ciphertext."""
    nonce = secrets.token_bytes(12)
    sealed = nonce + _totp_cipher(key).encrypt(nonce, secret.encode("ascii"), b"totp")
    return SEALED_PREFIX + base64.urlsafe_b64encode(sealed).decode("ascii")


def open_totp_secret(stored: str, key: str) -> str:
    """The TOTP secret from its stored form (a secret stored before sealing existed is returned as is).

    :raises StaffAccountError: when the stored value cannot be opened with ``key`` (the wrong key).
    """
    if not stored.startswith(SEALED_PREFIX):
        return stored
    try:
        raw = base64.urlsafe_b64decode(stored[len(SEALED_PREFIX):])
        return _totp_cipher(key).decrypt(raw[:12], raw[12:], b"totp").decode("ascii")
    except (ValueError, InvalidTag):
        raise StaffAccountError("an authenticator secret cannot be opened: STAFF_TOTP_KEY is not the key it was "
                                "sealed with") from None


def seal_plain_totp_secrets(session: Session, key: str) -> int:
    """Seal every TOTP secret stored before sealing existed; returns how many (after an upgrade)."""
    sealed = 0
    for member in session.scalars(select(StaffMember).where(StaffMember.totp_secret.is_not(None))):
        if member.totp_secret is not None and not member.totp_secret.startswith(SEALED_PREFIX):
            member.totp_secret = seal_totp_secret(member.totp_secret, key)
            sealed += 1
    session.flush()
    return sealed


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str


def check_password_strength(password: str, about: Iterable[str] = ()) -> None:
    """Refuse a password that is short, or that zxcvbn can guess (NIST SP 800-63B: length and a check against
    common and guessable passwords, no rules about character kinds).

    zxcvbn (Dropbox's estimator, with its own lists of common passwords, names and words) counts the
    guesses an attacker would need; a score below ``PASSWORD_LEAST_SCORE`` (fewer than about 10¹⁰
    guesses, so ``password1234``, keyboard walks and a name with a year) is refused.
    :param about: words the password must not lean on, such as the account's name.
    :raises StaffAccountError: saying what is wrong and how to choose better.
    """
    if len(password) < PASSWORD_MIN_LENGTH:
        raise StaffAccountError(f"the password must have at least {PASSWORD_MIN_LENGTH} characters")
    # Imported here: its word lists take about 12 MiB, which a server's workers need only when a password is
    # chosen (bench/results.md measures a worker's memory).
    from zxcvbn import zxcvbn

    estimate = zxcvbn(password, user_inputs=list(about))
    if estimate["score"] < PASSWORD_LEAST_SCORE:
        warning = str(estimate["feedback"].get("warning") or "").rstrip(".")
        reason = f" ({warning[0].lower()}{warning[1:]})" if warning else ""
        raise StaffAccountError(f"the password is too easy to guess{reason}: choose another, for example four or "
                                "five unrelated words")


def find_staff(session: Session, name: str) -> StaffMember | None:
    return session.scalar(select(StaffMember).where(StaffMember.name == name))


def add_staff(session: Session, name: str, role: StaffRole, password: str, courses: Iterable[str],
              today: date, hasher: PasswordHasher = DEFAULT_HASHER) -> StaffMember:
    """Create an account (not yet enrolled: the member enrols their authenticator at first login)."""
    name = name.strip()
    if not name or len(name) > 80 or any(ch.isspace() for ch in name):
        raise StaffAccountError("a staff name is one word of up to 80 characters, e.g. 'anna.k'")
    if find_staff(session, name) is not None:
        raise StaffAccountError(f"there is already an account called '{name}'")
    check_password_strength(password, (name,))
    member = StaffMember(name=name, role=role.value, password_hash=hasher.hash(password), totp_secret=None,
                         totp_enrolled=False, totp_last_step=0, disabled=False, created_on=today)
    member.courses = [StaffCourse(course_slug=slug) for slug in sorted(set(courses))]
    session.add(member)
    session.flush()
    return member


def verify_password(session: Session, member: StaffMember | None, password: str,
                    hasher: PasswordHasher = DEFAULT_HASHER) -> bool:
    """Check a password (spending the same time for an unknown name); rehash when parameters changed."""
    try:
        hasher.verify(member.password_hash if member else _unmatchable_hash(hasher), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    if member is None:
        return False
    if hasher.check_needs_rehash(member.password_hash):
        member.password_hash = hasher.hash(password)
        session.flush()
    return True


def set_password(session: Session, member: StaffMember, password: str,
                 hasher: PasswordHasher = DEFAULT_HASHER) -> None:
    check_password_strength(password, (member.name,))
    member.password_hash = hasher.hash(password)
    end_sessions(session, member)


def start_enrolment(session: Session, member: StaffMember, issuer: str, key: str) -> Enrolment:
    """A new secret for an account that is not enrolled (each visit replaces the last one shown)."""
    if member.totp_enrolled:
        raise StaffAccountError("this account already has an authenticator; an admin can reset it")
    member.totp_secret = seal_totp_secret(pyotp.random_base32(), key)
    member.totp_last_step = 0
    session.flush()
    return pending_enrolment(member, issuer, key)


def pending_enrolment(member: StaffMember, issuer: str, key: str) -> Enrolment:
    """The secret being enrolled, to show again after a mistyped code."""
    if member.totp_secret is None or member.totp_enrolled:
        raise StaffAccountError("this account has no enrolment under way")
    secret = open_totp_secret(member.totp_secret, key)
    uri = pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_STEP).provisioning_uri(
        name=member.name, issuer_name=issuer)
    return Enrolment(secret, uri)


def _matching_step(secret: str, code: str, now: float) -> int | None:
    """The 30-second step within the window whose code ``code`` is, or None (every step is computed, always)."""
    totp = pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_STEP)
    current = int(now // TOTP_STEP)
    found = None
    for step in range(current - TOTP_WINDOW, current + TOTP_WINDOW + 1):
        if hmac.compare_digest(totp.at(step * TOTP_STEP), code) and found is None:
            found = step
    return found


def _typed_code(code: str) -> str | None:
    """The six digits of a typed code (spaces ignored), or None when it is not six digits."""
    code = "".join(code.split())
    return code if len(code) == TOTP_DIGITS and code.isdigit() else None


def stand_in_secret(name: str, key: str) -> str:
    """A TOTP secret for a name with no enrolled account: checking a code against it costs what a real check does."""
    digest = hmac.new(key.encode(), b"course_app stand-in TOTP\0" + name.encode(), "sha256").digest()
    return base64.b32encode(digest[:20]).decode("ascii")


def code_matches_now(member: StaffMember | None, name: str, code: str, now: float, key: str) -> bool:
    """Whether ``code`` is one of the account's current codes (used or not): a cheap check, with no password.

    It changes nothing and decides nothing about signing in; it only tells a sign-in that holds
    the authenticator from a guess, so that such sign-ins are never crowded out of the password
    checks by a flood (see web/work_limits.py). An unknown name, a disabled or an unenrolled
    account is checked against a stand-in secret, with the same work, and never matches.
    """
    typed = _typed_code(code)
    usable = member is not None and member.totp_enrolled and not member.disabled
    if usable and member is not None and member.totp_secret is not None:
        secret = open_totp_secret(member.totp_secret, key)
    else:
        usable, secret = False, stand_in_secret(name, key)  # microseconds either way; no Argon2 in sight
    step = _matching_step(secret, typed, now) if typed else None
    return usable and step is not None


def verify_totp(session: Session, member: StaffMember, code: str, now: float, key: str) -> bool:
    """True for a current code (±1 step) never used before; the step is then used up.

    "Used up" is one compare-and-set statement: the step is written only where the stored last
    step is older, so of any number of sign-ins with one code at once, on SQLite or PostgreSQL,
    exactly one is accepted and every other is refused for its code.
    """
    typed = _typed_code(code)
    if member.totp_secret is None or typed is None:
        return False
    step = _matching_step(open_totp_secret(member.totp_secret, key), typed, now)
    if step is None or step <= member.totp_last_step:
        return False
    claimed = session.execute(update(StaffMember).where(StaffMember.id == member.id,
                                                         StaffMember.totp_last_step < step)
                              .values(totp_last_step=step).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult
        return False
    set_committed_value(member, "totp_last_step", step)
    if not member.totp_secret.startswith(SEALED_PREFIX):
        member.totp_secret = seal_totp_secret(member.totp_secret, key)
    session.flush()
    return True


def finish_enrolment(session: Session, member: StaffMember, code: str, now: float, key: str) -> bool:
    """Confirm the authenticator with a first code; from then on, every login needs one."""
    if not verify_totp(session, member, code, now, key):
        return False
    member.totp_enrolled = True
    session.flush()
    return True


def reset_totp(session: Session, member: StaffMember) -> None:
    """Forget the authenticator: the member enrols again at their next login."""
    member.totp_secret = None
    member.totp_enrolled = False
    member.totp_last_step = 0
    end_sessions(session, member)


def disable(session: Session, member: StaffMember) -> None:
    member.disabled = True
    end_sessions(session, member)


def end_sessions(session: Session, member: StaffMember) -> None:
    session.execute(delete(StaffSession).where(StaffSession.staff_id == member.id))
    session.flush()
