"""Reading a folder of lesson files into a ``Catalogue``, collecting every problem on the way.

The loader never raises for a bad file: it reports the problem (``path:line: message``) and holds
back only what the problem is in, so one broken lesson cannot take the site down. The unit is the
lesson: an error in any of a lesson's texts or quizzes, in any language (a file they name that is
missing or unsafe included), **holds back** that lesson — learners get "this lesson is being
updated" — while every other lesson is served;
an error in ``course.yaml`` holds back its course, and one in ``terms.yaml`` its glossary. A
subtitle file with errors only loses its own track. Translations that are not ready are served
in another language instead, with a warning: a placeholder ``lessons new`` wrote, and a quiz that
differs from its original. The result depends on the files alone, so every server reading the
same files serves the same thing, at start-up and after any reload. ``lessons check`` uses the
same code, so what the checker accepts is exactly what the site serves.

Each file is checked as far as it can be read, so one run reports every problem: a lesson whose
front matter has a syntax error still has its body checked, and the keys that could be read.
"""

from __future__ import annotations

import dataclasses
import hashlib
import multiprocessing
import os
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from .boundary import OutsideBoundary, audit_course_folder, examine, examine_folder, open_examined
from .fields import SLUG_PATTERN, SLUG_RULE, FieldReader
from .lesson_cache import LessonCache
from .markdown import LessonRef, LinkStyle, RenderContext, anchor_problem, render_body, strip_comments
from .model import (
    AnchorLink,
    Catalogue,
    Course,
    HeldBack,
    HeldBackLesson,
    Lesson,
    LessonText,
    Module,
    TranslationState,
)
from .placeholders import is_placeholder, lesson_digest, quiz_digest
from .problems import Problem, ProblemList
from .quiz import Quiz, check_course_guessable, compare_structure, parse_quiz
from .terms import TERMS_FILE, Glossary, read_terms
from .yaml_lines import LineDict, LineList, YamlSyntaxError, excerpt, load_yaml

COURSE_FILE = "course.yaml"
COURSE_KEYS = ("title", "summary", "languages", "original", "order", "draft", "modules")
MODULE_KEYS = ("title", "lessons")
LESSON_KEYS_ORIGINAL = ("title", "summary", "minutes", "revision", "draft")
LESSON_KEYS_TRANSLATION = ("title", "summary", "minutes", "translation_of")
# First path segments the learner pages use; a course may not take one of them as its address.
RESERVED_SLUGS = frozenset({"c", "progress", "safety", "leave", "media", "static", "staff", "code", "about",
                            "preview"})
# Addresses inside a course that the site uses for its own pages (/<lang>/<course>/glossary).
RESERVED_LESSON_SLUGS = frozenset({"glossary", "index"})
LESSON_FILE = re.compile(r"^(?P<lang>[a-z]{2,3}(?:-[a-z0-9]+)?)\.md$")
QUIZ_FILE = re.compile(r"^quiz\.(?P<lang>[a-z]{2,3}(?:-[a-z0-9]+)?)\.yaml$")
# A lesson file is a few kilobytes; a megabyte is far beyond any lesson and far below harm.
DEFAULT_MAX_FILE_BYTES = 1_000_000
# The limit of the load under way (LoadOptions.max_file_bytes), for every file it reads.
_MAX_FILE_BYTES: ContextVar[int] = ContextVar("lesson_file_max_bytes", default=DEFAULT_MAX_FILE_BYTES)


@dataclass(frozen=True)
class LoadOptions:
    """How to load: which languages the site speaks, how links are written, what to include.

    ``include_drafts`` is the educators' view (the preview, ``lessons check``): drafts are included,
    and a held-back lesson is shown as far as it can be read instead of "being updated".
    """

    languages: Sequence[str]
    link_style: LinkStyle
    include_drafts: bool = False
    media_dir: Path | None = None
    # Lesson, quiz, course and terms files larger than this are refused unread (LESSON_FILE_MAX_BYTES).
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES


@dataclass
class _ModuleSpec:
    titles: dict[str, str]
    lessons: list[tuple[str, int]]


@dataclass
class _CourseSpec:
    slug: str
    path: Path
    titles: dict[str, str]
    summaries: dict[str, str]
    languages: tuple[str, ...]
    original: str
    order: int
    modules: list[_ModuleSpec]
    # course.yaml has errors: the course is not served, but its lessons are still checked.
    broken: bool = False
    # draft: true — shown in the educators' preview only.
    draft: bool = False


