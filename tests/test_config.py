"""Settings and secrets: generated once, owner-only, for the embedded database; required with DATABASE_URL."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from course_app import create_app
from course_app.config import ConfigurationError, build_config, load_or_create_secret, normalise_database_url
from tests.test_cli import invoke_course_app


def test_embedded_database_generates_secrets_once_with_owner_only_permissions(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    first = create_app(INSTANCE_PATH=str(instance), RELOAD_LESSONS=False, DATABASE_URL="")
    second = create_app(INSTANCE_PATH=str(instance), RELOAD_LESSONS=False, DATABASE_URL="")
    for name in ("secret_key", "learner_code_pepper"):
        path = instance / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 48
    assert first.config["SECRET_KEY"] != first.config["LEARNER_CODE_PEPPER"]
    assert first.config["DATABASE_URL"] == f"sqlite:///{instance.resolve() / 'course_app.sqlite3'}"


def test_secret_creation_is_safe_when_processes_race(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    with ThreadPoolExecutor(8) as pool:
        values = set(pool.map(lambda _: load_or_create_secret(path), range(16)))
    assert len(values) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["secret"]


def test_environment_secrets_win_and_nothing_is_written(tmp_path: Path) -> None:
    config = build_config(tmp_path, {"SECRET_KEY": "from-env", "LEARNER_CODE_PEPPER": "pepper-env"}, {})
    assert config["SECRET_KEY"] == "from-env"
    assert not (tmp_path / "secret_key").exists()


def test_database_url_requires_shared_secrets(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="SECRET_KEY is not set"):
        build_config(tmp_path, {"DATABASE_URL": "postgresql://db/course"}, {})
    with pytest.raises(ConfigurationError, match="STAFF_TOTP_KEY is not set"):
        build_config(tmp_path, {"DATABASE_URL": "postgresql://db/course", "SECRET_KEY": "k",
                                "LEARNER_CODE_PEPPER": "p"}, {})
    config = build_config(tmp_path, {"DATABASE_URL": "postgresql://db/course", "SECRET_KEY": "k",
                                     "LEARNER_CODE_PEPPER": "p", "STAFF_TOTP_KEY": "t"}, {})
    assert config["DATABASE_URL"] == "postgresql+psycopg://db/course"


def test_postgresql_without_its_driver_says_which_extra_to_install(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL's driver is the extra '.[postgresql]': a lean install given a PostgreSQL address says so in
    one line, from configuration and from a command, instead of a traceback from SQLAlchemy."""
    from importlib.util import find_spec

    from course_app import config

    monkeypatch.setattr(config, "find_spec", lambda name: None if name == "psycopg" else find_spec(name))
    environ = {"DATABASE_URL": "postgresql://db/course", "SECRET_KEY": "k", "LEARNER_CODE_PEPPER": "p",
               "STAFF_TOTP_KEY": "t"}
    with pytest.raises(ConfigurationError, match=r"not installed: run \.venv/bin/pip install -e '\.\[postgresql\]'"):
        build_config(tmp_path, environ, {})
    assert build_config(tmp_path, {}, {})["DATABASE_URL"].startswith("sqlite:///")  # SQLite needs nothing more
    result = invoke_course_app("db", "upgrade", cwd=tmp_path, env={**environ, "INSTANCE_PATH": str(tmp_path)})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Error: configuration: DATABASE_URL names PostgreSQL, but its driver is not installed: "
        "run .venv/bin/pip install -e '.[postgresql]' (docs/deploy.md)"]


@pytest.mark.parametrize(("raw", "expected"), [
    ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
    ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
    ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
    ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
])
def test_database_urls_use_psycopg3(raw: str, expected: str) -> None:
    assert normalise_database_url(raw) == expected


def test_bad_values_are_explained(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="NEUTRAL_MODE='maybe': use true or false"):
        build_config(tmp_path, {"NEUTRAL_MODE": "maybe", "SECRET_KEY": "k", "LEARNER_CODE_PEPPER": "p"}, {})
    with pytest.raises(ConfigurationError, match="PORT='http': must be a whole number"):
        build_config(tmp_path, {"PORT": "http", "SECRET_KEY": "k", "LEARNER_CODE_PEPPER": "p"}, {})



@pytest.mark.parametrize(("setting", "value", "message"), [
    ("STAFF_PASSWORD_MEMORY_KIB", "1024", "STAFF_PASSWORD_MEMORY_KIB must be at least 19456"),
    ("STAFF_PASSWORD_TIME_COST", "two", "STAFF_PASSWORD_TIME_COST='two': must be a whole number"),
    ("ROUNDING_BASE", "1", "ROUNDING_BASE=1: must be at least 2"),
    ("ROUNDING_BASE", "five", "ROUNDING_BASE='five': must be a whole number"),
])
def test_a_command_names_a_wrong_setting_without_a_traceback(tmp_path: Path, setting: str, value: str,
                                                             message: str) -> None:
    from tests.test_cli import run_course_app

    result = run_course_app("staff", "list", cwd=tmp_path, env={"INSTANCE_PATH": str(tmp_path / "instance"),
                                                                setting: value})
    assert result.returncode == 1
    assert message in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_session_cookie_settings() -> None:
    config = build_config(Path("/tmp/unused"), {"SECRET_KEY": "k", "LEARNER_CODE_PEPPER": "p"}, {})
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["SESSION_PERMANENT"] is False


def test_every_setting_is_documented() -> None:
    from course_app.config import SETTINGS
    from tests.conftest import PROJECT_DIR

    guide = (PROJECT_DIR / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert [s.name for s in SETTINGS if f"| `{s.name}` |" not in guide] == []


def test_instance_folder_and_every_file_in_it_are_private(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import stat

    from course_app import create_app
    from course_app.db import upgrade_database
    from tests.helpers import submit_quiz

    instance = tmp_path / "instance"
    app = create_app(INSTANCE_PATH=str(instance), DATABASE_URL="", RELOAD_LESSONS=False)  # secrets made here
    upgrade_database(app)
    submit_quiz(app.test_client(), app, "wages")  # a write, so SQLite has made its -wal and -shm files
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    entries = {path.relative_to(instance).as_posix(): stat.S_IMODE(path.stat().st_mode) for path in instance.rglob("*")}
    files = {name: mode for name, mode in entries.items() if (instance / name).is_file()}
    folders = {name: mode for name, mode in entries.items() if (instance / name).is_dir()}
    assert {"course_app.sqlite3", "course_app.sqlite3-wal", "secret_key", "learner_code_pepper",
            "staff_totp_key"} <= set(files)
    assert set(files.values()) == {0o600}, files
    assert set(folders.values()) <= {0o700}, folders


def test_open_instance_permissions_are_warned_about_at_start(tmp_path, caplog) -> None:  # type: ignore[no-untyped-def]
    import logging

    from course_app import create_app

    instance = tmp_path / "instance"
    create_app(INSTANCE_PATH=str(instance), DATABASE_URL="", RELOAD_LESSONS=False)
    instance.chmod(0o755)
    (instance / "secret_key").chmod(0o644)
    (instance / "mirror-signing.pub").write_text("a public key, made to be handed out\n")
    (instance / "mirror-signing.pub").chmod(0o644)
    caplog.set_level(logging.WARNING)
    create_app(INSTANCE_PATH=str(instance), DATABASE_URL="", RELOAD_LESSONS=False)
    assert f"run 'chmod 700 {instance}'" in caplog.text
    assert "(secret_key)" in caplog.text and f"run 'chmod 600 {instance}/*'" in caplog.text
