"""The staff pages' language switcher: the same list of languages learners have.

Learner pages carry their language in the address; staff pages have none, so they follow the
browser (Accept-Language) unless a language is chosen here:

- before signing in, the switcher is a link to the same page with ``?language=ru``: the sign-in page
  reads it and carries it into its form, so choosing writes nothing for a visitor who may never
  sign in; signing in keeps it in the staff session;
- once signed in, the switcher is a small form (POST, with the session's forgery token), so no
  other site can change a member's language; the choice is kept in the server-side session
  (``STAFF_LANGUAGE_KEY``, read by ``i18n.get_locale``), for staff pages only.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, redirect, request, session, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from ..i18n import STAFF_LANGUAGE_ARG, STAFF_LANGUAGE_KEY
from .access import any_role, role_required, safe_next
from .blueprint import bp
from .forms import LanguageForm


@bp.post("/language")
@login_required
@role_required(any_role)
def choose_language() -> Response:
    """Show staff pages in the chosen language from now on, and go back to the page the switcher was on."""
    form = LanguageForm()
    if not form.validate() or form.lang.data not in current_app.config["LANGUAGES"]:
        abort(400)
    session[STAFF_LANGUAGE_KEY] = form.lang.data
    return redirect(safe_next(form.next.data, url_for("staff.dashboard")), code=303)


# The query arguments a staff page passes on in its own links and forms. Only these: url_for reads a key such as
# ``_external`` as an instruction (an address on the request's Host), and the sign-in page's busy copy is shared.
PAGE_ARGUMENTS = ("next", "again", "changed", STAFF_LANGUAGE_ARG)


def page_arguments() -> dict[str, str]:
    """The current page's query arguments that its links and forms keep."""
    return {name: value for name, value in request.args.items() if name in PAGE_ARGUMENTS}


def language_link(lang: str) -> str:
    """Before signing in: the current staff page in ``lang`` (its other arguments kept), writing nothing."""
    args: dict[str, Any] = {**(request.view_args or {}), **page_arguments(), STAFF_LANGUAGE_ARG: lang}
    return url_for(request.endpoint or "staff.login", **args)


def language_form() -> LanguageForm:
    """Once signed in: the switcher's form, which comes back to the current page."""
    return LanguageForm(next=request.full_path.rstrip("?"))
