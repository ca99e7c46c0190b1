"""Where lessons live on the site: readable addresses, or numbered ones in neutral mode.

Normal:  /en/trade-unions/            /en/trade-unions/forced-labour
Neutral: /en/c/1/                     /en/c/1/4

Both kinds always work, so links shared before a switch keep working; the site writes the
kind its ``NEUTRAL_MODE`` asks for. Links inside lesson bodies are relative, so they stay
right behind any path prefix and can be rendered once when the catalogue loads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from flask import current_app, url_for

from .content.markdown import LessonRef
from .content.model import Course, Lesson
from .content.video import MediaFile


@dataclass(frozen=True)
class ServerLinkStyle:
    """Relative links from one lesson page of the live site to another lesson or to lesson media."""

    neutral: bool

    def lesson_href(self, source: LessonRef, target: LessonRef, anchor: str) -> str:
        if self.neutral:
            same, other = str(target.lesson_number), f"../{target.course_number}/{target.lesson_number}"
        else:
            same, other = target.lesson_slug, f"../{target.course_slug}/{target.lesson_slug}"
        href = same if source.course_slug == target.course_slug else other
        return f"{href}#{anchor}" if anchor else href

    def media_href(self, source: LessonRef, relative_path: str) -> str:
        if self.neutral:
            # Neutral addresses name files by version alone: a download in the history says nothing.
            name, _, version = relative_path.partition("?v=")
            suffix = PurePosixPath(name).suffix.lower()
            return f"../../../media/c/{source.course_number}/{source.lesson_number}/{version}{suffix}"
        return f"../../media/{source.course_slug}/{source.lesson_slug}/{relative_path}"


def neutral_mode() -> bool:
    return bool(current_app.config["NEUTRAL_MODE"])


def course_url(course: Course, lang: str, **values: Any) -> str:
    if neutral_mode():
        return url_for("learner.course_numbered", lang=lang, course_number=course.number, **values)
    return url_for("learner.course", lang=lang, course_slug=course.slug, **values)


def glossary_url(course: Course, lang: str) -> str:
    if neutral_mode():
        return url_for("learner.glossary_numbered", lang=lang, course_number=course.number)
    return url_for("learner.glossary", lang=lang, course_slug=course.slug)


def lesson_url(course: Course, lesson: Lesson, lang: str, endpoint: str = "lesson", **values: Any) -> str:
    """The address of a lesson page (or of one of its sub-pages, e.g. endpoint='quiz')."""
    if neutral_mode():
        return url_for(f"learner.{endpoint}_numbered", lang=lang, course_number=course.number,
                       lesson_number=lesson.number, **values)
    return url_for(f"learner.{endpoint}", lang=lang, course_slug=course.slug, lesson_slug=lesson.slug, **values)


def media_url(course: Course, lesson: Lesson, file: MediaFile) -> str:
    """A lesson media file's address, naming its version so it can be cached for a year."""
    if neutral_mode():
        return url_for("learner.media_numbered", course_number=course.number, lesson_number=lesson.number,
                       name=file.neutral_name, v=file.version)
    return url_for("learner.media", course_slug=course.slug, lesson_slug=lesson.slug, name=file.name, v=file.version)
