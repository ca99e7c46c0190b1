"""The staff pages' language switcher: the same list of languages learners have, kept for the staff session.

Learner pages carry their language in the address; staff pages have none, so they follow the
browser (Accept-Language) until a staff member picks a language here. The choice is kept in the
server-side session (``STAFF_LANGUAGE_KEY``, read by ``i18n.get_locale``), for staff pages only.
"""

from __future__ import annotations

from flask import abort, current_app, redirect, request, session, url_for
from werkzeug.wrappers import Response

from ..i18n import STAFF_LANGUAGE_KEY
from .access import safe_next
from .blueprint import bp


@bp.get("/language/<lang>")
def choose_language(lang: str) -> Response:
    """Show staff pages in ``lang`` from now on, and go back to the page the switcher was on."""
    if lang not in current_app.config["LANGUAGES"]:
        abort(404)
    session[STAFF_LANGUAGE_KEY] = lang
    return redirect(safe_next(request.args.get("next"), url_for("staff.dashboard")), code=303)


def staff_language_url(lang: str) -> str:
    """The switcher's link to ``lang``, which comes back to the current page."""
    return url_for("staff.choose_language", lang=lang, next=request.full_path.rstrip("?"))
