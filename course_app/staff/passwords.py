"""This server's Argon2id costs for staff passwords, from its settings (docs/configuration.md)."""

from __future__ import annotations

from argon2 import PasswordHasher
from flask import Flask, current_app

from ..domain.password_costs import password_hasher


def init_app(app: Flask) -> None:
    app.extensions["course_app.password_hasher"] = password_hasher(app.config["STAFF_PASSWORD_MEMORY_KIB"],
                                                                   app.config["STAFF_PASSWORD_TIME_COST"])


def server_password_hasher(app: Flask | None = None) -> PasswordHasher:
    """The Argon2id hasher with this server's costs (STAFF_PASSWORD_MEMORY_KIB, STAFF_PASSWORD_TIME_COST)."""
    hasher: PasswordHasher = (app or current_app).extensions["course_app.password_hasher"]
    return hasher
