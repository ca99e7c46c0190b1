"""``course-app media encode`` on a generated one-second clip: the ladder, fast start, sizes printed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.test_cli import invoke_course_app, run_course_app

# Runs other programs end to end: left out of `make test-fast`, run by `make test` (pyproject.toml).
pytestmark = pytest.mark.slow

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None,
                                  reason="ffmpeg is not installed here (apt-get install ffmpeg); CI installs it")


def make_clip(target: Path, *, audio: bool = True) -> Path:
    command = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
               "-f", "lavfi", "-i", "testsrc2=size=854x480:rate=25:duration=1"]
    if audio:
        command += ["-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-shortest"]
    subprocess.run([*command, str(target)], check=True)
    return target


def streams(path: Path) -> dict[str, str]:
    result = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_type,codec_name,height",
                             "-of", "json", str(path)], capture_output=True, text=True, check=True)
    return {s["codec_type"]: f"{s['codec_name']}/{s.get('height', '')}" for s in json.loads(result.stdout)["streams"]}


def is_fast_start(path: Path) -> bool:
    data = path.read_bytes()
    return 0 < data.find(b"moov") < data.find(b"mdat")


@needs_ffmpeg
def test_encode_makes_the_ladder_and_prints_sizes(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "talk.mov")
    result = run_course_app("media", "encode", str(clip), cwd=tmp_path,
                            env={"INSTANCE_PATH": str(tmp_path / "instance")}, timeout=300)
    assert result.returncode == 0, result.stderr
    for name, expected in (("talk.360p.mp4", {"video": "h264/360", "audio": "aac/"}),
                           ("talk.240p.mp4", {"video": "h264/240", "audio": "aac/"}),
                           ("talk.audio.m4a", {"audio": "aac/"})):
        path = tmp_path / name
        assert streams(path) == expected, name
        assert is_fast_start(path), name
        assert f"{path}" in result.stdout and " KB" in result.stdout
    poster = tmp_path / "talk.poster.jpg"
    assert poster.read_bytes()[:3] == b"\xff\xd8\xff"
    assert not list(tmp_path.glob(".*partial*"))


@needs_ffmpeg
def test_encode_a_silent_clip_skips_the_audio_file(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "silent.mp4", audio=False)
    result = invoke_course_app("media", "encode", str(clip), "--out", str(tmp_path / "out"), cwd=tmp_path,
                               env={"INSTANCE_PATH": str(tmp_path / "instance")})
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "silent.240p.mp4", "silent.360p.mp4", "silent.poster.jpg"]


def test_encode_without_ffmpeg_names_the_package(tmp_path: Path) -> None:
    (tmp_path / "clip.mp4").write_bytes(b"not really")
    empty_path = tmp_path / "bin"
    empty_path.mkdir()
    result = invoke_course_app("media", "encode", str(tmp_path / "clip.mp4"), cwd=tmp_path,
                               env={"PATH": str(empty_path), "INSTANCE_PATH": str(tmp_path / "instance")})
    assert result.returncode == 1
    assert "ffprobe is not installed" in result.stderr or "ffmpeg is not installed" in result.stderr
    assert "apt-get install ffmpeg" in result.stderr


@needs_ffmpeg
def test_encode_refuses_a_file_that_is_not_video(tmp_path: Path) -> None:
    (tmp_path / "notes.mp4").write_text("hello")
    result = invoke_course_app("media", "encode", str(tmp_path / "notes.mp4"), cwd=tmp_path,
                               env={"INSTANCE_PATH": str(tmp_path / "instance")})
    assert result.returncode == 1 and "not a video ffmpeg can read" in result.stderr
    assert os.listdir(tmp_path) == ["notes.mp4"] or sorted(os.listdir(tmp_path)) == ["instance", "notes.mp4"]