def read_text_file(path: Path, problems: ProblemList, folder: Path | None = None) -> str | None:
    """A file's text as UTF-8 with Unix line ends, or None (reported) when unreadable or too large.

    A file larger than the load's ``max_file_bytes`` is refused without being read.
    :param folder: the folder the file must really be in (see boundary.py); default: its own folder.
    """
    try:
        found = examine(path, folder or path.parent)
    except OutsideBoundary as refusal:
        problems.error(path, 1, f"'{path.name}' {refusal}", rule="boundary")
        return None
    if found is None:
        problems.error(path, 1, "cannot read the file: it does not exist")
        return None
    max_bytes = _MAX_FILE_BYTES.get()
    try:
        # Opened as examined: a link or a second name put in its place since is refused, not followed.
        with open_examined(found).handle as handle:
            raw = handle.read(max_bytes + 1)  # never more, even if the file grew since it was examined
    except OutsideBoundary as refusal:
        problems.error(path, 1, f"'{path.name}' {refusal}", rule="boundary")
        return None
    except OSError as exc:
        problems.error(path, 1, f"cannot read the file: {exc.strerror or exc}")
        return None
    if len(raw) > max_bytes:
        problems.error(path, 1, f"the file is larger than {max_bytes} bytes, the most a lesson file may be "
                       "(LESSON_FILE_MAX_BYTES): split it into smaller lessons")
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.error(path, 1 if line < 1 else line, "the file is not UTF-8 text: save it as UTF-8 in your editor")
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_yaml_file(path: Path, problems: ProblemList, *, text: str | None = None, first_line: int = 1) -> object:
    """Parse a YAML file (or ``text`` taken from it starting at ``first_line``); None when broken."""
    if text is None:
        text = read_text_file(path, problems)
        if text is None:
            return None
    try:
        data, issues = load_yaml(text, first_line)
    except YamlSyntaxError as exc:
        problems.error(path, exc.line, exc.message)
        return None
    for issue in issues:
        problems.error(path, issue.line, issue.message)
    return data


# A top-level key at the left margin; the lines below it that are indented (or blank) belong to it.
_TOP_LEVEL_KEY = re.compile(r"^[A-Za-z_][\w-]*\s*:")


def recover_top_level(text: str, first_line: int = 1) -> LineDict:
    """What can still be read of a mapping whose YAML has a syntax error: each top-level key with the lines
    indented below it is parsed on its own, and the blocks that fail are left out (already reported).

    So one bad line loses its own key only: the languages of a course, or the title of a lesson,
    are still known, and nothing is reported as missing or untranslated because of it.
    """
    recovered = LineDict()
    recovered.line = first_line
    recovered.key_lines = {}
    lines = text.split("\n")
    starts = [index for index, line in enumerate(lines) if _TOP_LEVEL_KEY.match(line)]
    for start, end in zip(starts, [*starts[1:], len(lines)][:len(starts)], strict=True):
        try:
            data, _issues = load_yaml("\n".join(lines[start:end]), first_line + start)
        except YamlSyntaxError:
            continue
        if isinstance(data, LineDict):
            for key, value in data.items():
                if key not in recovered:
                    recovered[key] = value
                    recovered.key_lines[key] = data.line_of(key)
    return recovered


def load_catalogue(root: Path, options: LoadOptions, cache: LessonCache | None = None) -> Catalogue:
    """Read every course under ``root``. Problems are in ``catalogue.problems``; what they hold back is in
    ``catalogue.held_back`` (and in each course and lesson).

    :param cache: lessons read before, reused while their files are unchanged (see lesson_cache.py).
    """
    limit = _MAX_FILE_BYTES.set(options.max_file_bytes)
    try:
        return _load_catalogue(root, options, cache)
    finally:
        _MAX_FILE_BYTES.reset(limit)


def _load_catalogue(root: Path, options: LoadOptions, cache: LessonCache | None) -> Catalogue:
    problems = ProblemList()
    root = root.resolve()
    if not root.is_dir():
        problems.error(root, 1, "the lessons folder does not exist")
        return Catalogue((), tuple(problems), root)
    specs = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        try:
            examine_folder(folder, root)
        except OutsideBoundary as refusal:
            problems.error(folder, 1, f"'{folder.name}/' {refusal}", rule="boundary")
            continue
        if not os.path.lexists(folder / COURSE_FILE):
            problems.warning(folder, 1, f"no {COURSE_FILE} in this folder, so it is not a course")
            continue
        spec = _read_course_spec(folder, options, problems)
        if spec.draft and not options.include_drafts:
            continue
        specs.append(spec)
    specs.sort(key=lambda spec: (spec.broken, spec.order, spec.slug))
    # Only courses whose course.yaml is sound are served, and numbered; the others are still checked.
    numbers = {spec.slug: number for number, spec in enumerate((s for s in specs if not s.broken), start=1)}
    known = {
        spec.slug: {slug: LessonRef(spec.slug, slug, numbers.get(spec.slug, 0), lesson_number)
                    for lesson_number, slug in enumerate(_listed_lessons(spec), start=1)}
        for spec in specs
    }
    built = [_build_course(spec, numbers.get(spec.slug, 0), known, options, problems, cache) for spec in specs]
    if cache is not None:
        cache.save()
    everything = {(lesson.course_slug, lesson.slug): lesson for _course, lessons in built for lesson in lessons}
    check_anchor_links(everything, problems)
    held_back: list[HeldBack] = []
    held_back_courses: dict[str, tuple[Problem, ...]] = {}
    for spec, (course, lessons) in zip(specs, built, strict=True):
        if spec.broken:
            reasons = tuple(p for p in problems if p.is_error and p.path == spec.path / COURSE_FILE)
            held_back_courses[spec.slug] = reasons
            held_back.append(HeldBack(spec.path / COURSE_FILE, f"course '{spec.slug}'",
                                      "every page of the course says it is being updated", reasons))
            continue
        if course.glossary_held_back:
            held_back.append(HeldBack(spec.path / TERMS_FILE, f"glossary of '{spec.slug}'",
                                      "its page says it is being updated", course.glossary_held_back))
        for lesson in lessons:
            if lesson.is_draft:
                continue  # not published anyway
            if lesson.held_back:
                held_back.append(HeldBack(lesson.path, f"lesson '{spec.slug}/{lesson.slug}'",
                                          "readers get 'this lesson is being updated'", lesson.held_back))
            else:
                held_back.extend(lesson.withheld)
    courses = tuple(course for course, spec in zip((c for c, _l in built), specs, strict=True) if not spec.broken)
    # The same subtitle file is checked for every language that shows its video: report it once.
    return Catalogue(courses, tuple(sorted(set(problems))), root, tuple(held_back), held_back_courses)


