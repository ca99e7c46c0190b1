"""Settings, read from the environment; every one is listed in docs/configuration.md.

Secrets (``SECRET_KEY``, ``LEARNER_CODE_PEPPER``, ``STAFF_TOTP_KEY``) come from the environment. Only for the
embedded SQLite default, where one machine holds everything, they are generated once into the
instance folder, readable by the owner only. With ``DATABASE_URL`` set, several app servers
may share the database, so they must share the secrets too: the environment must give them.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .domain.password_costs import LEAST_MEMORY_KIB, LEAST_TIME_COST, password_hasher

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
SECRET_NAMES = ("SECRET_KEY", "LEARNER_CODE_PEPPER", "STAFF_TOTP_KEY")


class ConfigurationError(RuntimeError):
    """The environment asks for something that cannot work; the message says what to change."""


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, how to read it and its default (docs/configuration.md says
    what each one does; tests/test_config.py checks that it lists every one)."""

    name: str
    kind: type
    default: Any


SETTINGS: tuple[Setting, ...] = (
    Setting("DATABASE_URL", str, ""),
    Setting("LESSONS_DIR", str, str(PROJECT_DIR / "lessons")),
    Setting("MEDIA_DIR", str, ""),
    Setting("MEDIA_ACCEL_REDIRECT", str, ""),
    Setting("LANGUAGES", list, ["en", "ru", "be"]),
    Setting("LEAVE_URL", str, "https://www.wikipedia.org/"),
    Setting("NEUTRAL_MODE", bool, False),
    Setting("SITE_NAME", str, ""),
    Setting("ONION_LOCATION", str, ""),
    Setting("PUBLIC_URL", str, ""),
    Setting("INDEXING", bool, True),
    Setting("LEARNER_SESSION_HOURS", int, 12),
    Setting("PASSWORD_CHECKS_AT_ONCE", int, 2),
    Setting("PASSWORD_CHECK_QUEUE", int, 8),
    Setting("PASSWORD_CHECK_WAIT_SECONDS", int, 5),
    Setting("PASSWORD_GUESS_SHARE", float, 0.25),
    Setting("CODE_CHECKS_AT_ONCE", int, 4),
    Setting("CODE_TRIES_PER_DAY", int, 10),
    Setting("REMEMBER_DEVICE_DAYS", int, 30),
    Setting("LEARNER_RETENTION_DAYS", int, 365),
    Setting("ROUNDING_BASE", int, 5),
    Setting("STAFF_SESSION_MINUTES", int, 30),
    Setting("STAFF_PASSWORD_MEMORY_KIB", int, 65536),
    Setting("STAFF_PASSWORD_TIME_COST", int, 3),
    Setting("BEHIND_PROXY", bool, False),
    Setting("RELOAD_LESSONS", bool, True),
    Setting("LESSON_FILE_MAX_BYTES", int, 1_000_000),
    Setting("LESSON_CACHE_DIR", str, ""),
    Setting("BACKUP_DIR", str, ""),
    Setting("WORKERS", int, 2),
    Setting("THREADS", int, 4),
    Setting("HOST", str, "127.0.0.1"),
    Setting("PORT", int, 5000),
)


def _parse(setting: Setting, raw: str) -> Any:
    if setting.kind is bool:
        value = raw.strip().lower()
        if value in {"1", "true", "yes", "on"}:
            return True
        if value in {"0", "false", "no", "off", ""}:
            return False
        raise ConfigurationError(f"{setting.name}={raw!r}: use true or false")
    if setting.kind is int:
        try:
            return int(raw)
        except ValueError:
            raise ConfigurationError(f"{setting.name}={raw!r}: must be a whole number") from None
    if setting.kind is float:
        try:
            return float(raw)
        except ValueError:
            raise ConfigurationError(f"{setting.name}={raw!r}: must be a number") from None
    if setting.kind is list:
        return [part.strip() for part in raw.split(",") if part.strip()]
    return raw


def settings_from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """Every setting, from ``environ`` or its default."""
    values = {}
    for setting in SETTINGS:
        raw = environ.get(setting.name)
        values[setting.name] = _parse(setting, raw) if raw is not None else setting.default
    return values


def missing_database_driver(url: str) -> str | None:
    """What to install when ``url`` names a database whose driver this install lacks, or None.

    PostgreSQL's driver is an extra (``.[postgresql]``), so a lean install stays lean on SQLite.
    """
    if url.startswith("postgresql+psycopg://") and find_spec("psycopg") is None:
        return ("DATABASE_URL names PostgreSQL, but its driver is not installed: "
                "run .venv/bin/pip install -e '.[postgresql]' (docs/deploy.md)")
    return None


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL addresses written the usual way."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def load_or_create_secret(path: Path) -> str:
    """Read a secret from ``path``, creating it once (owner-only) if it does not exist.

    Several server processes may start at once: the secret is written to a temporary file
    and linked into place, so every process ends up reading the same complete value.
    """
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    make_private_folder(path.parent)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process won the race; use its secret
    finally:
        temporary.unlink(missing_ok=True)
    return path.read_text().strip()


