"""Every learner page in every language, fallbacks, language switching, and 404s."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from course_app.content import current_catalogue
from tests.conftest import LANGUAGES, make_app
from tests.factories import make_course

LESSON_LINK = re.compile(r'href="(/(?:en|ru|be)/trade-unions/[a-z-]+)"')


def starter_lessons(app: Flask) -> list[str]:
    with app.app_context():
        return [lesson.slug for lesson in current_catalogue().course("trade-unions").lessons]


def test_root_redirects_by_accept_language(client: FlaskClient) -> None:
    response = client.get("/", headers={"Accept-Language": "be-BY,be;q=0.9,ru;q=0.8"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/be/"
    assert "Accept-Language" in response.headers["Vary"]
    assert client.get("/", headers={"Accept-Language": "de"}).headers["Location"] == "/en/"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_and_course_pages(client: FlaskClient, lang: str) -> None:
    catalogue = client.get(f"/{lang}/")
    assert catalogue.status_code == 200
    html = catalogue.get_data(as_text=True)
    assert f'<html lang="{lang}"' in html
    title = {"en": "Trade unions and your rights", "ru": "Профсоюзы и ваши права", "be": "Прафсаюзы і вашыя правы"}
    assert title[lang] in html
    course = client.get(f"/{lang}/trade-unions/")
    assert course.status_code == 200
    assert title[lang] in course.get_data(as_text=True)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_starter_lesson_in_its_own_language(app: Flask, client: FlaskClient, lang: str) -> None:
    with app.app_context():
        course = current_catalogue().course("trade-unions")
        expected = {lesson.slug: lesson.texts[lang].title for lesson in course.lessons}
    for slug, title in expected.items():
        response = client.get(f"/{lang}/trade-unions/{slug}")
        assert response.status_code == 200, slug
        html = response.get_data(as_text=True)
        assert f'<html lang="{lang}"' in html
        assert f"<h1>{escape(title)}</h1>" in html
        assert "notice--info" not in html  # no fallback notice: every lesson is translated
        # Landmarks and the way on.
        for landmark in ("<header", "<main", "<footer", 'class="pager"'):
            assert landmark in html


def test_previous_and_next_follow_course_order(app: Flask, client: FlaskClient) -> None:
    slugs = starter_lessons(app)
    html = client.get(f"/en/trade-unions/{slugs[1]}").get_data(as_text=True)
    assert f'rel="prev" href="/en/trade-unions/{slugs[0]}"' in html
    assert f'rel="next" href="/en/trade-unions/{slugs[2]}"' in html
    first = client.get(f"/en/trade-unions/{slugs[0]}").get_data(as_text=True)
    assert 'rel="prev"' not in first
    last = client.get(f"/en/trade-unions/{slugs[-1]}").get_data(as_text=True)
    assert 'rel="next"' not in last


def test_language_switcher_keeps_the_lesson(client: FlaskClient) -> None:
    html = client.get("/ru/trade-unions/forced-labour").get_data(as_text=True)
    for lang in LANGUAGES:
        assert f'href="/{lang}/trade-unions/forced-labour" hreflang="{lang}"' in html


def test_table_of_contents_links_to_sections(client: FlaskClient) -> None:
    html = client.get("/en/trade-unions/what-is-a-union").get_data(as_text=True)
    anchors = re.findall(r'<li><a href="#(section-\d+)">', html)
    assert len(anchors) >= 2
    for anchor in anchors:
        assert f'id="{anchor}"' in html


@pytest.mark.parametrize(
    "url",
    ["/en/no-such-course/", "/en/trade-unions/no-such-lesson", "/xx/", "/en/c/99/", "/en/c/1/99", "/de/trade-unions/"],
)
def test_unknown_addresses_are_404_pages(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_404_page_speaks_the_address_language(client: FlaskClient) -> None:
    html = client.get("/ru/trade-unions/nope").get_data(as_text=True)
    assert '<html lang="ru"' in html
    assert "Страница не найдена" in html


def test_missing_translation_falls_back_with_a_visible_notice(tmp_path: Path) -> None:
    lessons = tmp_path / "lessons"
    course = make_course(lessons, "demo")
    (course / "one" / "be.md").unlink()
    app = make_app(tmp_path, LESSONS_DIR=str(lessons))
    html = app.test_client().get("/be/demo/one").get_data(as_text=True)
    assert '<article class="lesson" lang="en">' in html
    assert "one (en)" in html
    assert "notice--info" in html
    # The notice itself is in the reader's language.
    assert '<div lang="be">' in html


@pytest.mark.parametrize(("lang", "term", "means"), [
    ("en", "<dt id=\"term-employer\">employer</dt>", "The person or organisation that hires a worker"),
    ("ru", "<dt id=\"term-employer\">наниматель</dt>", "так его называет Трудовой кодекс Беларуси"),
    ("be", "<dt id=\"term-employer\">наймальнік</dt>", "так яго называе Працоўны кодэкс Беларусі"),
])
def test_glossary_page_from_the_course_terms(client: FlaskClient, lang: str, term: str, means: str) -> None:
    course_page = client.get(f"/{lang}/trade-unions/").get_data(as_text=True)
    assert f'href="/{lang}/trade-unions/glossary"' in course_page
    response = client.get(f"/{lang}/trade-unions/glossary")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    html = response.get_data(as_text=True)
    assert term in html and means in html
    terms = re.findall(r"<dt id=\"term-[a-z0-9-]+\"[^>]*>(.*?)</dt>", html)
    assert len(terms) >= 20
    assert terms == sorted(terms, key=lambda word: word.casefold().replace("ё", "е"))


def test_a_course_without_terms_has_no_glossary(tmp_path: Path) -> None:
    make_course(tmp_path / "lessons", "demo")
    client = make_app(tmp_path, LESSONS_DIR=str(tmp_path / "lessons")).test_client()
    assert "/glossary" not in client.get("/en/demo/").get_data(as_text=True)
    assert client.get("/en/demo/glossary").status_code == 404


def test_neutral_mode_addresses_and_titles(tmp_path: Path) -> None:
    app = make_app(tmp_path, NEUTRAL_MODE=True)
    client = app.test_client()
    catalogue = client.get("/ru/").get_data(as_text=True)
    assert 'href="/ru/c/1/"' in catalogue
    course_page = client.get("/ru/c/1/").get_data(as_text=True)
    lesson_links = re.findall(r'href="(/ru/c/1/\d+)"', course_page)
    assert lesson_links
    for url in lesson_links:
        response = client.get(url)
        assert response.status_code == 200
        title = re.search(r"<title>(.*?)</title>", response.get_data(as_text=True)).group(1)
        assert "профсо" not in title.lower() and "труд" not in title.lower()
    glossary = client.get("/ru/c/1/glossary").get_data(as_text=True)
    assert 'href="/ru/c/1/glossary"' in course_page and "наниматель" in glossary
    assert "профсо" not in re.search(r"<title>(.*?)</title>", glossary).group(1).lower()
    # The readable addresses still work.
    assert client.get("/ru/trade-unions/wages").status_code == 200


def test_site_loads_nothing_from_other_origins(client: FlaskClient, app: Flask) -> None:
    urls = ["/en/", "/ru/trade-unions/", *[f"/be/trade-unions/{slug}" for slug in starter_lessons(app)]]
    for url in urls:
        html = client.get(url).get_data(as_text=True)
        for attribute in re.findall(r'(?:src|href)="([^"]+)"', html):
            if attribute.startswith(("http://", "https://", "//")):
                # Only plain links a learner may choose to follow: sources, never loaded resources.
                assert re.search(rf'<a href="{re.escape(attribute)}"', html), (url, attribute)
        # The only <link> is our own icon; style and script are inside the page.
        assert re.findall(r"<link [^>]*>", html) == ['<link rel="icon" href="/static/icon.svg" type="image/svg+xml">']
        assert re.findall(r"<script[^>]*>", html) == ["<script>"]


def test_readers_share_one_page_and_a_learner_sees_their_own(app: Flask) -> None:
    from tests.helpers import SAME_ORIGIN

    first, second = app.test_client(), app.test_client()
    one = first.get("/en/trade-unions/wages")
    two = second.get("/en/trade-unions/wages")
    assert one.data == two.data and "Set-Cookie" not in one.headers and "Set-Cookie" not in two.headers
    assert first.post("/en/trade-unions/wages/done", headers=SAME_ORIGIN).status_code == 303
    html = first.get("/en/trade-unions/wages").get_data(as_text=True)
    assert "You have completed this lesson." in html and "<!--course-app:" not in html
    # Another reader still gets the page every reader gets.
    again = app.test_client().get("/en/trade-unions/wages")
    assert again.data == two.data and "Mark this lesson as done" in again.get_data(as_text=True)
