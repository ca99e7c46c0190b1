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
import mimetypes
import posixpath
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .fields import FieldReader
from .problems import Problem, ProblemList
from .webvtt import parse_webvtt, transcript_paragraphs
from .yaml_lines import LineDict, YamlSyntaxError, load_yaml

VIDEO_KEYS = ("title", "source", "poster", "subtitles")
# The ladder made by `course-app media encode`, best first; the learner picks one before anything loads.
SIZES = (("360p", ".360p.mp4"), ("240p", ".240p.mp4"), ("audio", ".audio.m4a"))
SERVED_TYPES = {
    ".mp4": "video/mp4", ".m4a": "audio/mp4", ".webm": "video/webm", ".mp3": "audio/mpeg", ".ogg": "audio/ogg",
    ".vtt": "text/vtt", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp",
    ".gif": "image/gif", ".svg": "image/svg+xml", ".pdf": "application/pdf",
}


@dataclass(frozen=True)
class MediaFile:
    """A file a lesson publishes: its address inside the lesson, where it is on disk, its size and version."""

    name: str
    path: Path
    size: int
    mimetype: str
    version: str

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


def media_file(path: Path, name: str) -> MediaFile:
    stat = path.stat()
    version = hashlib.sha256(f"{name}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:12]
    mimetype = SERVED_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return MediaFile(name, path, stat.st_size, mimetype, version)


def find_media(name: str, lesson_dir: Path, media_dir: Path | None, course_slug: str) -> Path | None:
    """Where a lesson's media file is: in the lesson folder, else under MEDIA_DIR/<course>/<lesson>/."""
    candidates = [lesson_dir / name]
    if media_dir is not None:
        candidates.append(media_dir / course_slug / lesson_dir.name / name)
    return next((path for path in candidates if path.is_file()), None)


def is_publishable(name: str) -> bool:
    """Only media types are ever served; lesson sources (.md, .yaml) never are."""
    return Path(name).suffix.lower() in SERVED_TYPES


@lru_cache(maxsize=512)
def _read_subtitles(path: Path, size: int, mtime_ns: int) -> tuple[tuple[str, ...], tuple[Problem, ...]]:
    """Parse one .vtt file (cached by size and modification time: every language file names it)."""
    problems = ProblemList()
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.error(path, 1, "the subtitles are not UTF-8 text: save them as UTF-8", rule="media")
        return (), tuple(problems)
    cues = parse_webvtt(text, path, problems)
    return transcript_paragraphs(cues), tuple(problems)


def read_subtitles(path: Path, problems: ProblemList) -> tuple[str, ...] | None:
    stat = path.stat()
    transcript, found = _read_subtitles(path, stat.st_size, stat.st_mtime_ns)
    problems.extend(found)
    return None if any(p.is_error for p in found) else transcript


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
    source = posixpath.normpath(source)
    if source.startswith(("../", "/")):
        problems.error(path, fields.line("source"), f"video source '{source}' must be inside the lesson folder",
                       rule="media")
        return None

    def locate(name: str) -> MediaFile | None:
        found = find_media(name, lesson_dir, media_dir, course_slug)
        return media_file(found, name) if found is not None and is_publishable(name) else None

    stem = source.rsplit(".", 1)[0]
    sizes = [VideoSize(key, file) for key, suffix in SIZES if (file := locate(stem + suffix)) is not None]
    if not sizes:
        original = locate(source)
        if original is None:
            problems.error(path, fields.line("source"),
                           f"video '{source}': no such file, and none of its sizes ({stem}.360p.mp4 …) either",
                           rule="media")
            return None
        problems.warning(path, fields.line("source"),
                         f"video '{source}' has no small sizes for slow connections: run "
                         f"'course-app media encode {source}' in the lesson folder", rule="media")
        sizes = [VideoSize("source", original)]
    poster_name = fields.text("poster", required=False) or f"{stem}.poster.jpg"
    poster = locate(poster_name)
    if poster is None and fields.has("poster"):
        problems.error(path, fields.line("poster"), f"poster '{poster_name}': no such image", rule="media")
        return None
    subtitles = _read_tracks(fields, stem, lesson_dir, media_dir, course_slug, languages, problems)
    return Video(number, title, tuple(sizes), subtitles, poster, first_line - 1)


def _read_tracks(fields: FieldReader, stem: str, lesson_dir: Path, media_dir: Path | None, course_slug: str,
                 languages: tuple[str, ...], problems: ProblemList) -> tuple[SubtitleTrack, ...]:
    declared = fields.mapping("subtitles", required=False)
    names = {lang: f"{stem}.{lang}.vtt" for lang in languages}
    if declared is not None:
        inner = FieldReader(declared, fields.path, problems, where="the video's subtitles")
        inner.check_keys(languages)
        names.update({lang: inner.text(lang) for lang in languages if lang in declared})
    tracks = []
    for lang in languages:
        found = find_media(names[lang], lesson_dir, media_dir, course_slug)
        line = declared.line_of(lang) if declared is not None else fields.line("source")
        if found is None:
            problems.warning(fields.path, line, f"video has no {lang} subtitles: add {names[lang]}", rule="media")
            continue
        transcript = read_subtitles(found, problems)
        if transcript is not None:
            tracks.append(SubtitleTrack(lang, media_file(found, names[lang]), transcript))
    return tuple(tracks)
