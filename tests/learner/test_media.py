"""Lesson media: the player's markup, range requests, types, caching, and no way out of the lesson."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

LESSON = "/{lang}/trade-unions/what-is-a-union"
EXPECTED_TRANSCRIPT = {
    "en": "A trade union is workers joining together",
    "ru": "Профсоюз — это объединение работников",
    "be": "Прафсаюз — гэта аб'яднанне работнікаў",
}


def video_html(client: FlaskClient, lang: str, query: str = "") -> str:
    html = client.get(LESSON.format(lang=lang) + query).get_data(as_text=True)
    start = html.index('<figure class="video"')
    return html[start:html.index("</figure>", start)]


def source_url(client: FlaskClient) -> str:
    return re.search(r'<source src="([^"]+)"', video_html(client, "en")).group(1).replace("&amp;", "&")


@pytest.mark.parametrize("lang", ["en", "ru", "be"])
def test_player_markup(client: FlaskClient, lang: str) -> None:
    html = video_html(client, lang)
    assert re.search(r'<video controls preload="none" playsinline poster="/media/[^"]+\.poster\.jpg\?v=\w+">', html)
    tracks = re.findall(r'<track kind="subtitles" srclang="(\w+)" label="[^"]+" src="[^"]+\.vtt\?v=\w+"( default)?>',
                        html)
    assert {code for code, _ in tracks} == {"en", "ru", "be"}
    assert [code for code, default in tracks if default] == [lang]
    # Every size with its download size, and a download link for each.
    sizes = re.findall(r"(?:Video 360p|Video 240p|Sound only|Видео 360p|Відэа 360p|[^<>·]+) · (\d+) (?:KB|КБ)", html)
    assert len(sizes) == 3
    assert html.count(" download>") >= 3
    # The transcript is on the page, in the page's language.
    assert EXPECTED_TRANSCRIPT[lang].replace("'", "&#39;") in html


def test_smallest_video_is_the_default_and_the_learner_may_choose(client: FlaskClient) -> None:
    assert ".240p.mp4" in re.search(r'<source src="([^"]+)"', video_html(client, "en")).group(1)
    assert ".360p.mp4" in re.search(r'<source src="([^"]+)"', video_html(client, "en", "?size=360p")).group(1)
    audio = video_html(client, "en", "?size=audio")
    assert '<audio controls preload="none" src="/media/' in audio and "<video" not in audio
    assert ".240p.mp4" in video_html(client, "en", "?size=nonsense")


def test_range_request_gives_206_with_exactly_those_bytes(client: FlaskClient) -> None:
    url = source_url(client)
    whole = client.get(url)
    assert whole.status_code == 200 and whole.headers["Content-Type"] == "video/mp4"
    part = client.get(url, headers={"Range": "bytes=0-99"})
    assert part.status_code == 206
    assert part.data == whole.data[:100]
    assert part.headers["Content-Range"] == f"bytes 0-99/{len(whole.data)}"
    tail = client.get(url, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.data == whole.data[-10:]
    beyond = client.get(url, headers={"Range": f"bytes={len(whole.data) + 10}-"})
    assert beyond.status_code == 416


def media_urls(client: FlaskClient) -> dict[str, str]:
    """One address of each kind of lesson media on the video lesson: video, sound, subtitles, poster."""
    html = video_html(client, "en")
    find = lambda pattern: re.search(pattern, html).group(1).replace("&amp;", "&")  # noqa: E731
    return {"video": source_url(client), "audio": find(r'href="([^"]+\.audio\.m4a[^"]*)"'),
            "subtitles": find(r'src="([^"]+\.en\.vtt[^"]*)"'), "poster": find(r'poster="([^"]+)"')}


def test_types(client: FlaskClient) -> None:
    urls = media_urls(client)
    expected = {"video": "video/mp4", "audio": "audio/mp4", "subtitles": "text/vtt", "poster": "image/jpeg"}
    for kind, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200 and response.headers["Content-Type"].startswith(expected[kind]), kind
        # Media responses carry the same security headers as pages.
        assert "default-src 'none'" in response.headers["Content-Security-Policy"], kind


@pytest.mark.parametrize("query", ["", "?size=audio"])
def test_no_lesson_media_is_kept_by_the_browser(client: FlaskClient, query: str) -> None:
    """S11: video, sound, subtitles (the whole transcript) and posters are all no-store, ranges too."""
    for kind, url in media_urls(client).items():
        for headers in ({}, {"Range": "bytes=0-9"}):
            response = client.get(url.split("?")[0] + query if query and kind == "subtitles" else url, headers=headers)
            assert response.status_code in (200, 206), (kind, headers)
            assert response.headers["Cache-Control"] == "no-store", (kind, headers)
            assert "Expires" not in response.headers and "public" not in response.headers["Cache-Control"]
    # Nor is anything else the page loads: its style and script are inside it, and the icon is no-store too.
    page = client.get("/en/trade-unions/what-is-a-union").get_data(as_text=True)
    loaded = re.findall(r'<(?:link|script|img)[^>]* (?:href|src)="(/[^"]+)"', page)
    assert loaded == ["/static/icon.svg"]
    assert client.get(loaded[0]).headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", [
    "/media/trade-unions/what-is-a-union/../../../etc/passwd",
    "/media/trade-unions/what-is-a-union/..%2F..%2F..%2Fetc%2Fpasswd",
    "/media/trade-unions/what-is-a-union/%2e%2e/%2e%2e/course.yaml",
    "/media/trade-unions/what-is-a-union/media/../en.md",
    "/media/trade-unions/what-is-a-union/en.md",
    "/media/trade-unions/what-is-a-union/quiz.en.yaml",
    "/media/trade-unions/what-is-a-union//etc/passwd",
    "/media/trade-unions/../../pyproject.toml",
    "/media/trade-unions/what-is-a-union/media/nothing.mp4",
    "/media/c/1/2/../../../../etc/passwd",
])
def test_no_file_outside_the_published_media_can_be_reached(client: FlaskClient, path: str) -> None:
    response = client.get(path, follow_redirects=True)  # '//' is first merged by a redirect
    assert response.status_code == 404
    assert b"root:" not in response.data and b"[project]" not in response.data


def test_neutral_media_addresses_work(client: FlaskClient) -> None:
    url = source_url(client)
    version = url.split("?v=", 1)[1]
    assert client.get(f"/media/c/1/2/{version}.mp4", headers={"Range": "bytes=0-9"}).status_code == 206
    assert client.get("/media/c/1/2/media/what-a-union-does.240p.mp4").status_code == 404
