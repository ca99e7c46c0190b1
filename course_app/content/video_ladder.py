"""The low-bandwidth ladder: small versions of a lesson video, made with ffmpeg.

From any source video, ``encode_ladder`` writes, beside it (or into ``out_dir``):

    NAME.360p.mp4   H.264/AAC, fast start (plays while downloading)
    NAME.240p.mp4   the same, smaller
    NAME.audio.m4a  sound only, for the slowest connections
    NAME.poster.jpg a still shown before playing

Each file is written under a temporary name and renamed when complete, so a failed or
interrupted run never leaves a half-written file where the site would serve it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

FFMPEG_PACKAGE = "ffmpeg"


class EncoderMissing(RuntimeError):
    """ffmpeg (or ffprobe) is not installed."""

    def __init__(self, program: str) -> None:
        super().__init__(f"{program} is not installed. On Debian or Ubuntu install it with: "
                         f"sudo apt-get install {FFMPEG_PACKAGE}")


class EncodingFailed(RuntimeError):
    """ffmpeg could not read the source or write an output; the message has ffmpeg's last words."""


@dataclass(frozen=True)
class Rung:
    key: str
    suffix: str
    arguments: tuple[str, ...]
    needs_video: bool = True
    needs_audio: bool = False


H264 = ("-c:v", "libx264", "-preset", "slow", "-profile:v", "main", "-pix_fmt", "yuv420p", "-movflags", "+faststart")
LADDER = (
    Rung("360p", ".360p.mp4", ("-vf", "scale=-2:360", *H264, "-crf", "30", "-c:a", "aac", "-b:a", "64k", "-ac", "1")),
    Rung("240p", ".240p.mp4", ("-vf", "scale=-2:240", *H264, "-crf", "32", "-c:a", "aac", "-b:a", "48k", "-ac", "1")),
    Rung("audio", ".audio.m4a", ("-vn", "-c:a", "aac", "-b:a", "48k", "-ac", "1", "-movflags", "+faststart"),
         needs_video=False, needs_audio=True),
)


@dataclass(frozen=True)
class EncodedFile:
    key: str
    path: Path

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise EncoderMissing(name)
    return found


def probe(source: Path) -> tuple[float, bool, bool]:
    """Duration in seconds, and whether the source has video and audio streams."""
    result = subprocess.run(
        [_program("ffprobe"), "-v", "error", "-show_entries", "format=duration:stream=codec_type", "-of", "json",
         str(source)], capture_output=True, text=True, check=False, timeout=60)
    if result.returncode != 0:
        raise EncodingFailed(f"{source}: not a video ffmpeg can read ({_last_words(result.stderr)})")
    info = json.loads(result.stdout or "{}")
    kinds = {stream.get("codec_type") for stream in info.get("streams", [])}
    duration = float(info.get("format", {}).get("duration") or 0)
    return duration, "video" in kinds, "audio" in kinds


def _last_words(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no details"


def _run_ffmpeg(arguments: list[str], target: Path) -> Path:
    temporary = target.with_name(f".{target.stem}.partial{target.suffix}")
    command = [_program("ffmpeg"), "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *arguments, str(temporary)]
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=3600)
        if result.returncode != 0:
            raise EncodingFailed(f"{target.name}: ffmpeg failed ({_last_words(result.stderr)})")
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target


def encode_ladder(source: Path, out_dir: Path | None = None) -> list[EncodedFile]:
    """Write every size and the poster for ``source``; returns them, largest video first.

    :raises EncoderMissing: when ffmpeg/ffprobe are not installed.
    :raises EncodingFailed: when the source cannot be read or an output cannot be written.
    """
    if not source.is_file():
        raise EncodingFailed(f"{source}: no such file")
    duration, has_video, has_audio = probe(source)
    if not has_video:
        raise EncodingFailed(f"{source}: has no video stream")
    out_dir = out_dir or source.parent
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = source.name.rsplit(".", 1)[0]
    written = []
    for rung in LADDER:
        if rung.needs_audio and not has_audio:
            continue
        arguments = ["-i", str(source), *rung.arguments, *([] if has_audio else ["-an"])]
        written.append(EncodedFile(rung.key, _run_ffmpeg(arguments, out_dir / f"{stem}{rung.suffix}")))
    still_at = f"{min(max(duration * 0.1, 0.0), 5.0):.2f}"
    poster = _run_ffmpeg(["-ss", still_at, "-i", str(source), "-frames:v", "1", "-vf", "scale=-2:360", "-q:v", "4"],
                         out_dir / f"{stem}.poster.jpg")
    written.append(EncodedFile("poster", poster))
    return written
