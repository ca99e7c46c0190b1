"""What ``course-app lessons new`` writes, and how the loader recognises it while nobody has written over it.

A new lesson's files hold placeholder texts ("Write the lesson here."). A translation that still
holds them is not a translation: the loader counts it as missing, so readers of that language get
the original with the "not translated yet" notice, and ``lessons check`` and ``lessons status``
say "placeholder". A file stays a placeholder until **its text** changes — what learners would
read: a lesson's title, summary and body (comments aside), a quiz's questions, choices and
explanations — so changing only ``translation_of``, an id or the spacing does not publish it.

Each file ``lessons new`` writes carries a marker line naming a digest of its texts::

    # course-app placeholder 3f2a9c41d07be815: stays unpublished until its texts change

The marker keeps a file recognisable even if a later version of this module words its
placeholders differently. Files without the marker (made before it existed, or with the line
deleted) count as placeholders when their texts equal the placeholder texts of any language.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from functools import cache

from .markdown import strip_comments
from .yaml_lines import LineDict, LineList, load_yaml

MARKER = re.compile(r"^# course-app placeholder ([0-9a-f]{16})\b", re.M)
MARKER_LINE = "# course-app placeholder {digest}: stays unpublished until its texts change"
# The keys whose values learners read in a quiz (ids, types and right answers are not text).
QUIZ_TEXT_KEYS = frozenset({"text", "explain", "prompt", "answer"})

LESSON_TEMPLATE = """---
{marker}
# The lesson's title, as learners see it.
title: {title}
# One sentence for the course contents.
summary: {summary}
# Reading time in whole minutes.
minutes: 5
{revision_line}
---

<!-- Write the lesson below in Markdown: docs/authoring.md explains everything.
     Start sections with "##", write one sentence per line, and end with the sources.
     Comments like this one are never shown to learners. -->

{intro}

## {section}

{text}

## {sources}

- {source}
"""

QUIZ_TEMPLATE = """{marker}
{revision_line}
# The percentage of questions answered right needed to pass (1 to 100).
pass_mark: 60
questions:
  # Question types: single, multiple, true_false, order, match, number (see docs/authoring.md).
  # Give at least three choices, each as long and as precise as the others.
  - id: first-question
    type: single
    text: {question}
    choices:
      - id: wrong
        text: {wrong}
        explain: {wrong_explain}
      - id: right
        text: {right}
        correct: true
        explain: {right_explain}
      - id: also-wrong
        text: {other}
        explain: {wrong_explain}
