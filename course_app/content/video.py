"""Videos in lessons: the ```video block, the files it names, and the checks on them.

An educator writes, where the video belongs in the lesson::

    ```video
    title: What a trade union does
    source: media/what-is-a-union.mp4
    ```

``course-app media encode media/what-is-a-union.mp4`` makes the sizes learners choose from,
named after the source (``what-is-a-union.360p.mp4``, ``.240p.mp4``, ``.audio.m4a``) and a
poster (``.poster.jpg``); subtitles are ``what-is-a-union.<lang>.vtt``. The source itself
need not be published. Every file is looked up in the lesson folder, then in ``MEDIA_DIR``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .boundary import Examined, OutsideBoundary, examine, examine_folder, open_examined, relative_reference
from .fields import FieldReader
from .problems import ProblemList
from .webvtt import parse_webvtt, transcript_paragraphs
from .yaml_lines import LineDict, YamlSyntaxError, load_yaml

VIDEO_KEYS = ("title", "source", "poster", "subtitles")
# The ladder made by `course-app media encode`, best first; the learner picks one before anything loads.
SIZES = (("360p", ".360p.mp4"), ("240p", ".240p.mp4"), ("audio", ".audio.m4a"))
SERVED_TYPES = {
    ".mp4": "video/mp4", ".m4a": "audio/mp4", ".webm": "video/webm", ".mp3": "audio/mpeg", ".ogg": "audio/ogg",
    ".vtt": "text/vtt", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp",
    ".gif": "image/gif", ".pdf": "application/pdf",
}
# Never published: an SVG is a document that can run script and fetch addresses when opened on
# its own (from a mirror on disk there is no Content-Security-Policy to stop it). Export PNG instead.
REFUSED_TYPES = {".svg": "an SVG picture is never published: opened on its own it can run script and fetch other "
                         "addresses; export it as PNG (or JPEG) and link that",
                 ".svgz": "an SVG picture is never published: opened on its own it can run script and fetch other "
                          "addresses; export it as PNG (or JPEG) and link that"}
VIDEO_TYPES = (".mp4", ".webm", ".m4a", ".mp3", ".ogg")
IMAGE_TYPES = (".jpg", ".jpeg", ".png", ".webp", ".gif")


@dataclass(frozen=True)
class MediaFile:
    """A file a lesson publishes: its address inside the lesson, where it is on disk, its size and version.

    ``folder`` is the folder it must stay inside (its lesson folder, or its MEDIA_DIR folder):
    the file is examined against it again each time it is sent (see boundary.py).
    """

    name: str
    path: Path
    size: int
    mimetype: str
    version: str
    folder: Path

    @property
    def neutral_name(self) -> str:
        """The name used in neutral mode: the version and the extension, no words."""
        return f"{self.version}{Path(self.name).suffix.lower()}"


@dataclass(frozen=True)
class VideoSize:
    key: str  # "360p", "240p", "audio" or "source"
    file: MediaFile

    @property
    def is_audio(self) -> bool:
        return self.file.mimetype.startswith("audio/")


@dataclass(frozen=True)
class SubtitleTrack:
    lang: str
    file: MediaFile
    transcript: tuple[str, ...]


@dataclass(frozen=True)
class Video:
    """One video block, ready for the page: sizes smallest-last, subtitles, poster, transcript."""

    number: int
    title: str
    sizes: tuple[VideoSize, ...]
    subtitles: tuple[SubtitleTrack, ...]
    poster: MediaFile | None
    line: int

    @property
    def anchor(self) -> str:
        return f"video-{self.number}"

    def size(self, key: str | None) -> VideoSize:
        """The size the learner chose, else the smallest video (kindest to a slow connection)."""
        for size in self.sizes:
            if size.key == key:
                return size
        videos = [size for size in self.sizes if not size.is_audio] or list(self.sizes)
        return videos[-1]

    def transcript(self, order: list[str]) -> SubtitleTrack | None:
        """The transcript in the first language of ``order`` that has subtitles."""
        by_lang = {track.lang: track for track in self.subtitles}
        return next((by_lang[lang] for lang in order if lang in by_lang), self.subtitles[0] if self.subtitles else None)


def media_file(found: Examined, name: str) -> MediaFile:
    """The published form of a file that passed the boundary checks."""
    status = found.real_path.stat()
    version = hashlib.sha256(f"{name}:{status.st_size}:{status.st_mtime_ns}".encode()).hexdigest()[:12]
    mimetype = SERVED_TYPES.get(Path(name).suffix.lower()) or "application/octet-stream"
    return MediaFile(name, found.path, status.st_size, mimetype, version, found.folder)


def media_folders(lesson_dir: Path, media_dir: Path | None, course_slug: str) -> list[Path]:
    """Where a lesson's files may be, in the order they are looked for: its folder, then MEDIA_DIR's."""
    folders = [lesson_dir]
    if media_dir is not None:
        operator_folder = media_dir / course_slug / lesson_dir.name
        if examine_folder(operator_folder, media_dir) is not None:
            folders.append(operator_folder)
    return folders


def find_media(name: str, lesson_dir: Path, media_dir: Path | None, course_slug: str) -> Examined | None:
    """A lesson's media file: in the lesson folder, else under MEDIA_DIR/<course>/<lesson>/; None if absent.

    :raises OutsideBoundary: when ``name`` leads out of those folders, or the file there may not be published.
    """
    relative = relative_reference(name)
    if relative is None:
        raise OutsideBoundary("points outside the lesson folder; name a file inside it, such as media/…")
    for folder in media_folders(lesson_dir, media_dir, course_slug):
        found = examine(folder / relative, folder)
        if found is not None:
            return found
    return None


def is_publishable(name: str) -> bool:
    """Only media types are ever served; lesson sources (.md, .yaml) never are."""
    return Path(name).suffix.lower() in SERVED_TYPES


def read_subtitles(found: Examined, problems: ProblemList) -> tuple[str, ...] | None:
    """The transcript of a subtitle file that passed the boundary checks; None when it is broken.

    Read afresh each time (a file saved twice in one second keeps its size and time); unchanged
    lessons are not read at all (lesson_cache.py).
    """
    reported = ProblemList()
    try:
        with open_examined(found).handle as handle:  # as examined: a link put in its place since is not followed
            text = handle.read().decode("utf-8-sig")
    except OutsideBoundary as refusal:
        problems.error(found.path, 1, f"'{found.path.name}' {refusal}", rule="boundary")
        return None
    except UnicodeDecodeError:
        problems.error(found.path, 1, "the subtitles are not UTF-8 text: save them as UTF-8", rule="media")
        return None
    cues = parse_webvtt(text, found.path, reported)
    problems.extend(reported)
    return None if any(p.is_error for p in reported) else transcript_paragraphs(cues)


class _Refused:
    """A file was named but may not be used; the problem has been reported already."""


REFUSED = _Refused()


@dataclass
class _VideoFiles:
    """Finds the files of one video block, reporting refusals at the line that names them."""

    path: Path
    lesson_dir: Path
    media_dir: Path | None
    course_slug: str
    problems: ProblemList

    def locate(self, name: str, line: int, what: str, suffixes: tuple[str, ...] = tuple(SERVED_TYPES)
               ) -> MediaFile | _Refused | None:
        """The file ``name``, None if it does not exist, or REFUSED (reported) if it may not be published."""
        if Path(name).suffix.lower() not in suffixes:
            self.problems.error(self.path, line, f"{what} '{name}' must be a {' or '.join(suffixes)} file",
                                rule="media")
            return REFUSED
        try:
            found = find_media(name, self.lesson_dir, self.media_dir, self.course_slug)
        except OutsideBoundary as refusal:
            self.problems.error(self.path, line, f"{what} '{name}' {refusal}", rule="boundary")
            return REFUSED
        return media_file(found, name) if found is not None else None

    def examine(self, name: str, line: int, what: str) -> Examined | _Refused | None:
        try:
            return find_media(name, self.lesson_dir, self.media_dir, self.course_slug)
        except OutsideBoundary as refusal:
            self.problems.error(self.path, line, f"{what} '{name}' {refusal}", rule="boundary")
            return REFUSED


def parse_video_block(text: str, first_line: int, *, path: Path, lesson_dir: Path, media_dir: Path | None,
                      course_slug: str, languages: tuple[str, ...], number: int,
                      problems: ProblemList) -> Video | None:
    """Build a Video from a ```video block, reporting problems at the file's lines."""
    try:
        data, issues = load_yaml(text, first_line)
    except YamlSyntaxError as exc:
        problems.error(path, exc.line, exc.message, rule="media")
        return None
    for issue in issues:
        problems.error(path, issue.line, issue.message, rule="media")
    if not isinstance(data, LineDict):
        problems.error(path, first_line, "a video block holds 'title:' and 'source:' lines", rule="media")
        return None
    before = len(problems.errors)
    fields = FieldReader(data, path, problems, where="the video block")
    fields.check_keys(VIDEO_KEYS)
    title = fields.text("title")
    source = fields.text("source")
    if before < len(problems.errors) or not source:
        return None
    files = _VideoFiles(path, lesson_dir, media_dir, course_slug, problems)
    source_line = fields.line("source")
    if relative_reference(source) is None:
        problems.error(path, source_line, f"video source '{source}' must be inside the lesson folder", rule="boundary")
        return None
    source = relative_reference(source) or source
    stem = source.rsplit(".", 1)[0]
    located = [(key, files.locate(stem + suffix, source_line, "video size")) for key, suffix in SIZES]
    if any(file is REFUSED for _key, file in located):
        return None
    sizes = [VideoSize(key, file) for key, file in located if isinstance(file, MediaFile)]
    if not sizes:
        original = files.locate(source, source_line, "video source", VIDEO_TYPES)
        if original is REFUSED:
            return None
        if original is None:
            problems.error(path, source_line,
                           f"video '{source}': no such file, and none of its sizes ({stem}.360p.mp4 …) either",
                           rule="media")
            return None
        assert isinstance(original, MediaFile)
        problems.warning(path, source_line,
                         f"video '{source}' has no small sizes for slow connections: run "
                         f"'course-app media encode {source}' in the lesson folder", rule="media")
        sizes = [VideoSize("source", original)]
    poster = _read_poster(fields, files, stem)
    if poster is REFUSED:
        return None
    subtitles = _read_tracks(fields, files, stem, languages)
    if subtitles is None:
        return None
    return Video(number, title, tuple(sizes), subtitles, poster if isinstance(poster, MediaFile) else None,
                 first_line - 1)


def _read_poster(fields: FieldReader, files: _VideoFiles, stem: str) -> MediaFile | _Refused | None:
    """The poster the block names (it must exist), else ``<stem>.poster.jpg`` if there is one."""
    if not fields.has("poster"):
        return files.locate(f"{stem}.poster.jpg", fields.line("source"), "poster", IMAGE_TYPES)
    name = fields.text("poster")
    line = fields.line("poster")
    if relative_reference(name) is None:
        fields.problems.error(fields.path, line, f"poster '{name}' must be inside the lesson folder", rule="boundary")
        return REFUSED
    poster = files.locate(relative_reference(name) or name, line, "poster", IMAGE_TYPES)
    if poster is None:
        fields.problems.error(fields.path, line, f"poster '{name}': no such image", rule="media")
        return REFUSED
    return poster


def _read_tracks(fields: FieldReader, files: _VideoFiles, stem: str,
                 languages: tuple[str, ...]) -> tuple[SubtitleTrack, ...] | None:
    """A subtitle track per language that has one; None when a named file may not be used (reported)."""
    declared = fields.mapping("subtitles", required=False)
    names = {lang: f"{stem}.{lang}.vtt" for lang in languages}
    if declared is not None:
        inner = FieldReader(declared, fields.path, fields.problems, where="the video's subtitles")
        inner.check_keys(languages)
        names.update({lang: inner.text(lang) for lang in languages if lang in declared})
    tracks = []
    refused = False
    for lang in languages:
        line = declared.line_of(lang) if declared is not None and lang in declared else fields.line("source")
        name = relative_reference(names[lang])
        if name is None:
            fields.problems.error(fields.path, line, f"subtitles '{names[lang]}' must be inside the lesson folder",
                                  rule="boundary")
            refused = True
            continue
        if Path(name).suffix.lower() != ".vtt":
            fields.problems.error(fields.path, line, f"subtitles '{name}' must be a WebVTT file (.vtt)", rule="media")
            refused = True
            continue
        found = files.examine(name, line, "subtitles")
        if found is REFUSED:
            refused = True
            continue
        if found is None:
            fields.problems.warning(fields.path, line, f"video has no {lang} subtitles: add {name}", rule="media")
            continue
        assert isinstance(found, Examined)
        transcript = read_subtitles(found, fields.problems)
        if transcript is not None:
            tracks.append(SubtitleTrack(lang, media_file(found, name), transcript))
    return None if refused else tuple(tracks)
