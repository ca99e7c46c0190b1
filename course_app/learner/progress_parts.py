"""The learner's own parts of their progress page, from the kept sections per course (page_parts.py).

One function draws them for the app (learner/progress.py) and finds them, already drawn, for the
answer made before Flask (learner/learner_pages.py), so both put in the very same parts.
"""

from __future__ import annotations

from ..content import current_catalogue
from ..domain.progress import ProgressSummary
from .forms import RememberForm
from .page_parts import DrawingParts

PROGRESS_TEMPLATE = "learner/progress.html"
DRAWING = DrawingParts()


def progress_page_key(path: str, has_query: bool) -> tuple[str, bool]:
    """What the progress page shows besides the generation: its address (its language), and whether it has a
    query."""
    return (path, has_query)


def progress_parts(summary: ProgressSummary, remembered: bool, lang: str,
                   parts: DrawingParts = DRAWING) -> dict[str, str]:
    """The learner's own parts of their page: each course they started, from its kept section with their marks
    put in; the way to save their progress; this device's setting. Each part is drawn once per generation.

    :param parts: where the parts come from (``DrawnParts``: only those drawn already).
    """
    sections = []
    started = summary.courses()
    for course in current_catalogue().courses:
        if course.slug not in started:
            continue
        section = parts.piece((lang, course.slug), "course_section", course)
        states = [("completed" if summary.lessons[(course.slug, lesson.slug)] else "reached")
                  if (course.slug, lesson.slug) in summary.lessons else "" for lesson in course.lessons]
        completed, total = states.count("completed"), len(states)
        percent = (100 * completed) // total if total else 0
        filled = {"counts": parts.personal((lang, completed, total), "course_counts", completed, total, percent)}
        for index, (lesson, state) in enumerate(zip(course.lessons, states, strict=True)):
            filled[f"badge_{index}"] = parts.personal((lang, state), "lesson_badge", state)
            record = summary.quizzes.get((course.slug, lesson.slug))
            filled[f"quiz_{index}"] = "" if record is None else parts.personal((lang, *record), "quiz_record", *record)
        sections.append(section.fill(filled))
    return {
        "courses": "".join(sections) or parts.personal((lang,), "no_courses"),
        "save": parts.personal((lang, summary.has_code), "save_progress", summary.has_code),
        "remember": parts.part(("remember", remembered),
                               lambda: str(RememberForm(remember=remembered).remember(id="device-remember"))),
    }
