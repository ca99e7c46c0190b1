"""Static mirrors: a complete, JavaScript-free copy of the courses for when the site is blocked.

The copy works from any static host, an onion service, a USB stick or straight from disk
(``file://``): every link is relative, nothing is loaded from anywhere else, quizzes check
themselves with ``<details>`` (no server), and videos come in one size with their subtitles
and transcripts. Every page says when the copy was made and which edition it is (the same
edition the signature's trusted comment names), so a reader can tell an old copy from the
current one. Layout::

    index.html                         choose a language
    <lang>/index.html                  the courses
    <lang>/<course>/index.html         a course's contents
    <lang>/<course>/<lesson>.html      a lesson, with its self-check quiz
    <lang>/<course>/glossary.html      the course's terms (when it has terms.yaml)
    <lang>/check.html                  how to check the copy (signed copies only)
    media/<course>/<lesson>/…          pictures, video, subtitles (shared by every language)
    static/site.css
    MANIFEST.sha256                    every file's SHA-256, in ``sha256sum`` format
    MANIFEST.sha256.minisig            its minisign signature (see signing.py)

and, with ``--zip``, ``OUT.zip`` (made after the manifest is signed) and ``OUT.zip.minisig``
beside the folder.
"""

from __future__ import annotations

import base64
import dataclasses
import os
import posixpath
import shutil
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask, render_template
from flask_babel import force_locale, format_date

from ..content.boundary import OutsideBoundary, is_inside, open_published, relative_reference
from ..content.loader import LoadOptions, load_catalogue
from ..content.markdown import LessonRef
from ..content.model import Catalogue, Course, Lesson
from ..content.video import MediaFile, Video, VideoSize
from ..questions.draw import draw_quiz
from .signing import MINISIG_SUFFIX, RESERVED_AT_TOP, Edition, SigningError, list_entries, sign_file, write_manifest

VIDEO_CHOICES = ("240p", "360p", "audio", "none")


class MirrorError(Exception):
    """The export cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class MirrorLinkStyle:
    """Links from ``<lang>/<course>/<lesson>.html`` to other lesson pages and to shared media."""

    def lesson_href(self, source: LessonRef, target: LessonRef, anchor: str) -> str:
        same = source.course_slug == target.course_slug
        href = f"{target.lesson_slug}.html" if same else f"../{target.course_slug}/{target.lesson_slug}.html"
        return f"{href}#{anchor}" if anchor else href

    def media_href(self, source: LessonRef, relative_path: str) -> str:
        return f"../../media/{source.course_slug}/{source.lesson_slug}/{relative_path.split('?', 1)[0]}"


@dataclass
class MirrorExport:
    """What was written, for the command's summary."""

    out: Path
    pages: int = 0
    media_files: int = 0
    languages: list[str] = field(default_factory=list)
    zip_path: Path | None = None
    zip_signature: Path | None = None
    edition: Edition | None = None


def _relative(from_page: str, to_path: str) -> str:
    """The relative link from one exported file to another (both relative to the export's root)."""
    return posixpath.relpath(to_path, posixpath.dirname(from_page) or ".")


def lesson_page(lang: str, course: Course, lesson: Lesson) -> str:
    return f"{lang}/{course.slug}/{lesson.slug}.html"


def course_page(lang: str, course: Course) -> str:
    return f"{lang}/{course.slug}/index.html"


def media_path(course: Course, lesson: Lesson, file: MediaFile) -> str:
    return f"media/{course.slug}/{lesson.slug}/{file.name}"


def pick_size(video: Video, choice: str) -> VideoSize | None:
    """The one size a mirror carries: the chosen one if the video has it, else the smallest video."""
    if choice == "none":
        return None
    return video.size(choice)


def zip_path_for(out: Path) -> Path:
    """Where ``--zip`` puts the copy: ``OUT.zip`` beside the folder (``mirror.v2`` gives ``mirror.v2.zip``)."""
    return out.with_name(out.name + ".zip")


