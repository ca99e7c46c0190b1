"""Routes for lesson pages, registered in both address styles (readable and neutral)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from werkzeug.wrappers import Response

from .blueprint import bp
from .lookup import LessonView, find_lesson

LessonHandler = Callable[[LessonView], Response | str | tuple[str, int]]


def lesson_route(suffix: str, endpoint: str,
                 methods: tuple[str, ...] = ("GET",)) -> Callable[[LessonHandler], LessonHandler]:
    """Register ``handler(view)`` at /<lang>/<course>/<lesson><suffix> and /<lang>/c/<n>/<m><suffix>.

    The neutral route's endpoint is ``<endpoint>_numbered``; ``addresses.lesson_url`` picks one.
    """

    def decorator(handler: LessonHandler) -> LessonHandler:
        @wraps(handler)
        def by_slug(lang: str, course_slug: str, lesson_slug: str) -> Response | str | tuple[str, int]:
            return handler(find_lesson(lang, course_slug=course_slug, lesson_slug=lesson_slug))

        @wraps(handler)
        def by_number(lang: str, course_number: int, lesson_number: int) -> Response | str | tuple[str, int]:
            return handler(find_lesson(lang, course_number=course_number, lesson_number=lesson_number))

        bp.add_url_rule(f"/<lang:lang>/<course_slug>/<lesson_slug>{suffix}", endpoint, by_slug, methods=list(methods))
        bp.add_url_rule(f"/<lang:lang>/c/<int:course_number>/<int:lesson_number>{suffix}", f"{endpoint}_numbered",
                        by_number, methods=list(methods))
        return handler

    return decorator
