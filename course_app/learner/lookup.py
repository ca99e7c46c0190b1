"""Finding the course and lesson an address names, in either address style.

A course, lesson or glossary whose files have errors is held back (content/loader.py): its
address answers "being updated" (503) instead of the page, the same on every server.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask import abort
from werkzeug.exceptions import HTTPException

from ..content import current_catalogue
from ..content.model import Course, HeldBackLesson, Lesson, LessonText
from ..content.problems import Problem
from ..content.quiz import Quiz
from ..domain.progress import LessonPlace


@dataclass(frozen=True)
class LessonView:
    """A lesson as one reader sees it: the text in the best language, and whether that is a fallback."""

    course: Course
    lesson: Lesson
    text: LessonText
    wanted_lang: str

    @property
    def is_fallback(self) -> bool:
        return self.text.lang != self.wanted_lang

    @property
    def place(self) -> LessonPlace:
        return LessonPlace(self.course.slug, self.lesson.slug, len(self.course.lessons))

    @property
    def quiz(self) -> Quiz | None:
        """The quiz in the shown text's language, else in the best other language that has one."""
        return self.text.quiz if self.text.quiz is not None else self.course.quiz_of(self.lesson, self.wanted_lang)


class BeingUpdated(HTTPException):
    """A course, lesson or glossary held back until its files are fixed: readers get a short page saying so."""

    code = 503

    def __init__(self, what: str, course: Course | None = None, lesson: HeldBackLesson | None = None,
                 problems: Sequence[Problem] = ()) -> None:
        """:param what: "course", "lesson" or "glossary"."""
        super().__init__()
        self.what = what
        self.course = course
        self.lesson = lesson
        self.problems = tuple(problems)


def lesson_counts() -> dict[str, int]:
    """Lessons per course, for deciding when a course is completed."""
    return {course.slug: len(course.lessons) for course in current_catalogue().courses}


def find_course(course_slug: str | None = None, course_number: int | None = None) -> Course:
    """The course with this slug or number, or a 404."""
    catalogue = current_catalogue()
    if course_slug is not None:
        course = catalogue.course(course_slug)
        if course is None and course_slug in catalogue.held_back_courses:
            raise BeingUpdated("course", problems=catalogue.held_back_courses[course_slug])
    else:
        course = catalogue.course_by_number(course_number or 0)
    if course is None:
        abort(404)
    return course


def find_lesson(lang: str, course_slug: str | None = None, lesson_slug: str | None = None,
                course_number: int | None = None, lesson_number: int | None = None) -> LessonView:
    """The lesson an address names, in the best language for ``lang``, or a 404."""
    course = find_course(course_slug, course_number)
    if lesson_slug is not None:
        lesson = course.lessons_by_slug.get(lesson_slug)
    else:
        lesson = next((item for item in course.lessons if item.number == lesson_number), None)
    if lesson is None:
        held_back = course.held_back.get(lesson_slug) if lesson_slug is not None else \
            next((item for item in course.held_back.values() if item.number == lesson_number), None)
        if held_back is not None:
            raise BeingUpdated("lesson", course, held_back, held_back.problems)
        abort(404)
    text = course.text_of(lesson, lang)
    if text is None:
        abort(404)
    return LessonView(course, lesson, text, lang)