"""

PLACEHOLDERS = {
    "en": {"title": "New lesson", "summary": "What this lesson is about, in one sentence.",
           "intro": "A first paragraph that says what the learner will know by the end.",
           "section": "First section", "text": "Write the lesson here.", "sources": "Sources",
           "source": "[Title of a source](https://www.ilo.org/)", "question": "Write the question here.",
           "right": "The right answer", "right_explain": "Why it is right.", "wrong": "A wrong answer",
           "other": "Another wrong answer",
           "wrong_explain": "Why it is wrong.", "course_title": "New course",
           "course_summary": "What this course teaches, in one or two sentences.", "module": "First part"},
    "ru": {"title": "Новый урок", "summary": "О чём этот урок, в одном предложении.",
           "intro": "Первый абзац: что учащийся узнает из этого урока.",
           "section": "Первый раздел", "text": "Напишите урок здесь.", "sources": "Источники",
           "source": "[Название источника](https://www.ilo.org/)", "question": "Напишите вопрос здесь.",
           "right": "Правильный ответ", "right_explain": "Почему он правильный.", "wrong": "Неправильный ответ",
           "other": "Другой неправильный ответ",
           "wrong_explain": "Почему он неправильный.", "course_title": "Новый курс",
           "course_summary": "Чему учит этот курс, в одном-двух предложениях.", "module": "Первая часть"},
    "be": {"title": "Новы ўрок", "summary": "Пра што гэты ўрок, у адным сказе.",
           "intro": "Першы абзац: што навучэнец даведаецца з гэтага ўрока.",
           "section": "Першы раздзел", "text": "Напішыце ўрок тут.", "sources": "Крыніцы",
           "source": "[Назва крыніцы](https://www.ilo.org/)", "question": "Напішыце пытанне тут.",
           "right": "Правільны адказ", "right_explain": "Чаму ён правільны.", "wrong": "Няправільны адказ",
           "other": "Іншы няправільны адказ",
           "wrong_explain": "Чаму ён няправільны.", "course_title": "Новы курс",
           "course_summary": "Чаму вучыць гэты курс, у адным-двух сказах.", "module": "Першая частка"},
}


def placeholder_texts(lang: str) -> dict[str, str]:
    """Placeholder texts in ``lang`` (English for other languages), quoted where YAML needs it."""
    texts = dict(PLACEHOLDERS.get(lang, PLACEHOLDERS["en"]))
    for key in ("title", "summary", "question", "right", "right_explain", "wrong", "other", "wrong_explain"):
        texts[key] = quoted(texts[key])
    return texts


def quoted(text: str) -> str:
    """A YAML double-quoted string (JSON's quoting is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _digest(parts: Iterable[str]) -> str:
    """A short digest of texts, blind to spacing (re-wrapping a line is not writing the lesson)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(" ".join(part.split()).encode() + b"\0")
    return digest.hexdigest()[:16]


def lesson_digest(title: str, summary: str, body: str) -> str:
    """The digest of what learners read of a lesson text: title, summary and body without comments."""
    return _digest((title, summary, strip_comments(body)))


def _quiz_texts(data: object) -> Iterator[str]:
    """Every text a learner reads in a parsed quiz file, in file order."""
    if isinstance(data, LineDict):
        for key, value in data.items():
            if key in QUIZ_TEXT_KEYS and isinstance(value, str):
                yield f"{key}={value}"
            else:
                yield from _quiz_texts(value)
    elif isinstance(data, LineList):
        for item in data:
            yield from _quiz_texts(item)


def quiz_digest(data: object) -> str:
    """The digest of what learners read in a parsed quiz file."""
    return _digest(_quiz_texts(data))


def marker_digest(raw_text: str) -> str | None:
    """The digest a ``lessons new`` marker line in ``raw_text`` names, if there is one."""
    match = MARKER.search(raw_text)
    return match.group(1) if match else None


@cache
def _scaffold_digests() -> frozenset[str]:
    """The digests of the placeholder texts of every language (for files made before markers existed)."""
    found = set()
    for lang in PLACEHOLDERS:
        lesson, quiz = scaffold_files(lang, original=False, marked=False)
        front, _, body = lesson.removeprefix("---\n").partition("\n---\n")
        data, _issues = load_yaml(front)
        found.add(lesson_digest(str(data["title"]), str(data["summary"]), body))
        found.add(quiz_digest(load_yaml(quiz)[0]))
    return frozenset(found)


def is_placeholder(raw_text: str, digest: str) -> bool:
    """Whether a file whose texts have ``digest`` still holds what ``lessons new`` wrote into it."""
    return marker_digest(raw_text) == digest or digest in _scaffold_digests()


def revision_line(original: bool, what: str = "lesson") -> str:
    """The lines about revisions: ``revision`` (and ``draft``) for the original, else ``translation_of``."""
    if original:
        lines = f"# The original: raise this number whenever you change what the {what} says.\nrevision: 1"
        if what == "lesson":
            lines += ("\n# A draft: the preview shows it, learners do not. Remove this line to publish the lesson.\n"
                      "draft: true")
        return lines
    return "# The revision of the original this translation follows.\ntranslation_of: 1"


def scaffold_files(lang: str, *, original: bool, marked: bool = True) -> tuple[str, str]:
    """The lesson text and the quiz ``lessons new`` writes for ``lang``, each with its marker line when ``marked``."""
    texts = placeholder_texts(lang)
    lesson = LESSON_TEMPLATE.format(marker="{marker}", revision_line=revision_line(original), **texts)
    quiz = QUIZ_TEMPLATE.format(marker="{marker}", revision_line=revision_line(original, "quiz"), **texts)
    if not marked:
        return lesson.replace("{marker}\n", ""), quiz.replace("{marker}\n", "")
    lesson_front, _, lesson_body = lesson.replace("{marker}\n", "").removeprefix("---\n").partition("\n---\n")
    front, _issues = load_yaml(lesson_front)
    lesson_mark = MARKER_LINE.format(digest=lesson_digest(str(front["title"]), str(front["summary"]), lesson_body))
    quiz_mark = MARKER_LINE.format(digest=quiz_digest(load_yaml(quiz.replace("{marker}\n", ""))[0]))
    return lesson.replace("{marker}", lesson_mark), quiz.replace("{marker}", quiz_mark)