def _listed_lessons(spec: _CourseSpec) -> list[str]:
    """Lesson slugs in course order; a lesson's position is its number in neutral addresses."""
    return [slug for module in spec.modules for slug, _ in module.lessons]


def _read_course_spec(folder: Path, options: LoadOptions, problems: ProblemList) -> _CourseSpec:
    """What course.yaml says; when it has errors, what can still be read (so its lessons are checked too)."""
    path = folder / COURSE_FILE
    before = len(problems.errors)
    slug = folder.name
    if not SLUG_PATTERN.match(slug):
        problems.error(path, 1, f"the course folder name '{slug}' is its web address and must be {SLUG_RULE}")
    elif slug in RESERVED_SLUGS:
        problems.error(path, 1, f"the course folder name '{slug}' is used by the site itself; choose another")
    text = read_text_file(path, problems)
    data = read_yaml_file(path, problems, text=text) if text is not None else None
    if data is None and text is not None:
        # A syntax error: read what the other lines still say, quietly (the error is reported), so the lessons
        # are checked in the course's own languages, not every language the site speaks.
        recovered = _read_course_fields(FieldReader(recover_top_level(text), path, ProblemList()), folder, options,
                                        ProblemList())
        return dataclasses.replace(recovered, broken=True)
    if not isinstance(data, LineDict):
        if data is not None:
            problems.error(path, 1, "course.yaml must be a list of 'key: value' lines (title, summary, languages, "
                           "modules)")
        return _unreadable_course(folder, options)
    spec = _read_course_fields(FieldReader(data, path, problems), folder, options, problems)
    return dataclasses.replace(spec, broken=len(problems.errors) > before)


def _read_course_fields(fields: FieldReader, folder: Path, options: LoadOptions, problems: ProblemList) -> _CourseSpec:
    path = fields.path
    fields.check_keys(COURSE_KEYS)
    languages = _read_languages(fields, options, problems) or list(options.languages)
    original = fields.text("original", required=False, default=languages[0])
    if original not in languages:
        problems.error(path, fields.line("original"), f"original language '{original}' is not in 'languages'")
        original = languages[0]
    titles = _read_translated(fields, "title", languages, original, required=True)
    summaries = _read_translated(fields, "summary", languages, original, required=True)
    order = fields.integer("order", default=0) or 0
    modules = _read_modules(fields, languages, original, problems) or _unreadable_course(folder, options).modules
    return _CourseSpec(folder.name, folder, titles, summaries, tuple(languages), original, order, modules,
                       draft=fields.boolean("draft"))


def _unreadable_course(folder: Path, options: LoadOptions) -> _CourseSpec:
    """A course whose course.yaml cannot be read: every lesson folder, checked in the site's languages."""
    lessons = [(child.name, 1) for child in sorted(folder.iterdir())
               if child.is_dir() and not child.name.startswith((".", "_")) and SLUG_PATTERN.match(child.name)]
    return _CourseSpec(folder.name, folder, {}, {}, tuple(options.languages), options.languages[0], 0,
                       [_ModuleSpec({}, lessons)], broken=True)


def _read_languages(fields: FieldReader, options: LoadOptions, problems: ProblemList) -> list[str]:
    raw = fields.sequence("languages")
    if raw is None:
        return []
    languages: list[str] = []
    for index, lang in enumerate(raw):
        line = raw.line_of(index)
        if not isinstance(lang, str) or lang not in options.languages:
            problems.error(fields.path, line, f"language '{excerpt(lang)}' is not one the site speaks "
                           f"({', '.join(options.languages)})")
        elif lang in languages:
            problems.error(fields.path, line, f"language '{lang}' is listed twice")
        else:
            languages.append(lang)
    if not languages and raw is not None:
        problems.error(fields.path, raw.line, "a course needs at least one language")
    return languages


def _read_translated(fields: FieldReader, key: str, languages: Sequence[str], original: str,
                     *, required: bool) -> dict[str, str]:
    """A ``key: {en: …, ru: …}`` mapping, one text per course language."""
    raw = fields.mapping(key, required=required)
    if raw is None:
        return {}
    values: dict[str, str] = {}
    inner = FieldReader(raw, fields.path, fields.problems, where=f"'{key}'")
    inner.check_keys(languages)
    for lang in languages:
        if lang in raw:
            values[lang] = inner.text(lang)
        elif lang == original:
            fields.problems.error(fields.path, raw.line, f"'{key}' has no text in the original language '{lang}'")
        else:
            fields.problems.warning(fields.path, raw.line,
                                    f"'{key}' has no '{lang}' text; readers in {lang} see the '{original}' one",
                                    rule="translation")
    return values


