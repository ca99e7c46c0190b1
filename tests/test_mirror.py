"""Static mirrors: complete, offline, same-origin, every language; signed and verifiable."""

from __future__ import annotations

import re
import shutil
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tests.conftest import STARTER_LESSON_COUNT, STARTER_LESSON_SLUGS, STARTER_LESSONS
from tests.test_cli import invoke_course_app, run_course_app

LANGUAGES = ("en", "ru", "be")


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str, str]] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts += 1
        for name, value in attrs:
            if name in ("href", "src", "poster") and value is not None:
                self.links.append((tag, name, value))


@pytest.fixture(scope="module")
def mirror(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    work = tmp_path_factory.mktemp("mirror")
    env = {"INSTANCE_PATH": str(work / "instance")}
    assert run_course_app("export", "keygen", cwd=work, env=env).returncode == 0
    result = run_course_app("export", "static", str(work / "out"), "--zip", cwd=work, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    return work / "out", work / "instance" / "mirror-signing.pub"


def test_every_language_and_lesson_is_there(mirror: tuple[Path, Path]) -> None:
    out, _key = mirror
    for lang in LANGUAGES:
        pages = sorted(p.name for p in (out / lang / "trade-unions").glob("*.html"))
        assert pages == sorted(["index.html", "glossary.html"] + [f"{slug}.html" for slug in STARTER_LESSON_SLUGS])
        html = (out / lang / "trade-unions" / "wages.html").read_text()
        assert f'<html lang="{lang}"' in html
        assert "<details>" in html  # self-check answers


def test_crawl_finds_no_broken_link_and_nothing_from_elsewhere(mirror: tuple[Path, Path]) -> None:
    out, _key = mirror
    pages = list(out.rglob("*.html"))
    # The choice of language, then per language: courses, how to check, the course, its glossary, its lessons.
    assert len(pages) == 1 + 3 * (4 + STARTER_LESSON_COUNT)
    for page in pages:
        parser = Links()
        parser.feed(page.read_text(encoding="utf-8"))
        assert parser.scripts == 0, page
        for tag, attribute, value in parser.links:
            parts = urlsplit(value)
            if parts.scheme in ("http", "https", "mailto"):
                # Only plain links a reader may follow (sources, leave quickly); nothing loaded.
                assert tag == "a" and attribute == "href", (page, value)
                continue
            if parts.scheme == "data":
                # Subtitles travel inside the page (a browser loads no subtitle file from file://).
                assert tag == "track" and value.startswith("data:text/vtt;charset=utf-8;base64,"), (page, value[:60])
                continue
            assert not parts.scheme and not value.startswith("/"), (page, value)
            if not parts.path:
                continue  # a link within the page
            target = (page.parent / unquote(parts.path)).resolve()
            assert target.is_file() and out.resolve() in target.parents, (page, value)


def test_video_lesson_carries_one_small_size_with_subtitles_and_transcript(mirror: tuple[Path, Path]) -> None:
    out, _key = mirror
    html = (out / "be" / "trade-unions" / "what-is-a-union.html").read_text()
    assert re.search(r'<source src="\.\./\.\./media/trade-unions/what-is-a-union/media/[\w-]+\.240p\.mp4"', html)
    assert html.count("<track ") == 3 and 'srclang="be" label="Беларуская" src=' in html
    assert "Прафсаюз — гэта аб" in html
    media = out / "media" / "trade-unions" / "what-is-a-union" / "media"
    assert not list(media.glob("*.360p.mp4")) and list(media.glob("*.240p.mp4"))


def test_verify_passes_then_catches_one_changed_byte(mirror: tuple[Path, Path], tmp_path: Path) -> None:
    out, key = mirror
    ok = invoke_course_app("export", "verify", str(out), "--key-file", str(key), cwd=tmp_path)
    assert ok.returncode == 0 and "verified" in ok.stdout
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    page = copy / "ru" / "trade-unions" / "wages.html"
    data = bytearray(page.read_bytes())
    data[len(data) // 2] ^= 1
    page.write_bytes(bytes(data))
    tampered = invoke_course_app("export", "verify", str(copy), "--key", key.read_text().strip(), cwd=tmp_path)
    assert tampered.returncode == 1
    assert "changed: ru/trade-unions/wages.html" in tampered.stderr and "NOT VERIFIED" in tampered.stderr
    shutil.copyfile(out / "ru" / "trade-unions" / "wages.html", page)  # put it back
    (copy / "en" / "extra.html").write_text("<p>added by someone</p>")
    added = invoke_course_app("export", "verify", str(copy), "--key-file", str(key), cwd=tmp_path)
    assert added.returncode == 1 and "added: en/extra.html" in added.stderr


def test_verify_with_another_key_fails(mirror: tuple[Path, Path], tmp_path: Path) -> None:
    out, _key = mirror
    env = {"INSTANCE_PATH": str(tmp_path / "other")}
    invoke_course_app("export", "keygen", cwd=tmp_path, env=env)
    other = tmp_path / "other" / "mirror-signing.pub"
    result = invoke_course_app("export", "verify", str(out), "--key-file", str(other), cwd=tmp_path)
    assert result.returncode == 1 and "signature does not match" in result.stderr


def test_zip_holds_the_same_files(mirror: tuple[Path, Path]) -> None:
    out, _key = mirror
    with zipfile.ZipFile(out.with_suffix(".zip")) as archive:
        names = {name.split("/", 1)[1] for name in archive.namelist()}
    assert names == {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}


def test_export_refuses_without_a_key_or_into_a_full_folder(tmp_path: Path) -> None:
    env = {"INSTANCE_PATH": str(tmp_path / "instance")}
    no_key = invoke_course_app("export", "static", str(tmp_path / "out"), cwd=tmp_path, env=env)
    assert no_key.returncode == 1 and "export keygen" in no_key.stderr
    invoke_course_app("export", "keygen", cwd=tmp_path, env=env)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "something").write_text("x")
    full = invoke_course_app("export", "static", str(tmp_path / "full"), cwd=tmp_path, env=env)
    assert full.returncode == 1 and "not empty" in full.stderr
    again = invoke_course_app("export", "keygen", cwd=tmp_path, env=env)
    assert again.returncode == 1 and "already exists" in again.stderr
    one = invoke_course_app("export", "static", str(tmp_path / "one"), "--course", "trade-unions", "--lang", "be",
                            "--video", "none", cwd=tmp_path, env=env)
    assert one.returncode == 0, one.stderr
    assert not (tmp_path / "one" / "en").exists() and not list((tmp_path / "one").rglob("*.mp4"))


def test_self_checks_never_show_an_order_question_already_solved(mirror: tuple[Path, Path]) -> None:
    """The mirror draws like the site: an order question's items never appear in their right order."""
    import yaml

    out, _key = mirror
    lessons = STARTER_LESSONS / "trade-unions"
    checked = 0
    for quiz_file in lessons.glob("*/quiz.en.yaml"):
        for question in yaml.safe_load(quiz_file.read_text(encoding="utf-8"))["questions"]:
            if question["type"] != "order":
                continue
            html = (out / "en" / "trade-unions" / f"{quiz_file.parent.name}.html").read_text(encoding="utf-8")
            block = html[html.index(question["text"].replace("'", "&#39;").replace('"', "&#34;")):]
            shown = re.findall(r"<li>(.*?)</li>", block[:block.index("<details>")])
            right = [item["text"].replace("'", "&#39;").replace('"', "&#34;") for item in question["items"]]
            assert sorted(shown) == sorted(right) and shown != right, (quiz_file, shown)
            checked += 1
    assert checked >= 1
