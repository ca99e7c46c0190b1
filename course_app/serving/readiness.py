"""Whether this server may start serving: asked by gunicorn's master before any worker forks."""

from __future__ import annotations

from .. import create_app, db
from ..config import ConfigurationError


def problem_before_serving() -> str | None:
    """What keeps this server from serving (a wrong setting, a database it cannot use), or None.

    Gunicorn's master asks before it forks any worker, so the app built here starts no thread,
    reads no lesson and keeps no database connection: a fork inherits none of them.
    """
    try:
        app = create_app(READ_LESSONS_AT_START=False, RELOAD_LESSONS=False)
    except ConfigurationError as error:
        return f"configuration: {error}"
    try:
        db.check_schema_is_current(app)
    except db.DatabaseNotReady as error:
        return str(error)
    finally:
        db.database(app).engine.dispose()
    return None
