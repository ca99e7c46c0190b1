"""course_app: a labour-rights course platform that is safe to study on.

``create_app`` builds the application from configuration alone; it reads the lesson files
into the catalogue (a command's app, with ``READ_LESSONS_AT_START=False``, when first asked)
but opens no network connection and changes no database.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import assets, clock, content, db, errors, i18n, learner, staff, templating
from .config import build_config, instance_permission_problems
from .extensions import babel, csrf, login_manager
from .web import compression, cross_site, headers, work_limits
from .web.sessions import ServerSessionInterface


def create_app(config: Mapping[str, Any] | None = None, **overrides: Any) -> Flask:
    """Build the app. Settings come from the environment, then ``config``, then ``overrides``.

    :param config: settings to use instead of the environment's (tests pass a temporary instance path here).
    """
    settings = {**(config or {}), **overrides}
    instance_path = settings.pop("INSTANCE_PATH", None) or os.environ.get("INSTANCE_PATH")
    app = Flask(__name__, instance_path=str(Path(instance_path).resolve()) if instance_path else None)
    app.config.from_mapping(build_config(Path(app.instance_path), os.environ, settings))
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(days=app.config["REMEMBER_DEVICE_DAYS"])
    app.session_interface = ServerSessionInterface()
    app.url_map.converters["lang"] = i18n.language_converter(app.config["LANGUAGES"])
    _quiet_request_logging()
    for problem in instance_permission_problems(Path(app.instance_path)):
        app.logger.warning("%s", problem)

    clock.init_app(app)
    db.init_app(app)
    babel.init_app(app, locale_selector=i18n.get_locale)
    cross_site.init_app(app)  # first: a post from another site is refused before anything else looks at it
    csrf.init_app(app)
    # flask_login's LoginManager (extensions.py), for staff only: no context processor, so a learner's
    # page never loads a user; staff templates get current_user from the staff blueprint.
    login_manager.init_app(app, add_context_processor=False)
    work_limits.init_app(app)
    headers.init_app(app)
    compression.init_app(app)
    content.init_app(app)

    assets.init_app(app)
    templating.init_app(app)
    learner.init_app(app)
    staff.init_app(app)
    errors.init_app(app)
    # Learner forms are guarded by web/cross_site.py instead of tokens, so reading needs no session.
    csrf.exempt(learner.bp)
    app.register_blueprint(learner.bp)
    app.register_blueprint(staff.bp)
    if app.config["BEHIND_PROXY"]:
        # Behind nginx or Tor: trust X-Forwarded-Proto/Host only, never a client address. Outermost,
        # so the readers' page cache (learner/page_cache.py) already sees the real scheme and host.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=0, x_proto=1, x_host=1)  # type: ignore[method-assign]  # Flask's documented way to wrap its WSGI app
    return app


def _quiet_request_logging() -> None:
    """Werkzeug's development server logs every client's address with each line; this app never does (S4)."""
    logging.getLogger("werkzeug").disabled = True
