"""Video blocks and WebVTT files in lesson files: what the checker reports, with path:line."""

from __future__ import annotations

import shutil
from pathlib import Path

from course_app.addresses import ServerLinkStyle
from course_app.content.loader import LoadOptions, load_catalogue
from course_app.content.problems import ProblemList
from course_app.content.webvtt import parse_webvtt, transcript_paragraphs
from tests.conftest import STARTER_LESSONS
from tests.factories import make_course, make_lesson_text, write

OPTIONS = LoadOptions(languages=("en", "ru", "be"), link_style=ServerLinkStyle(neutral=False))
STARTER_MEDIA = STARTER_LESSONS / "trade-unions" / "what-is-a-union" / "media"
VIDEO_BODY = "Intro.\n\n```video\ntitle: A film\nsource: media/film.mp4\n```\n\n## Part\n\nText.\n"


def messages(root: Path) -> list[str]:
    return [p.format(root) for p in load_catalogue(root, OPTIONS).problems]


def course_with_video(root: Path) -> Path:
    course = make_course(root, lessons=("one",))
    media = course / "one" / "media"
    media.mkdir()
    for suffix in (".240p.mp4", ".audio.m4a", ".poster.jpg"):
        shutil.copy(next(STARTER_MEDIA.glob(f"*{suffix}")), media / f"film{suffix}")
    for lang in ("en", "ru", "be"):
        shutil.copy(next(STARTER_MEDIA.glob(f"*.{lang}.vtt")), media / f"film.{lang}.vtt")
        make_lesson_text(course / "one", lang, original=lang == "en", body=VIDEO_BODY)
    return course


def test_complete_video_is_clean(tmp_path: Path) -> None:
    course_with_video(tmp_path)
    assert messages(tmp_path) == []
    catalogue = load_catalogue(tmp_path, OPTIONS)
    text = catalogue.course("demo").lessons_by_slug["one"].texts["ru"]
    [video] = text.videos
    assert [size.key for size in video.sizes] == ["240p", "audio"]
    assert {track.lang for track in video.subtitles} == {"en", "ru", "be"}
    assert video.transcript(["ru"]).lang == "ru"
    assert set(text.media) == {"media/film.240p.mp4", "media/film.audio.m4a", "media/film.poster.jpg",
                               "media/film.en.vtt", "media/film.ru.vtt", "media/film.be.vtt"}


def test_missing_subtitles_for_a_language_the_lesson_has(tmp_path: Path) -> None:
    course = course_with_video(tmp_path)
    (course / "one" / "media" / "film.be.vtt").unlink()
    # Front matter takes lines 1-5; the block starts on line 8, its source on line 10.
    assert "demo/one/en.md:10: warning: video has no be subtitles: add media/film.be.vtt" in messages(tmp_path)


def test_missing_media_file_is_an_error_at_its_line(tmp_path: Path) -> None:
    course = course_with_video(tmp_path)
    for file in (course / "one" / "media").glob("film.*.m*"):
        file.unlink()
    found = messages(tmp_path)
    assert any(m.startswith("demo/one/en.md:10: video 'media/film.mp4': no such file") for m in found), found


def test_explicit_missing_poster_and_unknown_key(tmp_path: Path) -> None:
    course = course_with_video(tmp_path)
    body = "```video\ntitle: A film\nsource: media/film.mp4\nposter: media/none.jpg\nlength: 3\n```\n"
    make_lesson_text(course / "one", "en", original=True, body=body)
    found = messages(tmp_path)
    assert any(m.startswith("demo/one/en.md:10: unknown key 'length' in the video block") for m in found), found


def test_malformed_webvtt_is_reported_with_its_line_and_loses_only_its_track(tmp_path: Path) -> None:
    course = course_with_video(tmp_path)
    write(course / "one" / "media" / "film.ru.vtt", "WEBVTT\n\n1\n00:00:01.000 -> 00:00:02.000\nТекст\n")
    found = messages(tmp_path)
    assert any(m.startswith("demo/one/media/film.ru.vtt:4: malformed timing") for m in found), found
    text = load_catalogue(tmp_path, OPTIONS).course("demo").lessons_by_slug["one"].texts["ru"]
    assert {track.lang for track in text.videos[0].subtitles} == {"en", "be"}


def test_webvtt_parser_rules() -> None:
    problems = ProblemList()
    path = Path("x.vtt")
    good = ("WEBVTT - demo\n\nNOTE a comment\n\n"
            "00:00.500 --> 00:02.000 align:start\n<v Anna>Hello &amp; welcome</v>\n\n"
            "intro\n00:00:02.000 --> 00:00:03.000\nSecond <b>line</b>\n\n"
            "00:00:06.000 --> 00:00:07.000\nAfter a pause\n")
    cues = parse_webvtt(good, path, problems)
    assert problems == []
    assert [cue.text for cue in cues] == ["Hello & welcome", "Second line", "After a pause"]
    assert transcript_paragraphs(cues) == ("Hello & welcome Second line", "After a pause")
    bad_cases = {
        "no header\n": (1, "starts with the line 'WEBVTT'"),
        "WEBVTT\n\n00:00:03.000 --> 00:00:01.000\nbackwards\n": (3, "must end after it starts"),
        "WEBVTT\n\n00:00:02.000 --> 00:00:03.000\nb\n\n00:00:01.000 --> 00:00:02.000\na\n": (6, "time order"),
        "WEBVTT\n\nid only\n": (3, "expected a timing line"),
        "WEBVTT\n": (1, "has no cues"),
    }
    for text, (line, message) in bad_cases.items():
        found = ProblemList()
        parse_webvtt(text, path, found)
        assert [(p.line, message in p.message) for p in found] == [(line, True)], (text, found)
