"""The in-memory catalogue: courses, modules and lessons read from lesson files.

Everything here is immutable and built once by the loader; views only read it. Rendered
lesson HTML is part of the catalogue, so a request never parses Markdown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup

if TYPE_CHECKING:
    from .problems import Problem
    from .quiz import Quiz
    from .terms import Glossary
    from .video import MediaFile, Video


@dataclass(frozen=True)
class Heading:
    """A section heading inside a lesson, for the lesson's own table of contents."""

    anchor: str
    text: str
    level: int


@dataclass(frozen=True)
class LessonText:
    """One language version of a lesson: its front matter and rendered, sanitised body.

    ``body`` is sanitised HTML with the lesson's videos between its parts, in order.
    """

    lang: str
    title: str
    summary: str
    minutes: int | None
    body: tuple[Markup | Video, ...]
    headings: tuple[Heading, ...]
    path: Path
    revision: int | None = None
    translation_of: int | None = None
    draft: bool = False
    quiz: Quiz | None = None
    media: Mapping[str, MediaFile] = field(default_factory=dict)

    @property
    def html(self) -> Markup:
        """The text without its videos (for checks and plain renderings)."""
        return Markup("").join(part for part in self.body if isinstance(part, Markup))

    @property
    def videos(self) -> tuple[Video, ...]:
        return tuple(part for part in self.body if not isinstance(part, Markup))


@dataclass(frozen=True)
class Lesson:
    """A lesson in every language it has; ``number`` counts from 1 through the whole course."""

    slug: str
    course_slug: str
    number: int
    module_number: int
    texts: Mapping[str, LessonText]
    path: Path

    @property
    def is_draft(self) -> bool:
        return any(text.draft for text in self.texts.values())

    def media_file(self, name: str) -> MediaFile | None:
        """A file this lesson publishes (any language's text may name it); None for anything else."""
        for text in self.texts.values():
            if name in text.media:
                return text.media[name]
        return None

    def media_file_by_neutral_name(self, name: str) -> MediaFile | None:
        """The same, by the wordless name neutral mode uses (see MediaFile.neutral_name)."""
        for text in self.texts.values():
            for file in text.media.values():
                if file.neutral_name == name:
                    return file
        return None


@dataclass(frozen=True)
class Module:
    """A titled group of lessons, in course order."""

    number: int
    titles: Mapping[str, str]
    lessons: tuple[Lesson, ...]


@dataclass(frozen=True)
class Course:
    """A course: its languages (the original first), titles per language and its lessons in order."""

    slug: str
    number: int
    titles: Mapping[str, str]
    summaries: Mapping[str, str]
    languages: tuple[str, ...]
    original: str
    modules: tuple[Module, ...]
    path: Path
    lessons_by_slug: Mapping[str, Lesson] = field(default_factory=dict)
    glossary: Glossary | None = None  # from terms.yaml, when the course has one

    @property
    def lessons(self) -> tuple[Lesson, ...]:
        return tuple(lesson for module in self.modules for lesson in module.lessons)

    def language_order(self, wanted: str) -> list[str]:
        """Languages to try for a reader of ``wanted``: that one, then the original, then the rest."""
        order = [wanted, self.original, *self.languages]
        return list(dict.fromkeys(order))

    def pick(self, mapping: Mapping[str, str], wanted: str) -> tuple[str, str]:
        """The text of ``mapping`` best suited to ``wanted``, and the language it is in."""
        for lang in self.language_order(wanted):
            if mapping.get(lang):
                return mapping[lang], lang
        return "", wanted

    def title(self, lang: str) -> str:
        return self.pick(self.titles, lang)[0]

    def summary(self, lang: str) -> str:
        return self.pick(self.summaries, lang)[0]

    def text_of(self, lesson: Lesson, lang: str) -> LessonText | None:
        """The best language version of ``lesson`` for a reader of ``lang`` (None if it has none)."""
        for candidate in self.language_order(lang):
            if candidate in lesson.texts:
                return lesson.texts[candidate]
        return next(iter(lesson.texts.values()), None)

    def quiz_of(self, lesson: Lesson, lang: str) -> Quiz | None:
        """The lesson's quiz for a reader of ``lang``: in the language of the text they are shown,
        else in the best other language that has one."""
        shown = self.text_of(lesson, lang)
        if shown is not None and shown.quiz is not None:
            return shown.quiz
        for candidate in self.language_order(lang):
            text = lesson.texts.get(candidate)
            if text is not None and text.quiz is not None:
                return text.quiz
        return next((text.quiz for text in lesson.texts.values() if text.quiz is not None), None)

    def neighbours(self, lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
        """The lessons before and after ``lesson`` in course order."""
        lessons = self.lessons
        index = lessons.index(lesson)
        before = lessons[index - 1] if index > 0 else None
        after = lessons[index + 1] if index + 1 < len(lessons) else None
        return before, after


@dataclass(frozen=True)
class Catalogue:
    """Every course that loaded, plus the problems found while loading."""

    courses: tuple[Course, ...]
    problems: Sequence[Problem] = ()
    root: Path | None = None

    def course(self, slug: str) -> Course | None:
        return next((course for course in self.courses if course.slug == slug), None)

    def course_by_number(self, number: int) -> Course | None:
        return next((course for course in self.courses if course.number == number), None)