def export_static(app: Flask, out: Path, *, courses: Sequence[str] = (), languages: Sequence[str] = (),
                  video: str = "240p", signing_key: Ed25519PrivateKey | None = None, edition: Edition | None = None,
                  make_zip: bool = False) -> MirrorExport:
    """Write the mirror into ``out`` (which must not exist or be empty), sign it, and perhaps zip it.

    :param edition: the edition a signed copy states on every page and in its signatures
        (``signing.reserve_edition``); required with ``signing_key``.
    :raises MirrorError: if the copy cannot be made as asked (nothing is signed then).
    """
    if video not in VIDEO_CHOICES:
        raise MirrorError(f"--video must be one of {', '.join(VIDEO_CHOICES)}")
    if out.exists() and any(out.iterdir()):
        raise MirrorError(f"{out} is not empty: export into a new folder")
    if make_zip:
        # An old zip or signature left beside the new copy would be taken for part of it.
        for stale in (zip_path_for(out), zip_path_for(out).with_name(zip_path_for(out).name + MINISIG_SUFFIX)):
            if os.path.lexists(stale):
                raise MirrorError(f"{stale} already exists: remove it, or export into a new folder")
    options = LoadOptions(languages=tuple(app.config["LANGUAGES"]), link_style=MirrorLinkStyle(),
                          media_dir=Path(app.config["MEDIA_DIR"]) if app.config["MEDIA_DIR"] else None)
    catalogue = load_catalogue(Path(app.config["LESSONS_DIR"]), options)
    if any(problem.is_error for problem in catalogue.problems):
        raise MirrorError("the lesson files have errors; run 'course-app lessons check' and fix them first")
    chosen = [course for course in catalogue.courses if not courses or course.slug in courses]
    unknown = sorted(set(courses) - {course.slug for course in catalogue.courses})
    if unknown or not chosen:
        raise MirrorError(f"no such course: {', '.join(unknown) or '(none chosen)'}")
    langs = [lang for lang in app.config["LANGUAGES"] if not languages or lang in languages]
    if not langs or set(languages) - set(app.config["LANGUAGES"]):
        raise MirrorError(f"languages must be among {', '.join(app.config['LANGUAGES'])}")
    out.mkdir(parents=True, exist_ok=True)
    result = MirrorExport(out, languages=langs, edition=edition)
    zip_name = zip_path_for(out).name if make_zip else None
    writer = _Writer(app, out, Catalogue(tuple(chosen), (), catalogue.root), langs, video, result, zip_name)
    writer.write_all()
    if signing_key is not None:
        if edition is None:
            raise MirrorError("a signed copy needs an edition: take one with signing.reserve_edition")
        try:
            write_manifest(out, signing_key, edition)
        except SigningError as error:
            raise MirrorError(str(error)) from None
    if make_zip:
        result.zip_path = _zip(out)
        if signing_key is not None and edition is not None:
            # The zip is signed as a whole too, so stock minisign can check a copy before it is unpacked.
            result.zip_signature = sign_file(result.zip_path, signing_key, edition)
    return result


