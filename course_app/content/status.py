"""Translation status: per course and language, which lessons, quizzes and subtitle tracks are
translated, stale (following an older revision of the original, or a quiz that differs from it),
placeholders (what ``lessons new`` wrote, never published) or missing — counted, and named by
``COURSE/LESSON``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

from .model import Catalogue, Course, Lesson, TranslationState

# Each state a translation can be in, as this report counts it.
COUNTED = {
    TranslationState.ORIGINAL: "translated",
    TranslationState.TRANSLATED: "translated",
    TranslationState.STALE: "stale",
    TranslationState.PLACEHOLDER: "placeholder",
    TranslationState.MISSING: "missing",
}


@dataclass(frozen=True)
class Tally:
    """How many are in each state, and which lessons (``COURSE/LESSON``) are not translated."""

    translated: int = 0
    stale: int = 0
    missing: int = 0
    placeholder: int = 0
    which: dict[str, list[str]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.translated + self.stale + self.missing + self.placeholder

    def count(self, state: str, lesson: str) -> Tally:
        """This tally with one more lesson in ``state`` ("translated", "stale", "placeholder" or "missing")."""
        counts = {"translated": self.translated, "stale": self.stale, "missing": self.missing,
                  "placeholder": self.placeholder}
        counts[state] += 1
        which = {key: list(value) for key, value in self.which.items()}
        if state != "translated":
            which.setdefault(state, []).append(lesson)
        return Tally(**counts, which=which)

    def describe(self) -> str:
        if not self.total:
            return "—"
        parts = [f"{self.translated}/{self.total} ok"]
        parts += [f"{count} {name}" for name, count in (("stale", self.stale), ("placeholder", self.placeholder),
                                                       ("missing", self.missing)) if count]
        return ", ".join(parts)


@dataclass(frozen=True)
class LanguageStatus:
    course_slug: str
    lang: str
    is_original: bool
    lessons: Tally
    quizzes: Tally
    subtitles: Tally

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def not_translated(self) -> dict[str, dict[str, list[str]]]:
        """For each state but "translated": each lesson in it, with what of it (lesson, quiz, subtitles)."""
        found: dict[str, dict[str, list[str]]] = {}
        for what, tally in (("lesson", self.lessons), ("quiz", self.quizzes), ("subtitles", self.subtitles)):
            for state, lessons in tally.which.items():
                for lesson in lessons:
                    found.setdefault(state, {}).setdefault(lesson, []).append(what)
        return found


def _state(states: Mapping[str, TranslationState], lang: str) -> str:
    return COUNTED[states.get(lang, TranslationState.MISSING)]


def _language_status(course: Course, lessons: tuple[Lesson, ...], lang: str) -> LanguageStatus:
    texts, quizzes, subtitles = Tally(), Tally(), Tally()
    for lesson in lessons:
        name = f"{course.slug}/{lesson.slug}"
        texts = texts.count(_state(lesson.text_states, lang), name)
        if course.original in lesson.quiz_states:
            quizzes = quizzes.count(_state(lesson.quiz_states, lang), name)
        # The videos a reader of this language is shown: its own text's, or the original's.
        original = lesson.texts.get(course.original)
        shown = lesson.texts.get(lang) or original
        for video in shown.videos if shown is not None else ():
            has_track = any(track.lang == lang for track in video.subtitles)
            subtitles = subtitles.count("translated" if has_track else "missing", name)
    return LanguageStatus(course.slug, lang, lang == course.original, texts, quizzes, subtitles)


def translation_status(catalogue: Catalogue) -> list[LanguageStatus]:
    """One row per course and language, courses in catalogue order, the original language first."""
    rows = []
    for course in catalogue.courses:
        for lang in course.language_order(course.original):
            if lang in course.languages:
                rows.append(_language_status(course, course.lessons, lang))
    return rows
