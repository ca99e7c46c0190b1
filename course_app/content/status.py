"""Translation status: per course and language, how many lessons, quizzes and subtitle tracks
are translated, missing or stale (following an older revision of the original)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .model import Catalogue


@dataclass(frozen=True)
class Tally:
    translated: int = 0
    stale: int = 0
    missing: int = 0

    @property
    def total(self) -> int:
        return self.translated + self.stale + self.missing

    def add(self, translated: int = 0, stale: int = 0, missing: int = 0) -> Tally:
        return Tally(self.translated + translated, self.stale + stale, self.missing + missing)

    def describe(self) -> str:
        if not self.total:
            return "—"
        return f"{self.translated}/{self.total} ok" + (f", {self.stale} stale" if self.stale else "") + \
            (f", {self.missing} missing" if self.missing else "")


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


def translation_status(catalogue: Catalogue) -> list[LanguageStatus]:
    """One row per course and language, courses in catalogue order, the original language first."""
    rows = []
    for course in catalogue.courses:
        for lang in course.language_order(course.original):
            if lang not in course.languages:
                continue
            lessons, quizzes, subtitles = Tally(), Tally(), Tally()
            for lesson in course.lessons:
                original = lesson.texts.get(course.original)
                text = lesson.texts.get(lang)
                if text is None:
                    lessons = lessons.add(missing=1)
                elif lang != course.original and original and original.revision and text.translation_of \
                        and text.translation_of < original.revision:
                    lessons = lessons.add(stale=1)
                else:
                    lessons = lessons.add(translated=1)
                if original is not None and original.quiz is not None:
                    quiz = text.quiz if text is not None else None
                    if quiz is None:
                        quizzes = quizzes.add(missing=1)
                    elif lang != course.original and original.quiz.revision and quiz.translation_of \
                            and quiz.translation_of < original.quiz.revision:
                        quizzes = quizzes.add(stale=1)
                    else:
                        quizzes = quizzes.add(translated=1)
                # The videos a reader of this language is shown: its own text's, or the original's.
                shown = text if text is not None else original
                for video in shown.videos if shown is not None else ():
                    has_track = any(track.lang == lang for track in video.subtitles)
                    subtitles = subtitles.add(translated=int(has_track), missing=int(not has_track))
            rows.append(LanguageStatus(course.slug, lang, lang == course.original, lessons, quizzes, subtitles))
    return rows
