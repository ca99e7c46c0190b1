"""What every template can use: addresses, the inline style and script, language names, site name."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _

from . import addresses
from .assets import inline_script, inline_style
from .content import current_catalogue
from .content.model import Catalogue
from .content.problems import Problem, is_within
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


@dataclass(frozen=True)
class ShownProblem:
    """A problem as the preview lists it: "error" or "warning" in words, where, and what."""

    is_error: bool
    where: str
    message: str


@dataclass(frozen=True)
class PreviewStatus:
    """What the preview says at the top of a page: the problems in this page's own files, and how many there are
    in all (the full list is one link away)."""

    scope: str  # "lesson", "course" or "site": whose files this page shows
    page_problems: tuple[ShownProblem, ...]
    errors: int
    warnings: int

    @property
    def page_errors(self) -> int:
        return sum(problem.is_error for problem in self.page_problems)

    @property
    def page_warnings(self) -> int:
        return len(self.page_problems) - self.page_errors


def shown_problems(problems: Iterable[Problem], base: Path | None) -> tuple[ShownProblem, ...]:
    """Problems as the preview lists them, errors first, each kept in file and line order."""
    ordered = sorted(problems, key=lambda problem: (not problem.is_error, problem.path, problem.line))
    return tuple(ShownProblem(problem.is_error, f"{problem.display_path(base)}:{max(problem.line, 1)}",
                              problem.message) for problem in ordered)


def _page_folder(catalogue: Catalogue) -> tuple[str, Path | None]:
    """Which lesson or course this page shows (by either address style), and its folder."""
    args = request.view_args or {}
    root = catalogue.root
    course = catalogue.course(args["course_slug"]) if "course_slug" in args else \
        catalogue.course_by_number(args["course_number"]) if "course_number" in args else None
    course_slug = course.slug if course is not None else args.get("course_slug")
    if root is None or not isinstance(course_slug, str):
        return "site", None
    lesson_slug = args.get("lesson_slug")
    if "lesson_number" in args and course is not None:
        wanted = args["lesson_number"]
        found = [entry for module in course.modules for entry in module.entries if entry.number == wanted]
        lesson_slug = found[0].slug if found else None
    if isinstance(lesson_slug, str):
        return "lesson", root / course_slug / lesson_slug
    return "course", root / course_slug


def preview_status() -> PreviewStatus:
    """The problems the preview shows on this page: those of its own lesson's files (or, on a course's pages, of
    course.yaml and terms.yaml), with the counts of every problem in the lesson files."""
    catalogue = current_catalogue()
    base = catalogue.root.parent if catalogue.root else None
    scope, folder = _page_folder(catalogue)
    if folder is None:
        own: list[Problem] = []
    elif scope == "lesson":
        own = [problem for problem in catalogue.problems if is_within(problem.path, folder)]
    else:  # the course's own files, not its lessons'
        own = [problem for problem in catalogue.problems
               if problem.path.parent == folder or problem.path == folder]
    errors = sum(problem.is_error for problem in catalogue.problems)
    return PreviewStatus(scope, shown_problems(own, base), errors, len(catalogue.problems) - errors)


def all_preview_problems() -> tuple[ShownProblem, ...]:
    """Every problem in the lesson files, for the preview's full list."""
    catalogue = current_catalogue()
    return shown_problems(catalogue.problems, catalogue.root.parent if catalogue.root else None)


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
        preview_status=preview_status,
        inline_style=inline_style,
        inline_script=inline_script,
    )
    app.jinja_env.filters["file_size"] = file_size
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