def _read_modules(fields: FieldReader, languages: Sequence[str], original: str,
                  problems: ProblemList) -> list[_ModuleSpec]:
    raw_modules = fields.sequence("modules")
    if raw_modules is None:
        return []
    modules: list[_ModuleSpec] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_modules):
        line = raw_modules.line_of(index)
        if not isinstance(raw, LineDict):
            problems.error(fields.path, line, "each module is '- title: …' followed by 'lessons:'")
            continue
        module_fields = FieldReader(raw, fields.path, problems, where=f"module {index + 1}")
        module_fields.check_keys(MODULE_KEYS)
        titles = _read_translated(module_fields, "title", languages, original, required=True)
        lessons: list[tuple[str, int]] = []
        raw_lessons = module_fields.sequence("lessons")
        for lesson_index, slug in enumerate(raw_lessons or []):
            lesson_line = raw_lessons.line_of(lesson_index) if isinstance(raw_lessons, LineList) else line
            if not isinstance(slug, str) or not SLUG_PATTERN.match(slug):
                problems.error(fields.path, lesson_line, f"lesson '{excerpt(slug)}' must be a folder name: {SLUG_RULE}")
            elif slug in RESERVED_LESSON_SLUGS:
                problems.error(fields.path, lesson_line, f"lesson '{slug}': this address is used by the site itself; "
                               "rename the folder")
            elif slug in seen:
                problems.error(fields.path, lesson_line, f"duplicate lesson '{slug}' (also on line {seen[slug]})")
            elif not _lesson_folder_is_usable(fields.path.parent / slug, fields.path, lesson_line, problems):
                continue
            else:
                seen[slug] = lesson_line
                lessons.append((slug, lesson_line))
        modules.append(_ModuleSpec(titles, lessons))
    if not modules:
        problems.error(fields.path, raw_modules.line, "a course needs at least one module with lessons")
    return modules


def _lesson_folder_is_usable(folder: Path, course_file: Path, line: int, problems: ProblemList) -> bool:
    """A listed lesson needs a real folder inside its course (reported at the line that lists it)."""
    try:
        if examine_folder(folder, course_file.parent) is not None:
            return True
    except OutsideBoundary as refusal:
        problems.error(course_file, line, f"lesson '{folder.name}': its folder {refusal}", rule="boundary")
        return False
    problems.error(course_file, line, f"lesson '{folder.name}' has no folder {course_file.parent.name}/{folder.name}/")
    return False


