"""``course-app lessons new COURSE/LESSON``: well-formed starting files, as drafts, in the course's languages.

The files pass ``lessons check`` as they are (with a warning for each translation still holding its
placeholder text, which is never published: see placeholders.py); the comments (``# …`` in the
front matter, ``<!-- … -->`` in the text) say what to write and are never shown to learners. A new lesson
is added to the end of the course's last module; a new course gets a course.yaml to fill in.
Both are drafts (``draft: true``): the preview shows them, learners do not, until the
educator removes that line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .fields import SLUG_PATTERN, SLUG_RULE
from .loader import COURSE_FILE, RESERVED_LESSON_SLUGS, RESERVED_SLUGS
from .placeholders import PLACEHOLDERS, quoted, scaffold_files
from .yaml_lines import LineDict, LineList, YamlSyntaxError, load_yaml


class ScaffoldError(Exception):
    """The lesson cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class Scaffolded:
    created: tuple[Path, ...]
    changed: tuple[Path, ...]


def course_languages(course_file: Path) -> list[str] | None:
    """The languages an existing course.yaml names (the original first), or None if it cannot be read."""
    try:
        data, _issues = load_yaml(course_file.read_text(encoding="utf-8"))
    except (OSError, YamlSyntaxError):
        return None
    if not isinstance(data, LineDict) or not isinstance(data.get("languages"), list):
        return None
    languages = [str(lang) for lang in data["languages"]]
    original = data.get("original")
    if isinstance(original, str) and original in languages:
        languages.remove(original)
        languages.insert(0, original)
    return languages


def scaffold_lesson(root: Path, target: str, languages: Sequence[str], *, with_quiz: bool = False) -> Scaffolded:
    """Create ``root/COURSE/LESSON`` with a file per language (the first is the original).

    :raises ScaffoldError: for a malformed name, an existing lesson, or an unusable course.yaml.
    """
    course_slug, _, lesson_slug = target.strip("/").partition("/")
    for slug in (course_slug, lesson_slug):
        if not slug or not SLUG_PATTERN.match(slug):
            raise ScaffoldError(f"'{target}': write COURSE/LESSON, each {SLUG_RULE}")
    if course_slug in RESERVED_SLUGS:
        raise ScaffoldError(f"'{course_slug}' is used by the site itself; choose another course name")
    if lesson_slug in RESERVED_LESSON_SLUGS:
        raise ScaffoldError(f"'{lesson_slug}' is used by the site itself; choose another lesson name")
    course_dir = root / course_slug
    if not languages:
        raise ScaffoldError("give at least one language, e.g. --langs en,ru,be")
    lesson_dir = course_dir / lesson_slug
    if lesson_dir.exists():
        raise ScaffoldError(f"{lesson_dir} already exists")
    created: list[Path] = []
    changed: list[Path] = []
    course_file = course_dir / COURSE_FILE
    if course_file.exists():
        _add_to_course(course_file, lesson_slug)
        changed.append(course_file)
    else:
        course_dir.mkdir(parents=True, exist_ok=True)
        course_file.write_text(_course_yaml(lesson_slug, languages), encoding="utf-8")
        created.append(course_file)
    lesson_dir.mkdir(parents=True)
    for index, lang in enumerate(languages):
        lesson_text, quiz_text = scaffold_files(lang, original=index == 0)
        path = lesson_dir / f"{lang}.md"
        path.write_text(lesson_text, encoding="utf-8")
        created.append(path)
        if with_quiz:
            quiz = lesson_dir / f"quiz.{lang}.yaml"
            quiz.write_text(quiz_text, encoding="utf-8")
            created.append(quiz)
    return Scaffolded(tuple(created), tuple(changed))


def _course_yaml(lesson_slug: str, languages: Sequence[str]) -> str:
    def per_language(key: str, indent: str) -> str:
        return "\n".join(f"{indent}{lang}: {quoted(PLACEHOLDERS.get(lang, PLACEHOLDERS['en'])[key])}"
                         for lang in languages)

    return (
        "# The course: its title and summary in every language, and its lessons in order.\n"
        "# docs/authoring.md explains every key.\n"
        "# A draft: the preview shows it, learners do not. Remove this line to publish the course.\n"
        "draft: true\n"
        f"title:\n{per_language('course_title', '  ')}\n"
        f"summary:\n{per_language('course_summary', '  ')}\n"
        f"languages: [{', '.join(languages)}]\n"
        "modules:\n"
        f"  - title:\n{per_language('module', '      ')}\n"
        "    lessons:\n"
        f"      - {lesson_slug}\n"
    )


def _add_to_course(course_file: Path, lesson_slug: str) -> None:
    """Append the lesson to the last module's list, keeping everything else in the file as it was."""
    text = course_file.read_text(encoding="utf-8")
    try:
        data, _issues = load_yaml(text)
    except YamlSyntaxError as error:
        raise ScaffoldError(f"{course_file}:{error.line}: {error.message}; fix it first") from None
    modules = data.get("modules") if isinstance(data, LineDict) else None
    if not isinstance(modules, LineList) or not modules or not isinstance(modules[-1], LineDict):
        raise ScaffoldError(f"{course_file}: no modules to add the lesson to; add one first")
    lessons = modules[-1].get("lessons")
    if lessons is not None and not isinstance(lessons, LineList):
        raise ScaffoldError(f"{course_file}: the last module's 'lessons' is not a list")
    lines = text.split("\n")
    if lessons:
        if lesson_slug in lessons:
            raise ScaffoldError(f"{course_file}: '{lesson_slug}' is already listed")
        last_line = lessons.item_lines[-1] - 1
        indent = lines[last_line][: len(lines[last_line]) - len(lines[last_line].lstrip())]
        if lines[last_line].lstrip().startswith("- "):
            lines.insert(last_line + 1, f"{indent}- {lesson_slug}")
        else:  # a flow list: lessons: [a, b]
            lines[last_line] = lines[last_line].replace("]", f", {lesson_slug}]", 1)
    else:
        module_line = modules[-1].line - 1
        key_indent = " " * (len(lines[module_line]) - len(lines[module_line].lstrip()) + 2)
        end = modules[-1].line_of("title")
        insert_at = max(modules[-1].key_lines.values()) if modules[-1].key_lines else end
        while insert_at < len(lines) and lines[insert_at].startswith(key_indent + " "):
            insert_at += 1
        lines[insert_at:insert_at] = [f"{key_indent}lessons:", f"{key_indent}  - {lesson_slug}"]
    course_file.write_text("\n".join(lines), encoding="utf-8")