def make_private_folder(folder: Path) -> None:
    """Create ``folder`` (and its parents) readable by its owner only, if it does not exist yet."""
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)


def instance_permission_problems(folder: Path) -> list[str]:
    """What in the instance folder other users of this machine could read, each with the command that fixes it.

    The folder holds the database, the secrets and the signing key: it should be 0700 and every
    file in it 0600, except the public keys (``*.pub``), which are made to be handed out.
    """
    if not folder.is_dir():
        return []
    problems = []
    if folder.stat().st_mode & 0o077:
        problems.append(f"the instance folder {folder} can be opened by other users of this machine: "
                        f"run 'chmod 700 {folder}'")
    open_files = sorted(entry.name for entry in folder.iterdir()
                        if entry.is_file() and not entry.is_symlink() and entry.suffix != ".pub"
                        and entry.stat().st_mode & 0o077)
    if open_files:
        problems.append(f"files in {folder} can be read by other users of this machine ({', '.join(open_files)}): "
                        f"run 'chmod 600 {folder}/*'")
    return problems


def checked_public_url(value: str) -> str:
    """PUBLIC_URL without its trailing slash, or a ConfigurationError saying what is wrong with it."""
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigurationError(f"PUBLIC_URL={value!r}: give the site's address, e.g. https://learn.example.org")
    if parts.hostname.endswith(".onion"):
        raise ConfigurationError(f"PUBLIC_URL={value!r}: an onion address is never published in a sitemap; "
                                 "set ONION_LOCATION for it instead")
    return value.rstrip("/")


def build_config(instance_path: Path, environ: Mapping[str, str], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The complete Flask configuration for one app."""
    values = settings_from_environment(environ)
    values.update({key: value for key, value in overrides.items() if key in values})
    embedded = not values["DATABASE_URL"]
    if embedded:
        values["DATABASE_URL"] = f"sqlite:///{instance_path / 'course_app.sqlite3'}"
    values["DATABASE_URL"] = normalise_database_url(values["DATABASE_URL"])
    driver_problem = missing_database_driver(values["DATABASE_URL"])
    if driver_problem:
        raise ConfigurationError(driver_problem)
    for name in SECRET_NAMES:
        value = overrides.get(name) or environ.get(name)
        if not value:
            if not embedded:
                raise ConfigurationError(
                    f"{name} is not set. With DATABASE_URL, every app server must share the same {name}: "
                    f"set it in the environment (e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(48))')."
                )
            value = load_or_create_secret(instance_path / name.lower())
        values[name] = value
    if not values["LANGUAGES"]:
        raise ConfigurationError("LANGUAGES is empty: give at least one, e.g. en")
    try:
        password_hasher(values["STAFF_PASSWORD_MEMORY_KIB"], values["STAFF_PASSWORD_TIME_COST"])
    except ValueError:
        raise ConfigurationError(f"STAFF_PASSWORD_MEMORY_KIB must be at least {LEAST_MEMORY_KIB} and "
                                 f"STAFF_PASSWORD_TIME_COST at least {LEAST_TIME_COST} (OWASP's least for Argon2id)"
                                 ) from None
    if not 0 < values["PASSWORD_GUESS_SHARE"] <= 1:
        raise ConfigurationError("PASSWORD_GUESS_SHARE must be more than 0 and at most 1, e.g. 0.25")
    if values["PASSWORD_CHECKS_AT_ONCE"] < 1 or values["PASSWORD_CHECK_QUEUE"] < 0:
        raise ConfigurationError("PASSWORD_CHECKS_AT_ONCE must be at least 1 and PASSWORD_CHECK_QUEUE at least 0")
    values["PUBLIC_URL"] = checked_public_url(values["PUBLIC_URL"])
    if values["ROUNDING_BASE"] < 2:
        raise ConfigurationError(f"ROUNDING_BASE={values['ROUNDING_BASE']}: must be at least 2 (counts staff see are "
                                 "rounded to its multiples; the default is 5)")
    values.update(
        SESSION_COOKIE_NAME="session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_PERMANENT=False,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session, which expires on its own
        MAX_CONTENT_LENGTH=64 * 1024,
        MAX_FORM_MEMORY_SIZE=64 * 1024,
        TEMPLATES_AUTO_RELOAD=False,
        BABEL_TRANSLATION_DIRECTORIES=str(PACKAGE_DIR / "translations"),
        BABEL_DEFAULT_LOCALE=values["LANGUAGES"][0],
    )
    known = {setting.name for setting in SETTINGS} | set(SECRET_NAMES)
    # Other Flask settings (TESTING, PREVIEW …) pass through; settings and secrets were applied above.
    values.update({key: value for key, value in overrides.items() if key not in known})
    return values