def _build_course(spec: _CourseSpec, number: int, known: Mapping[str, Mapping[str, LessonRef]],
                  options: LoadOptions, problems: ProblemList, cache: LessonCache | None
                  ) -> tuple[Course, list[Lesson]]:
    """The course, and every lesson read (those held back included, for the checks that need them all)."""
    listed = {slug for module in spec.modules for slug, _ in module.lessons}
    audit_course_folder(spec.path, listed, problems)
    for folder in sorted(p for p in spec.path.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        if folder.name not in listed and folder.name not in RESERVED_LESSON_SLUGS:
            problems.warning(spec.path / COURSE_FILE, 1,
                             f"lesson folder '{folder.name}/' is not listed under any module, so it is not shown")
    jobs = [(spec, known[spec.slug][slug], module_number, known, options)
            for module_number, module_spec in enumerate(spec.modules, start=1) for slug, _line in module_spec.lessons]
    results, lesson_keys = _build_lessons(jobs, cache)
    built = iter(results)
    modules: list[Module] = []
    by_slug: dict[str, Lesson] = {}
    held_back: dict[str, HeldBackLesson] = {}
    everything: list[Lesson] = []
    for module_number, module_spec in enumerate(spec.modules, start=1):
        lessons: list[Lesson] = []
        stubs: list[HeldBackLesson] = []
        for slug, _line in module_spec.lessons:
            lesson, found = next(built)
            problems.extend(found)
            if lesson is None:
                continue  # a draft, and drafts are not included
            # A link or special file in the folder that no text names is reported (audited above) but holds
            # nothing back: it is never served, since only what a text names is published.
            everything.append(lesson)
            if lesson.held_back and not (options.include_drafts and lesson.texts):
                stub = HeldBackLesson(slug, lesson.number, module_number, lesson.titles_read, lesson.held_back,
                                      lesson.path)
                stubs.append(stub)
                held_back[slug] = stub
                continue
            lessons.append(lesson)
            by_slug[slug] = lesson
        modules.append(Module(module_number, module_spec.titles, tuple(lessons), tuple(stubs)))
    check_course_guessable(spec.path / COURSE_FILE, (text.quiz for lesson in by_slug.values()
                                                     for text in lesson.texts.values() if text.quiz), problems)
    glossary, glossary_problems = _read_glossary(spec, problems)
    if glossary is not None:
        keys = {job[1].lesson_slug: key for job, key in zip(jobs, lesson_keys, strict=True)}
        _check_vocabulary(glossary, spec, everything, problems, cache, keys)
    course = Course(spec.slug, number, spec.titles, spec.summaries, spec.languages, spec.original, tuple(modules),
                    spec.path, by_slug, None if glossary_problems else glossary, held_back, glossary_problems,
                    spec.draft)
    return course, everything


def _read_glossary(spec: _CourseSpec, problems: ProblemList) -> tuple[Glossary | None, tuple[Problem, ...]]:
    """The course's terms.yaml, and its errors (which hold back the glossary page, not the lessons)."""
    path = spec.path / TERMS_FILE
    if not os.path.lexists(path):
        return None, ()
    found = ProblemList()
    data = read_yaml_file(path, found)
    glossary = read_terms(data, path, spec.languages, spec.original, found) if data is not None else None
    problems.extend(found)
    return glossary, tuple(found.errors)


def _check_vocabulary(glossary: Glossary, spec: _CourseSpec, lessons: Iterable[Lesson], problems: ProblemList,
                      cache: LessonCache | None, lesson_keys: Mapping[str, str | None]) -> None:
    """Warn, at its line, wherever a lesson, quiz or subtitle file uses a variant terms.yaml says to avoid.

    Every lesson file is looked at, those with errors too, so the warnings come in the same run. A lesson's
    warnings are kept in the lesson cache under its key and the glossary's: reading every file of a big
    course again, only to find the same warnings, was most of a reload when nothing else had changed.
    """
    built = {lesson.slug: lesson for lesson in lessons}
    glossary_digest = hashlib.sha256(repr(glossary).encode()).hexdigest()
    found: dict[Path, list[tuple[int, str]]] = {}
    for module in spec.modules:
        for slug, _line in module.lessons:
            lesson_key = lesson_keys.get(slug)
            if cache is None or lesson_key is None:  # no cache, or the lesson's files too new to keep
                found.update(_lesson_vocabulary(glossary, spec, slug, built.get(slug)))
                continue
            memo_key = hashlib.sha256(f"terms\0{lesson_key}\0{glossary_digest}".encode()).hexdigest()
            kept = cache.recall(memo_key)
            if kept is None:
                kept = _lesson_vocabulary(glossary, spec, slug, built.get(slug))
                cache.remember(memo_key, kept)
            found.update(kept)
    for path in sorted(found):
        for line, message in found[path]:
            problems.warning(path, line, message, rule="terms")


def _lesson_vocabulary(glossary: Glossary, spec: _CourseSpec, slug: str,
                       lesson: Lesson | None) -> dict[Path, list[tuple[int, str]]]:
    """Each file of one lesson (its texts and quizzes in every course language, and the subtitles of its videos)
    and the warnings about the words it uses that terms.yaml says to avoid: (line, message)."""
    files: dict[Path, tuple[str, Path]] = {}  # file → (its language, the folder it must be in)
    folder = spec.path / slug
    for lang in spec.languages:
        for name in (f"{lang}.md", f"quiz.{lang}.yaml"):
            if os.path.lexists(folder / name):
                files[folder / name] = (lang, folder)
    for text in lesson.texts.values() if lesson is not None else ():
        for video in text.videos:
            for track in video.subtitles:
                files[track.file.path] = (track.lang, track.file.folder)
    warnings: dict[Path, list[tuple[int, str]]] = {}
    for path, (lang, must_be_in) in files.items():
        content = read_text_file(path, ProblemList(), must_be_in)  # unreadable files are reported where they are read
        warnings[path] = [(line, f"'{written}': this course writes '{concept.wordings[lang].use}' "
                                 f"(terms.yaml, '{concept.id}')")
                          for line, written, concept in glossary.avoided_in(content or "", lang)]
    return warnings


def check_anchor_links(lessons: Mapping[tuple[str, str], Lesson], problems: ProblemList) -> None:
    """Warn about links to a section another lesson does not have (``lesson:wages#section-12``).

    Only a warning: the link still opens that lesson, at its top, and an edit to one lesson must
    not hold back the lessons that link to it.
    """
    for lesson in lessons.values():
        for path, lang, link in lesson.anchor_links:
            target = lessons.get((link.course_slug, link.lesson_slug))
            if target is None or not target.texts:
                continue  # a draft or a lesson that could not be read: nothing to compare with
            shown = target.texts.get(lang) or next(iter(target.texts.values()))
            where = link.lesson_slug if link.course_slug == lesson.course_slug else \
                f"{link.course_slug}/{link.lesson_slug}"
            problem = anchor_problem(link.anchor, shown.headings, f"lesson '{where}'")
            if problem:
                problems.warning(path, link.line, f"link 'lesson:{where}#{link.anchor}': {problem}; the link opens "
                                 "the top of that lesson", rule="links")


# Lessons are independent of one another, so a big course is read by several processes at once.
PARALLEL_FROM = 200


def _build_lesson_job(job: tuple[_CourseSpec, LessonRef, int, Mapping[str, Mapping[str, LessonRef]], LoadOptions]
                      ) -> tuple[Lesson | None, ProblemList]:
    found = ProblemList()
    _MAX_FILE_BYTES.set(job[4].max_file_bytes)  # a worker process reads with the limit of the load it works for
    return _build_lesson(*job, problems=found), found


LessonJob = tuple[_CourseSpec, LessonRef, int, Mapping[str, Mapping[str, LessonRef]], LoadOptions]


def _build_lessons(jobs: list[LessonJob], cache: LessonCache | None
                   ) -> tuple[list[tuple[Lesson | None, ProblemList]], list[str | None]]:
    """Every lesson of a course, in order: from the cache while its files are unchanged, else read; and each
    lesson's key in the cache (None: not kept, or no cache)."""
    if cache is None:
        return _read_lessons(jobs), [None] * len(jobs)
    # Which lessons exist decides whether each link resolves: a key names them all (digested once).
    known_digest = hashlib.sha256(repr(jobs[0][3]).encode()).hexdigest() if jobs else ""
    keys = [_cache_key(job, known_digest, cache) for job in jobs]
    results: list[tuple[Lesson | None, ProblemList] | None] = [cache.get(key) for key in keys]
    missing = [index for index, result in enumerate(results) if result is None]
    for index, result in zip(missing, _read_lessons([jobs[index] for index in missing]), strict=True):
        cache.keep(keys[index], result)
        results[index] = result
    return [result for result in results if result is not None], keys


def _cache_key(job: LessonJob, known_digest: str, cache: LessonCache) -> str | None:
    spec, ref, module_number, _known, options = job
    folders = [spec.path / ref.lesson_slug]
    if options.media_dir is not None:
        folders.append(options.media_dir / spec.slug / ref.lesson_slug)
    return cache.key(spec.slug, spec.path, spec.languages, spec.original, ref, module_number, known_digest, options,
                     folders=folders)


def _read_lessons(jobs: list[LessonJob]) -> list[tuple[Lesson | None, ProblemList]]:
    """Lessons read from their files, in order; in worker processes when there are many (and cores to share)."""
    workers = min(os.cpu_count() or 1, 8)
    # Forking a process that runs other threads can copy a lock another thread holds and hang the
    # child: only a single-threaded process (a server starting up, a command) reads in parallel.
    if len(jobs) < PARALLEL_FROM or workers < 2 or multiprocessing.parent_process() is not None \
            or threading.active_count() > 1:
        return [_build_lesson_job(job) for job in jobs]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(_build_lesson_job, jobs, chunksize=max(1, len(jobs) // (workers * 4))))


@dataclass(frozen=True)
class _ReadText:
    """One language file of a lesson as read: its text (even with errors, when its body could be rendered),
    whether learners may be given it, and what readers of that language get."""

    text: LessonText | None
    usable: bool
    state: TranslationState
    # Why it is not served although it has no errors (a placeholder), for the log.
    withheld: HeldBack | None = None
    # Its links to sections of other lessons (checked once every lesson is read).
    anchor_links: tuple[AnchorLink, ...] = ()


def _build_lesson(spec: _CourseSpec, ref: LessonRef, module_number: int,
                  known: Mapping[str, Mapping[str, LessonRef]], options: LoadOptions,
                  problems: ProblemList) -> Lesson | None:
    """A lesson in every language it can be served in; ``held_back`` holds the errors that keep it from learners.

    :param problems: this lesson's own problems (a fresh list for each lesson, so they can be kept with it).
    """
    folder = spec.path / ref.lesson_slug
    for path in sorted(folder.iterdir()):
        match = LESSON_FILE.match(path.name) or QUIZ_FILE.match(path.name)
        if match and match["lang"] not in spec.languages:
            problems.warning(path, 1, f"'{match['lang']}' is not one of the course's languages "
                             f"({', '.join(spec.languages)}), so this file is not used")
    original = _read_lesson_text(spec, ref, spec.original, None, known, options, problems)
    draft = original.text.draft if original.text is not None else False
    original_text = original.text if original.usable else None
    # Quizzes are read even when their lesson text is broken, so one run reports every problem.
    original_quiz_file = folder / f"quiz.{spec.original}.yaml"
    original_quiz, original_quiz_state, _withheld = _read_quiz(
        original_quiz_file, spec.original, problems, is_original=True, text=original.text, draft=draft)
    texts: dict[str, LessonText] = {}
    text_states = {spec.original: original.state}
    anchor_links = [(folder / f"{spec.original}.md", spec.original, link) for link in original.anchor_links]
    quiz_states: dict[str, TranslationState] = {}
    withheld: list[HeldBack] = []
    titles = {spec.original: original.text.title} if original.text is not None and original.text.title else {}
    if original_quiz_state is not None:
        quiz_states[spec.original] = original_quiz_state
    if original_text is not None:
        texts[spec.original] = dataclasses.replace(original_text, quiz=original_quiz)
    for lang in spec.languages:
        if lang == spec.original:
            continue
        read = _read_lesson_text(spec, ref, lang, original_text, known, options, problems)
        text_states[lang] = read.state
        anchor_links += [(folder / f"{lang}.md", lang, link) for link in read.anchor_links]
        if read.text is not None and read.text.title and read.state is not TranslationState.PLACEHOLDER:
            titles[lang] = read.text.title
        if read.withheld is not None:
            withheld.append(read.withheld)
        quiz, quiz_state, quiz_withheld = _read_quiz(
            folder / f"quiz.{lang}.yaml", lang, problems, is_original=False, original_quiz=original_quiz,
            original_exists=os.path.lexists(original_quiz_file), text=read.text or original.text,
            original_lang=spec.original)
        if quiz_state is not None:
            quiz_states[lang] = quiz_state
        if quiz_withheld is not None:
            withheld.append(quiz_withheld)
        if read.usable and read.text is not None:
            texts[lang] = dataclasses.replace(read.text, quiz=quiz)
    ordered = {lang: texts[lang] for lang in spec.languages if lang in texts}
    # Every error in the lesson's texts and quizzes (and the files they name) holds it back; a subtitle file with
    # errors only loses its track.
    held_back = tuple(p for p in problems if p.is_error and p.path.suffix != ".vtt")
    lesson = Lesson(ref.lesson_slug, spec.slug, ref.lesson_number, module_number, ordered, folder, held_back,
                    text_states, quiz_states, tuple(withheld), titles, draft, tuple(anchor_links))
    if lesson.is_draft and not options.include_drafts:
        return None
    return lesson


def _read_lesson_text(spec: _CourseSpec, ref: LessonRef, lang: str, original: LessonText | None,
                      known: Mapping[str, Mapping[str, LessonRef]], options: LoadOptions,
                      problems: ProblemList) -> _ReadText:
    """One language version of a lesson, checked as far as it can be read (a broken front matter does not stop
    the body's checks)."""
    folder = spec.path / ref.lesson_slug
    path = folder / f"{lang}.md"
    is_original = lang == spec.original
    if not os.path.lexists(path):
        if is_original:
            problems.error(path, 1, f"missing: the original ({lang}) text of lesson '{folder.name}'")
        elif not spec.broken:  # with course.yaml unreadable, its languages may not be these
            problems.warning(path, 1, f"missing translation: readers in {lang} see this lesson in another language",
                             rule="translation")
        return _ReadText(None, False, TranslationState.MISSING)
    file_problems = ProblemList()
    raw = read_text_file(path, file_problems)
    lesson_text: LessonText | None = None
    links: tuple[AnchorLink, ...] = ()
    if raw is not None:
        front, front_ok, body, body_line = _split_front_matter(raw, path, file_problems)
        rendered = _lesson_text(spec, ref, lang, path, front, front_ok, body, body_line, original, known,
                                options, file_problems)
        lesson_text, links = rendered.text, rendered.anchor_links
    problems.extend(file_problems)
    if lesson_text is None or any(p.is_error and p.path == path for p in file_problems):
        return _ReadText(lesson_text, False, TranslationState.MISSING, anchor_links=links)
    placeholder = raw is not None and is_placeholder(
        raw, lesson_digest(lesson_text.title, lesson_text.summary, _body_of(raw)))
    if is_original:
        if placeholder and not lesson_text.draft:
            problems.warning(path, 1, "the original still holds the placeholder text 'lessons new' wrote, and it "
                             "is published: write the lesson, or put back 'draft: true'", rule="placeholder")
        return _ReadText(lesson_text, True, TranslationState.ORIGINAL, anchor_links=links)
    if placeholder:
        instead = f"readers in {lang} get the {spec.original} text, marked as not translated yet"
        problems.warning(path, 1, f"placeholder: this file still holds the text 'lessons new' wrote, so it is not "
                         f"published; {instead}", rule="placeholder")
        return _ReadText(lesson_text, False, TranslationState.PLACEHOLDER,
                         HeldBack(path, f"{lang} text of '{spec.slug}/{ref.lesson_slug}'", instead,
                                  (problems[-1],)), links)
    if original is not None:
        _compare_with_original(lesson_text, original, problems)
    stale = original is not None and original.revision is not None and lesson_text.translation_of is not None \
        and lesson_text.translation_of < original.revision
    return _ReadText(lesson_text, True, TranslationState.STALE if stale else TranslationState.TRANSLATED,
                     anchor_links=links)


def _body_of(raw: str) -> str:
    """The text after a lesson file's front matter (for recognising a placeholder)."""
    lines = raw.split("\n")
    end = next((index for index in range(1, len(lines)) if lines[index].strip() == "---"), len(lines))
    return "\n".join(lines[end + 1:])


def _split_front_matter(text: str, path: Path, problems: ProblemList) -> tuple[LineDict, bool, str, int]:
    """Split ``---`` front matter from the Markdown body: (front matter, whether it was read whole, body, the
    body's first line). When the front matter is broken, what its other lines say is recovered and the body is
    still given, so its checks run in the same pass."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        problems.error(path, 1, "a lesson file starts with a '---' line, then its front matter (title: …), then '---'")
        return recover_top_level(""), False, text, 1
    end = next((index for index in range(1, len(lines)) if lines[index].strip() == "---"), None)
    if end is None:
        problems.error(path, 1, "the front matter is never closed: add a line with '---' after it")
        return recover_top_level("\n".join(lines[1:]), 2), False, "", len(lines) + 1
    front_text = "\n".join(lines[1:end])
    body, body_line = "\n".join(lines[end + 1:]), end + 2
    data = read_yaml_file(path, problems, text=front_text, first_line=2)
    if data is None:
        return recover_top_level(front_text, 2), False, body, body_line
    if not isinstance(data, LineDict):
        problems.error(path, 2, "the front matter must be 'key: value' lines (title: …)")
        return recover_top_level("", 2), False, body, body_line
    return data, True, body, body_line


@dataclass(frozen=True)
class _Rendered:
    text: LessonText
    anchor_links: tuple[AnchorLink, ...]


def _lesson_text(spec: _CourseSpec, ref: LessonRef, lang: str, path: Path, front: LineDict, front_ok: bool,
                 body: str, body_line: int, original: LessonText | None, known: Mapping[str, Mapping[str, LessonRef]],
                 options: LoadOptions, problems: ProblemList) -> _Rendered:
    is_original = lang == spec.original
    fields = FieldReader(front, path, problems, report_missing=front_ok)
    fields.check_keys(LESSON_KEYS_ORIGINAL if is_original else LESSON_KEYS_TRANSLATION)
    title = fields.text("title")
    summary = fields.text("summary", required=False)
    minutes = fields.integer("minutes", minimum=1, maximum=600)
    revision = translation_of = None
    draft = False
    if is_original:
        revision = fields.integer("revision", default=1, minimum=1)
        draft = fields.boolean("draft")
    else:
        translation_of = fields.integer("translation_of", minimum=1)
        if front_ok:
            _check_translation_revision(path, fields.line("translation_of") if fields.has("translation_of") else 2,
                                        translation_of, original, problems)
    lesson_languages = tuple(lang for lang in spec.languages if os.path.lexists(path.parent / f"{lang}.md"))
    ctx = RenderContext(path, body_line, ref, path.parent, lang, known, options.link_style, problems,
                        options.media_dir, lesson_languages)
    rendered = render_body(strip_comments(body), ctx)
    return _Rendered(LessonText(lang, title, summary, minutes, rendered.parts, rendered.headings, path, revision,
                                translation_of, draft, None, dict(ctx.media)), tuple(ctx.anchor_links))


def _compare_with_original(text: LessonText, original: LessonText, problems: ProblemList) -> None:
    """A translation keeps the original's sections and videos, so section links and videos line up."""
    for what, mine, theirs in (("sections (## headings)", [h.level for h in text.headings],
                                [h.level for h in original.headings]),
                               ("videos", len(text.videos), len(original.videos))):
        if mine != theirs:
            count = len(mine) if isinstance(mine, list) else mine
            expected = len(theirs) if isinstance(theirs, list) else theirs
            detail = f"{count} {what}, the original has {expected}" if count != expected else \
                f"its {what} are nested differently from the original's"
            problems.warning(text.path, 1, f"structure differs from {original.path.name}: {detail}",
                             rule="translation")


def _check_translation_revision(path: Path, line: int, translation_of: int | None, original: LessonText | None,
                                problems: ProblemList) -> None:
    if original is None or original.revision is None:
        return
    if translation_of is None:
        problems.warning(path, line, f"add 'translation_of: {original.revision}' once this translation follows "
                         f"revision {original.revision} of the original", rule="stale")
    elif translation_of > original.revision:
        problems.error(path, line, f"translation_of: {translation_of} is newer than the original's revision "
                       f"{original.revision}", rule="stale")
    elif translation_of < original.revision:
        problems.warning(path, line, f"stale translation: follows revision {translation_of} of the original, "
                         f"which is now at revision {original.revision}", rule="stale")


def _check_sections(quiz: Quiz, text: LessonText | None, problems: ProblemList) -> None:
    """Each question's ``section:`` must be a section the lesson page has (the result page links to it)."""
    if text is None:
        return
    for question in quiz.questions:
        if question.section is not None and question.section > len(text.headings):
            count = f"sections 1 to {len(text.headings)}" if text.headings else "no sections"
            problems.error(quiz.path, question.line, f"question '{question.id}': section: {question.section}, but "
                           f"{text.path.name} has {count} (its headings, counted from the first)", rule="links")


def _read_quiz(path: Path, lang: str, problems: ProblemList, *, is_original: bool, text: LessonText | None,
               original_quiz: Quiz | None = None, original_exists: bool = False, draft: bool = False,
               original_lang: str = "") -> tuple[Quiz | None, TranslationState | None, HeldBack | None]:
    """One language's quiz (None when it is not served), what its readers get, and why it is held back if it is.

    A translated quiz that is a placeholder, or differs from the original in anything but its
    texts, is not served: its readers get the original quiz (a warning, never an error). When
    the original quiz is broken, its translations are not compared with it (its own errors say
    what is wrong).
    :param text: the lesson text this quiz is shown with (its sections are what ``section:`` counts).
    """
    if not os.path.lexists(path):
        if original_quiz is not None:
            problems.warning(path, 1,
                             f"missing translation: the quiz is shown in {original_quiz.lang} to {lang} readers",
                             rule="translation")
            return None, TranslationState.MISSING, None
        return None, None, None
    raw = read_text_file(path, problems)
    data = read_yaml_file(path, problems, text=raw) if raw is not None else None
    if data is None:
        return None, TranslationState.MISSING, None
    quiz = parse_quiz(data, path, lang, is_original, problems)
    if quiz is None:
        return None, TranslationState.MISSING, None
    _check_sections(quiz, text, problems)
    placeholder = raw is not None and is_placeholder(raw, quiz_digest(data))
    if is_original:
        if placeholder and not draft:
            problems.warning(path, 1, "the original quiz still holds the placeholder text 'lessons new' wrote, and "
                             "it is published: write the questions, or remove the file", rule="placeholder")
        return quiz, TranslationState.ORIGINAL, None
    what = f"{lang} quiz of '{path.parent.parent.name}/{path.parent.name}'"
    instead = f"readers in {lang} get the {original_lang} quiz"
    if placeholder:
        problems.warning(path, 1, f"placeholder: this quiz still holds the text 'lessons new' wrote, so it is not "
                         f"published; {instead}", rule="placeholder")
        return None, TranslationState.PLACEHOLDER, HeldBack(path, what, instead, (problems[-1],))
    if original_quiz is None:
        if not original_exists:
            problems.warning(path, 1, "this quiz has no original, so it is not shown: add one in the original "
                             "language first", rule="translation")
        return None, TranslationState.MISSING, None
    before = len(problems)
    if not compare_structure(original_quiz, quiz, problems):
        return None, TranslationState.STALE, HeldBack(path, what, instead, tuple(problems[before:]))
    if original_quiz.revision and quiz.translation_of and quiz.translation_of < original_quiz.revision:
        problems.warning(path, 1, f"stale translation: follows revision {quiz.translation_of} of the original "
                         f"quiz, which is now at revision {original_quiz.revision}", rule="stale")
        return quiz, TranslationState.STALE, None
    return quiz, TranslationState.TRANSLATED, None
