"""The in-memory catalogue: courses, modules and lessons read from lesson files.

Everything here is immutable and built once by the loader; views only read it. Rendered
lesson HTML is part of the catalogue, so a request never parses Markdown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
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
class AnchorLink:
    """A link to a section of another lesson (``lesson:wages#section-2``), checked once every lesson is read."""

    line: int
    course_slug: str
    lesson_slug: str
    anchor: str


class TranslationState(StrEnum):
    """What readers of one language get of one lesson text or quiz (``lessons status`` lists them)."""

    ORIGINAL = "original"
    TRANSLATED = "translated"
    STALE = "stale"              # served, but follows an older revision (or, for a quiz, differs: not served)
    PLACEHOLDER = "placeholder"  # what 'lessons new' wrote, unchanged: not served
    MISSING = "missing"          # no file, or a file with errors


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
    # Errors in the lesson's files: learners get "this lesson is being updated" instead (the preview shows them).
    held_back: tuple[Problem, ...] = ()
    # What readers of each course language get of the text and of the quiz (for ``lessons status``).
    text_states: Mapping[str, TranslationState] = field(default_factory=dict)
    quiz_states: Mapping[str, TranslationState] = field(default_factory=dict)
    # Translation files not served (placeholders, quizzes that differ from the original), for the log.
    withheld: tuple[HeldBack, ...] = ()
    # The title of each language file whose front matter could be read, errors or not.
    titles_read: Mapping[str, str] = field(default_factory=dict)
    draft: bool = False
    # Links to sections of other lessons in every text read (errors or not), checked once all lessons are read.
    anchor_links: tuple[tuple[Path, str, AnchorLink], ...] = ()

    @property
    def is_draft(self) -> bool:
        return self.draft or any(text.draft for text in self.texts.values())

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
class HeldBackLesson:
    """A listed lesson learners cannot read now, because its files have errors: its place, what title could
    be read, and the errors. Every page of it says "this lesson is being updated" until they are fixed."""

    slug: str
    number: int
    module_number: int
    titles: Mapping[str, str]
    problems: tuple[Problem, ...]
    path: Path


@dataclass(frozen=True)
class Module:
    """A titled group of lessons, in course order; ``held_back`` are its lessons being updated."""

    number: int
    titles: Mapping[str, str]
    lessons: tuple[Lesson, ...]
    held_back: tuple[HeldBackLesson, ...] = ()

    @property
    def entries(self) -> list[Lesson | HeldBackLesson]:
        """Every lesson of the module in course order, those being updated in their places."""
        return sorted((*self.lessons, *self.held_back), key=lambda entry: entry.number)


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
    held_back: Mapping[str, HeldBackLesson] = field(default_factory=dict)
    # Errors in terms.yaml: the glossary page says "being updated" until they are fixed.
    glossary_held_back: tuple[Problem, ...] = ()
    draft: bool = False

    @property
    def lessons(self) -> tuple[Lesson, ...]:
        return tuple(lesson for module in self.modules for lesson in module.lessons)

    @property
    def last_number(self) -> int:
        """The number of the course's last lesson learners see a place for (one being updated included): the
        contents list every lesson under its own number, so "Lesson 4 of 8" matches it. A draft keeps its number
        unseen (neutral addresses name lessons by number), so published lessons after it keep theirs."""
        return max((entry.number for module in self.modules for entry in module.entries), default=0)

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
class HeldBack:
    """One thing on disk learners are not given as it is, why, and what they get instead (for the log)."""

    path: Path
    what: str
    instead: str
    reasons: tuple[Problem, ...]

    def describe(self, relative_to: Path | None = None) -> str:
        """One line for the server's log: what, why (the first reason, and how many more) and instead."""
        first = self.reasons[0] if self.reasons else None
        why = first.format(relative_to) if first else ""
        more = f" (and {len(self.reasons) - 1} more)" if len(self.reasons) > 1 else ""
        return f"held back: {self.what}: {why}{more}; {self.instead}"


@dataclass(frozen=True)
class Catalogue:
    """Every course that loaded, plus the problems found while loading and what they hold back."""

    courses: tuple[Course, ...]
    problems: Sequence[Problem] = ()
    root: Path | None = None
    held_back: tuple[HeldBack, ...] = ()
    # Courses whose course.yaml has errors, by folder name: every page of them says "being updated".
    held_back_courses: Mapping[str, tuple[Problem, ...]] = field(default_factory=dict)

    def course(self, slug: str) -> Course | None:
        return next((course for course in self.courses if course.slug == slug), None)

    def course_by_number(self, number: int) -> Course | None:
        return next((course for course in self.courses if course.number == number), None)
