"""What every template can use: addresses, the inline style and script, language names, site name."""

from __future__ import annotations

from flask import Flask, current_app, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _

from . import addresses
from .assets import inline_script, inline_style
from .content import current_catalogue
from .i18n import get_locale, language_name


def site_name() -> str:
    configured = current_app.config.get("SITE_NAME")
    if configured:
        return str(configured)
    return str(_("Online lessons") if current_app.config["NEUTRAL_MODE"] else _("Labour rights course"))


def switch_language_url(lang: str) -> str:
    """The current page in another language (the same lesson, course or page)."""
    if request.endpoint and request.view_args is not None and "lang" in request.view_args:
        return url_for(request.endpoint, **{**request.view_args, "lang": lang})
    return url_for("learner.catalogue", lang=lang)


def file_size(size: int) -> str:
    """A download size as learners read it: "240 KB", "1.2 MB"."""
    if size >= 1_000_000:
        return str(_("%(size)s MB", size=format_decimal(round(size / 1_000_000, 1))))
    return str(_("%(size)s KB", size=format_decimal(max(1, round(size / 1000)))))


def preview_problems() -> list[str]:
    """Every problem in the lesson files, as path:line: message (shown on pages in the preview)."""
    catalogue = current_catalogue()
    base = catalogue.root.parent if catalogue.root else None
    return [problem.format(base) for problem in catalogue.problems]


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        course_url=addresses.course_url,
        lesson_url=addresses.lesson_url,
        glossary_url=addresses.glossary_url,
        language_name=language_name,
        site_name=site_name,
        switch_language_url=switch_language_url,
        page_lang=get_locale,
        site_languages=lambda: app.config["LANGUAGES"],
        neutral_mode=addresses.neutral_mode,
        media_url=addresses.media_url,
        preview_problems=preview_problems,
        inline_style=inline_style,
        inline_script=inline_script,
    )
    app.jinja_env.filters["file_size"] = file_size
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
