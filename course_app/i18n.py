"""Choosing the language of a page.

Precedence, first match wins:

1. the language in the address (``/be/…``): every learner page carries one, so a shared link
   or a bookmark always opens in the language it was made in, and no cookie is needed;
2. on staff pages, the language picked with the staff pages' switcher: before signing in, in the
   address (``/staff/login?language=ru``, nothing written); once signed in, kept in the staff session
   (learner pages never read either);
3. for pages without one (``/``, staff pages, errors outside a language): the browser's
   ``Accept-Language``, among the languages the site speaks;
4. the site's first language (``LANGUAGES``), also for command-line output, which has no request.
"""

from __future__ import annotations

import re

from flask import current_app, has_request_context, request, session
from werkzeug.routing import BaseConverter

# The session key of the language a staff member picked for the staff pages (staff/language.py).
STAFF_LANGUAGE_KEY = "staff_lang"
# The address argument of a staff page's language before signing in (``lang`` is the figures' language filter).
STAFF_LANGUAGE_ARG = "language"
LANGUAGE_NAMES = {"en": "English", "ru": "Русский", "be": "Беларуская", "uk": "Українська", "pl": "Polski"}


def site_languages() -> list[str]:
    return list(current_app.config["LANGUAGES"])


def language_from_path(path: str) -> str | None:
    """The language a path starts with (``/ru/…`` → ``ru``), if the site speaks it."""
    first = path.lstrip("/").split("/", 1)[0]
    return first if first in site_languages() else None


def browser_language() -> str:
    """The best of the site's languages for this browser's Accept-Language, or the default."""
    return request.accept_languages.best_match(site_languages()) or site_languages()[0]


def get_locale() -> str:
    """The language of the current page (see the module docstring for the precedence)."""
    if not has_request_context():
        return site_languages()[0]
    if request.view_args and request.view_args.get("lang") in site_languages():
        return str(request.view_args["lang"])
    in_path = language_from_path(request.path)
    if in_path:
        return in_path
    if request.blueprint == "staff":
        if request.args.get(STAFF_LANGUAGE_ARG) in site_languages():
            return str(request.args[STAFF_LANGUAGE_ARG])
        if session.get(STAFF_LANGUAGE_KEY) in site_languages():
            return str(session[STAFF_LANGUAGE_KEY])
    return browser_language()


def language_converter(languages: list[str]) -> type[BaseConverter]:
    """A ``<lang:…>`` route converter that matches only the languages the site speaks."""

    class LanguageConverter(BaseConverter):
        regex = "|".join(re.escape(code) for code in languages)

    return LanguageConverter


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)
