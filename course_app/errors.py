"""Error pages: short, translated, with the same headers as every page, never a traceback."""

from __future__ import annotations

import logging
import traceback

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger("course_app.errors")


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Something in that request was not right"),
              _("The form may have been changed or sent twice. Go back, reload the page and try again.")),
        403: (_("Not allowed"), _("This page is not open to you.")),
        404: (_("Page not found"),
              _("There is no page at this address. It may have moved; start again from the list of courses.")),
        405: (_("Not allowed"), _("This address does not accept that kind of request.")),
        413: (_("Too much data"), _("What you sent is larger than this site accepts.")),
        429: (_("Please wait a moment"), _("There were too many attempts. Wait a few minutes, then try again.")),
        500: (_("Something went wrong on our side"),
              _("Nothing you did caused this. Please try again in a few minutes.")),
    }


def render_error(code: int, detail: str | None = None) -> tuple[str, int]:
    messages = _messages()
    title, text = messages.get(code, messages[500] if code >= 500 else messages[400])
    return render_template("errors/error.html", code=code, title=title, text=detail or text, error_page=True), code


def handle_http_error(error: HTTPException) -> HTTPException | tuple[str, int]:
    if error.code is not None and error.code < 400:
        return error  # redirects are not errors
    return render_error(error.code or 500)


def handle_csrf_error(_error: CSRFError) -> tuple[str, int]:
    return render_error(400, _("This form has expired or was not sent from this site. Reload the page and try again."))


def handle_unexpected_error(error: Exception) -> tuple[str, int]:
    # The type and the code path only: an exception's message can quote form data or SQL
    # parameters, and nothing identifying may reach a log (S4).
    frames = "".join(traceback.format_tb(error.__traceback__))
    log.error("unhandled %s\n%s", type(error).__name__, frames)
    return render_error(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected_error)
