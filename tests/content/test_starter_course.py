"""The starter course itself: key facts stated in every language, and videos that speak the page's language."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from course_app.content.loader import load_catalogue
from course_app.content.model import Lesson
from course_app.content.problems import ProblemList
from course_app.content.webvtt import parse_webvtt
from tests.conftest import STARTER_LESSONS
from tests.content.test_loader import OPTIONS

COURSE = STARTER_LESSONS / "trade-unions"

# Facts an outside review found missing or vague, as each language's lesson states them.
KEY_FACTS = {
    ("wages", "C131 not ratified"): {
        "en": "it has not ratified Convention No. 131",
        "ru": "Конвенцию № 131 она не ратифицировала",
        "be": "Канвенцыю № 131 яна не ратыфікавала",
    },
    ("forced-labour", "P29 not ratified"): {
        "en": "Belarus has not ratified the Protocol",
        "ru": "Беларусь Протокол не ратифицировала",
        "be": "Беларусь Пратакол не ратыфікавала",
    },
    ("strikes", "the ICJ opinion's date"): {
        "en": "On 21 May 2026 the Court gave its answer",
        "ru": "21 мая 2026 года Суд дал ответ",
        "be": "21 траўня 2026 года Суд даў адказ",
    },
    ("freedom-of-association", "the CFA's year"): {
        "en": "in 1951 the Governing Body set up the Committee on Freedom of Association",
        "ru": "в 1951 году Административный совет создал Комитет по свободе объединения",
        "be": "ў 1951 годзе Адміністрацыйны савет стварыў Камітэт па свабодзе аб'яднання",
    },
}


@pytest.mark.parametrize("lesson_fact", list(KEY_FACTS), ids=lambda key: key[1])
def test_key_facts_in_every_language(lesson_fact: tuple[str, str]) -> None:
    lesson, _fact = lesson_fact
    for lang, sentence in KEY_FACTS[lesson_fact].items():
        assert sentence in (COURSE / lesson / f"{lang}.md").read_text(encoding="utf-8"), (lesson, lang)


def lessons_with_video() -> list[Lesson]:
    course = load_catalogue(STARTER_LESSONS, OPTIONS).course("trade-unions")
    assert course is not None
    found = [lesson for lesson in course.lessons if any(text.videos for text in lesson.texts.values())]
    assert found, "the starter course has no video"
    return found


def speech_and_pauses(audio: Path) -> list[tuple[float, float]]:
    """The silent stretches of at least 0.8 s in a sound file, as ffmpeg's silencedetect hears them."""
    result = subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-i", str(audio), "-af",
                             "silencedetect=noise=-40dB:d=0.8", "-f", "null", "-"],
                            capture_output=True, text=True, check=True)
    starts = [float(value) for value in re.findall(r"silence_start: ([\d.]+)", result.stderr)]
    ends = [float(value) for value in re.findall(r"silence_end: ([\d.]+)", result.stderr)]
    return list(zip(starts, ends, strict=True))


def decoded_sound_digest(path: Path) -> str:
    result = subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-i", str(path), "-map", "0:a",
                             "-f", "md5", "-"], capture_output=True, text=True, check=True)
    return result.stdout.strip()


# Letters that tell the page's language apart in subtitles: Belarusian has і and ў, Russian и and щ.
SCRIPT = {"en": re.compile(r"^[^А-Яа-яЁёІіЎў]+$"), "ru": re.compile(r"^(?=.*[иИщЩ])[^ІіЎў]+$", re.S),
          "be": re.compile(r"^(?=.*[ІіЎў])[^иИщЩ]+$", re.S)}


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="unreachable: .ci/run installs ffmpeg")
@pytest.mark.parametrize("lesson", lessons_with_video(), ids=lambda lesson: lesson.slug)
def test_each_language_hears_its_own_narration(lesson: Lesson) -> None:
    """Each language's page shows its own video; its sound differs from the others', its subtitles in
    that language are in that language's script, and they are timed to that video's own speech."""
    digests = set()
    for lang, text in lesson.texts.items():
        (video,) = text.videos
        audio = next(size.file.path for size in video.sizes if size.key == "audio")
        digests.add(decoded_sound_digest(audio))
        track = next(track for track in video.subtitles if track.lang == lang)
        problems = ProblemList()
        cues = parse_webvtt(track.file.path.read_text(encoding="utf-8"), track.file.path, problems)
        assert not problems.errors
        spoken = " ".join(cue.text for cue in cues)
        assert SCRIPT[lang].match(spoken), (track.file.path, spoken[:80])
        pauses = speech_and_pauses(audio)
        # Every cue is spoken (its middle is not silent) and followed by the pause between scenes.
        assert len(pauses) == len(cues), (audio, pauses, [(cue.start, cue.end) for cue in cues])
        for cue, (pause_start, pause_end) in zip(cues, pauses, strict=True):
            middle = (cue.start + cue.end) / 2
            assert not any(start <= middle <= end for start, end in pauses), (track.file.path, cue)
            assert pause_start <= cue.end <= pause_end + 0.1, (track.file.path, cue, (pause_start, pause_end))
    assert len(digests) == len(lesson.texts), f"{lesson.slug}: two languages share one narration"
