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

Exporting again into the same folder is the ordinary way to update a mirror: a folder that holds
an earlier export (its manifest lists every file in it) is **replaced in one step** — the new copy
is written beside it and swapped in, so a web server or a reader never sees half of each — and so
are its zip and signature (removed when the new copy has none). A folder that holds anything else
is refused and left as it was. An edition number is taken only once every check has passed, so a
refused export takes none.
"""

from __future__ import annotations

import base64
import ctypes
import dataclasses
import errno
import os
import posixpath
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Sequence
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
from .signing import (
    MANIFEST,
    MINISIG_SUFFIX,
    RESERVED_AT_TOP,
    Edition,
    SigningError,
    list_entries,
    sign_file,
    write_manifest,
)
from .zip_layout import ZipLayoutError, read_layout

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
    replaced: bool = False  # an earlier export was in the folder, and this one took its place


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


def zip_signature_for(out: Path) -> Path:
    return zip_path_for(out).with_name(zip_path_for(out).name + MINISIG_SUFFIX)


_MANIFEST_LINE = re.compile(r"^[0-9a-f]{64}  (.+)$")


def _not_an_earlier_export(out: Path) -> str | None:
    """Why the non-empty folder ``out`` is not an export this command may replace, or None when it is one.

    An earlier export has its manifest at the top, and nothing that manifest does not list: a
    folder holding anything else (someone's own files, a file added since) is never deleted.
    """
    try:
        manifest = (out / MANIFEST).read_text(encoding="utf-8") if (out / MANIFEST).is_file() else None
        entries = list_entries(out)
    except (OSError, UnicodeDecodeError) as error:
        return f"it cannot be read ({error})"
    if manifest is None:
        return f"it has no {MANIFEST}, so it is not a copy this command made"
    listed = {found.group(1) for line in manifest.splitlines() if (found := _MANIFEST_LINE.match(line))}
    others = [*entries.special, *(name for name in entries.files if name not in listed)]
    if others:
        shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        return f"it holds files the earlier export did not make: {shown}"
    return None


def _not_its_zip(archive: Path, out: Path) -> str | None:
    """Why ``archive`` is not the zip of the export in ``out`` (so it must not be replaced), or None."""
    if not archive.is_file() or archive.is_symlink():
        return "it is not a regular file"
    try:
        with zipfile.ZipFile(archive) as opened:
            names = opened.namelist()
    except (OSError, zipfile.BadZipFile) as error:
        return f"it is not a zip file ({error})"
    if not all(name.startswith(f"{out.name}/") for name in names):
        return f"it holds files outside '{out.name}/', so it is not this mirror's zip"
    return None


def _check_folder(out: Path, make_zip: bool) -> bool:
    """Whether ``out`` holds an earlier export to replace; raises, changing nothing, when it cannot be written.

    :raises MirrorError: for a file where the folder should be, a folder holding anything but an
        earlier export, or a zip or signature beside it that belongs to something else.
    """
    if os.path.lexists(out) and (out.is_symlink() or not out.is_dir()):
        raise MirrorError(f"{out} exists and is not a folder: export into a new or empty folder")
    earlier = out.is_dir() and any(out.iterdir())
    if earlier:
        reason = _not_an_earlier_export(out)
        if reason is not None:
            raise MirrorError(f"{out} is not empty, and {reason}: export into a new or empty folder (nothing was "
                              "changed)")
    if make_zip or earlier:  # a copy exported again without --zip takes the earlier zip away
        for beside in (zip_path_for(out), zip_signature_for(out)):
            if not os.path.lexists(beside):
                continue
            if not earlier:
                raise MirrorError(f"{beside} already exists beside a folder with no earlier export: remove it, or "
                                  "export into a new folder")
            reason = _not_its_zip(beside, out) if beside.suffix == ".zip" else \
                ("it is not a regular file" if beside.is_symlink() or not beside.is_file() else None)
            if reason is not None:
                raise MirrorError(f"{beside} is in the way, and {reason}: remove it first (nothing was changed)")
    return earlier


def export_static(app: Flask, out: Path, *, courses: Sequence[str] = (), languages: Sequence[str] = (),
                  video: str = "240p", signing_key: Ed25519PrivateKey | None = None,
                  edition: Callable[[], Edition] | None = None, make_zip: bool = False) -> MirrorExport:
    """Write the mirror into ``out`` (new, empty, or holding an earlier export, which it replaces), sign it, and
    perhaps zip it.

    :param edition: takes the edition a signed copy states on every page and in its signatures
        (``signing.reserve_edition``); called only once every check has passed. Required with ``signing_key``.
    :raises MirrorError: if the copy cannot be made as asked (nothing is changed and no edition is taken then).
    """
    if video not in VIDEO_CHOICES:
        raise MirrorError(f"--video must be one of {', '.join(VIDEO_CHOICES)}")
    if signing_key is not None and edition is None:
        raise MirrorError("a signed copy needs an edition: take one with signing.reserve_edition")
    replacing = _check_folder(out, make_zip)
    options = LoadOptions(languages=tuple(app.config["LANGUAGES"]), link_style=MirrorLinkStyle(),
                          media_dir=Path(app.config["MEDIA_DIR"]) if app.config["MEDIA_DIR"] else None,
                          max_file_bytes=int(app.config["LESSON_FILE_MAX_BYTES"]))
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
    out.parent.mkdir(parents=True, exist_ok=True)
    taken = edition() if signing_key is not None and edition is not None else None
    # Written beside the folder, then swapped in: the folder never holds half of one copy and half of another.
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.new-"))
    # mkdtemp makes an owner-only folder; the copy is for a web server and readers, as a new folder would be.
    umask = os.umask(0)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)
    staged_zip = staging.with_name(staging.name + ".zip")
    try:
        result = MirrorExport(out, languages=langs, edition=taken, replaced=replacing)
        zip_name = zip_path_for(out).name if make_zip else None
        writer = _Writer(app, staging, Catalogue(tuple(chosen), (), catalogue.root), langs, video, result, zip_name)
        writer.write_all()
        if signing_key is not None and taken is not None:
            try:
                write_manifest(staging, signing_key, taken)
            except SigningError as error:
                raise MirrorError(str(error)) from None
        if make_zip:
            _zip(staging, staged_zip, top=out.name)
            if signing_key is not None and taken is not None:
                # The zip is signed as a whole too, so stock minisign can check a copy before it is unpacked.
                sign_file(staged_zip, signing_key, taken)
        _swap_in(staging, out)
        if make_zip:
            result.zip_path = zip_path_for(out)
            os.replace(staged_zip, result.zip_path)
            signature = staged_zip.with_name(staged_zip.name + MINISIG_SUFFIX)
            if os.path.lexists(signature):
                result.zip_signature = zip_signature_for(out)
                os.replace(signature, result.zip_signature)
            elif os.path.lexists(zip_signature_for(out)):
                zip_signature_for(out).unlink()  # the earlier zip's signature would not match the new zip
        else:
            for earlier_zip in (zip_path_for(out), zip_signature_for(out)):
                if os.path.lexists(earlier_zip):
                    earlier_zip.unlink()  # an earlier edition beside this one would be taken for its zip
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # gone already when swapped in; else the half-made copy
        for leftover in (staged_zip, staged_zip.with_name(staged_zip.name + MINISIG_SUFFIX)):
            if os.path.lexists(leftover):
                leftover.unlink()
    return result


# Linux's renameat2(2) swaps two paths in one step; elsewhere the folder is replaced by two renames.
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders atomically; False where the system cannot (then nothing was changed)."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def _swap_in(staging: Path, out: Path) -> None:
    """Put the copy written in ``staging`` at ``out``; an earlier copy there is swapped out in one step, and removed."""
    if not os.path.lexists(out):
        os.rename(staging, out)
        return
    if _exchange(staging, out):
        shutil.rmtree(staging)  # now the earlier copy
        return
    previous = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.old-"))
    os.rename(out, previous / out.name)
    os.rename(staging, out)
    shutil.rmtree(previous)


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


def _zip(folder: Path, target: Path, *, top: str) -> Path:
    """The mirror as one .zip: regular files only, in a stable order, under the folder name ``top``.

    The zip holds no folder entries, no extra fields, no comment and nothing between its entries,
    and names every file once in a plain relative name (UTF-8 marked as such): what
    ``export verify`` and every common unpacker read alike (see zip_layout.py). It is read back
    strictly before it is signed; a zip that would not pass is removed and the export refused.
    :raises MirrorError: if a file name would make an ambiguous zip (two names differing only in case).
    """
    entries = list_entries(folder)
    if entries.special:
        raise MirrorError(f"{folder} holds entries that are not regular files: {', '.join(entries.special)}")
    names = sorted([*entries.files, *(name for name in RESERVED_AT_TOP if (folder / name).is_file())])
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(descriptor, "wb") as handle, \
            zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            archive.write(folder / name, f"{top}/{name}")
    try:
        refused = read_layout(target).refused
    except ZipLayoutError as error:
        refused = (str(error),)
    if refused:
        target.unlink()
        raise MirrorError(f"the zip would not be read alike by every unpacker: {'; '.join(refused)}; "
                          "rename the files it names")
    return target