class _Writer:
    def __init__(self, app: Flask, out: Path, catalogue: Catalogue, langs: list[str], video: str,
                 result: MirrorExport, zip_name: str | None = None) -> None:
        self.app, self.out, self.catalogue = app, out, catalogue
        self.langs, self.video, self.result = langs, video, result
        self.zip_name = zip_name

    def _target(self, relative: str) -> Path:
        """Where ``relative`` goes in the export; never outside it (a name can never climb out)."""
        tidy = relative_reference(relative)
        target = self.out / (tidy or "")
        target.parent.mkdir(parents=True, exist_ok=True)
        if tidy is None or not is_inside(os.path.realpath(target.parent), os.path.realpath(self.out)):
            raise MirrorError(f"refusing to write {relative!r} outside {self.out}")
        return target

    def write(self, relative: str, text: str) -> None:
        self._target(relative).write_text(text, encoding="utf-8")
        self.result.pages += 1

    def copy(self, relative: str, file: MediaFile) -> None:
        """Copy a published file, examined again now (see content/boundary.py), into the export."""
        target = self._target(relative)
        if os.path.lexists(target):
            return
        try:
            opened = open_published(file.path, file.folder)
        except OutsideBoundary as refusal:
            raise MirrorError(f"{file.path}: '{file.name}' {refusal}") from None
        with opened.handle as source:
            descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
            with os.fdopen(descriptor, "wb") as destination:
                shutil.copyfileobj(source, destination)
        self.result.media_files += 1

    def render(self, lang: str, page: str, template: str, **context: object) -> None:
        """Render one page in ``lang``, its links relative to ``page``, with the copy's date and edition."""
        edition = self.result.edition
        with self.app.test_request_context(f"/{lang}/"), force_locale(lang):
            # The date in the reader's language; the edition's minute stays in the signature and in verify's output.
            made_on = format_date(edition.made.date(), format="long") if edition else None
            html = render_template(template, lang=lang, page=page, rel=lambda target: _relative(page, target),
                                   catalogue=self.catalogue, languages=self.langs, edition=edition, made_on=made_on,
                                   zip_name=self.zip_name, **context)
        self.write(page, html)

    def write_all(self) -> None:
        blocks = self.app.extensions["course_app.inline_blocks"]
        # One stylesheet for the copy: the site's and the one for quizzes (self-checks here). A file, not
        # a block inside each page: a mirror's host sets its own policy, which cannot know the blocks' hashes.
        stylesheet = self.out / "static" / "site.css"
        stylesheet.parent.mkdir(parents=True, exist_ok=True)
        stylesheet.write_text(blocks["site.css"].text + blocks["forms.css"].text, encoding="utf-8")
        self.result.media_files += 1
        self.render(self.langs[0], "index.html", "mirror/index.html")
        for lang in self.langs:
            self.render(lang, f"{lang}/index.html", "mirror/catalogue.html")
            if self.result.edition is not None:
                self.render(lang, f"{lang}/check.html", "mirror/check.html")
            for course in self.catalogue.courses:
                self.render(lang, course_page(lang, course), "mirror/course.html", course=course)
                if course.glossary is not None:
                    self.render(lang, f"{lang}/{course.slug}/glossary.html", "mirror/glossary.html", course=course,
                                entries=course.glossary.entries(course.language_order(lang)))
                for lesson in course.lessons:
                    self._lesson(lang, course, lesson)

    def _lesson(self, lang: str, course: Course, lesson: Lesson) -> None:
        text = course.text_of(lesson, lang)
        if text is None:
            return
        sizes = {}
        belongs_to_videos: set[str] = set()
        for part in text.videos:
            size = pick_size(part, self.video)
            sizes[part.number] = size
            belongs_to_videos |= {option.file.name for option in part.sizes}
            for file in (size.file if size else None, part.poster):
                if file is not None:
                    self.copy(media_path(course, lesson, file), file)
        # Pictures and handouts the text links to; of the videos, only the chosen size was copied.
        for name, file in text.media.items():
            if name not in belongs_to_videos:
                self.copy(media_path(course, lesson, file), file)
        before, after = course.neighbours(lesson)
        quiz = course.quiz_of(lesson, lang)
        # A self-check shows every question of a bank, each drawn as on the site (an order never solved).
        draw = draw_quiz(dataclasses.replace(quiz, ask=None), "mirror", "mirror") if quiz is not None else None
        self.render(lang, lesson_page(lang, course, lesson), "mirror/lesson.html", course=course, lesson=lesson,
                    text=text, before=before, after=after, quiz=quiz, draw=draw, sizes=sizes,
                    media=lambda file: media_path(course, lesson, file), subtitles_url=self.subtitles_url)

    def subtitles_url(self, file: MediaFile) -> str:
        """A subtitle file as a data: address inside the page.

        Browsers refuse to load a <track> from a file:// address (every local file is its own
        origin), so a copy opened from a folder or a USB stick would lose its subtitles; a
        data: address is part of the page itself and loads from file://, a web host or an
        onion address alike. Subtitle files are a few kilobytes.
        """
        try:
            opened = open_published(file.path, file.folder)
        except OutsideBoundary as refusal:
            raise MirrorError(f"{file.path}: '{file.name}' {refusal}") from None
        with opened.handle as source:
            encoded = base64.b64encode(source.read()).decode("ascii")
        return f"data:text/vtt;charset=utf-8;base64,{encoded}"


def _zip(folder: Path) -> Path:
    """The mirror as one .zip beside the folder: regular files only, in a stable order, under the folder's name."""
    entries = list_entries(folder)
    if entries.special:
        raise MirrorError(f"{folder} holds entries that are not regular files: {', '.join(entries.special)}")
    names = sorted([*entries.files, *(name for name in RESERVED_AT_TOP if (folder / name).is_file())])
    target = zip_path_for(folder)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(descriptor, "wb") as handle, \
            zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            archive.write(folder / name, f"{folder.name}/{name}")
    return target
