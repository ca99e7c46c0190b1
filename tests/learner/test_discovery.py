"""Found by those who look: reading pages may be indexed, pages with a learner's state never, and the
sitemap names the public address only when the operator set one — never under the onion address."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from course_app.config import ConfigurationError
from tests.conftest import LANGUAGES, STARTER_LESSON_SLUGS, make_app
from tests.helpers import submit_quiz

PUBLIC = "https://learn.example.org"
READING_PAGES = ["/{lang}/", "/{lang}/trade-unions/", "/{lang}/trade-unions/wages", "/{lang}/trade-unions/glossary",
                 "/{lang}/safety"]
NAMESPACES = {"map": "http://www.sitemaps.org/schemas/sitemap/0.9", "xhtml": "http://www.w3.org/1999/xhtml"}


def robots_meta(html: str) -> list[str]:
    return re.findall(r'<meta name="robots" content="([^"]*)">', html)


def description(html: str) -> str | None:
    found = re.search(r'<meta name="description" content="([^"]*)">', html)
    return found.group(1) if found else None


@pytest.mark.parametrize("lang", LANGUAGES)
def test_reading_pages_may_be_indexed_and_describe_themselves(client: FlaskClient, lang: str) -> None:
    descriptions = set()
    for page in READING_PAGES:
        html = client.get(page.format(lang=lang)).get_data(as_text=True)
        assert robots_meta(html) == [], page
        text = description(html)
        assert text and len(text) > 40, page
        descriptions.add(text)
    assert len(descriptions) == len(READING_PAGES)  # each page says what it is about


def test_pages_with_a_learners_state_and_other_pages_say_noindex(app: Flask) -> None:
    learner = app.test_client()
    submit_quiz(learner, app, "wages")
    for page in ("/en/progress", "/en/trade-unions/wages/result", "/en/trade-unions/wages/quiz",
                 "/en/progress/delete"):
        assert robots_meta(learner.get(page).get_data(as_text=True)) == ["noindex"], page
    reader = app.test_client()
    for page in ("/en/trade-unions/wages?size=360p", "/en/trade-unions/no-such-lesson", "/staff/login",
                 "/en/progress"):
        assert robots_meta(reader.get(page).get_data(as_text=True)) == ["noindex"], page


def test_neutral_mode_and_indexing_off_hide_the_whole_site(tmp_path: Path) -> None:
    for settings in ({"NEUTRAL_MODE": True}, {"INDEXING": False}):
        client = make_app(tmp_path / str(len(settings)) / next(iter(settings)), PUBLIC_URL=PUBLIC,
                          **settings).test_client()
        for page in READING_PAGES:
            html = client.get(page.format(lang="ru")).get_data(as_text=True)
            assert robots_meta(html) == ["noindex"], (settings, page)
        assert client.get("/robots.txt").get_data(as_text=True) == "User-agent: *\nDisallow: /\n"
        assert client.get("/sitemap.xml").status_code == 404
    neutral = make_app(tmp_path / "neutral-description", NEUTRAL_MODE=True).test_client()
    assert description(neutral.get("/ru/c/1/1").get_data(as_text=True)) is None  # no topic words in the head


def test_robots_txt_without_a_public_address_has_no_sitemap(client: FlaskClient) -> None:
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert text.startswith("User-agent: *\n") and "Disallow: /staff/" in text and "Disallow: /*/progress" in text
    assert "Sitemap" not in text and "Disallow: /\n" not in text
    assert client.get("/sitemap.xml").status_code == 404


def test_sitemap_lists_every_reading_page_with_its_language_versions(tmp_path: Path) -> None:
    client = make_app(tmp_path, PUBLIC_URL=PUBLIC + "/").test_client()
    assert f"Sitemap: {PUBLIC}/sitemap.xml" in client.get("/robots.txt").get_data(as_text=True)
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    root = ElementTree.fromstring(response.data)
    urls = {url.findtext("map:loc", namespaces=NAMESPACES): url for url in root.findall("map:url", NAMESPACES)}
    expected = {f"{PUBLIC}/{lang}/trade-unions/{slug}" for lang in LANGUAGES for slug in STARTER_LESSON_SLUGS}
    expected |= {f"{PUBLIC}/{lang}/{page}" for lang in LANGUAGES
                 for page in ("", "safety", "trade-unions/", "trade-unions/glossary")}
    assert set(urls) == expected
    wages = urls[f"{PUBLIC}/ru/trade-unions/wages"]
    alternates = {link.get("hreflang"): link.get("href") for link in wages.findall("xhtml:link", NAMESPACES)}
    assert alternates == {"en": f"{PUBLIC}/en/trade-unions/wages", "ru": f"{PUBLIC}/ru/trade-unions/wages",
                          "be": f"{PUBLIC}/be/trade-unions/wages", "x-default": f"{PUBLIC}/en/trade-unions/wages"}
    # Pages themselves never name the public address (S9): the same pages serve the onion address.
    for page in READING_PAGES:
        assert PUBLIC not in client.get(page.format(lang="en")).get_data(as_text=True)


def test_under_the_onion_address_there_is_no_sitemap(tmp_path: Path) -> None:
    client = make_app(tmp_path, PUBLIC_URL=PUBLIC).test_client()
    onion = {"Host": "exampleonionaddressexampleonionaddressexampleonion56.onion"}
    assert client.get("/sitemap.xml", headers=onion).status_code == 404
    assert "Sitemap" not in client.get("/robots.txt", headers=onion).get_data(as_text=True)


@pytest.mark.parametrize(("value", "message"), [
    ("http://exampleonion.onion", "an onion address is never published"),
    ("learn.example.org", "give the site's address"),
    ("https://learn.example.org/?a=1", "give the site's address"),
])
def test_a_wrong_public_address_stops_the_start_with_a_reason(tmp_path: Path, value: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        make_app(tmp_path, PUBLIC_URL=value)


def test_the_icon_is_the_sites_own_file(client: FlaskClient) -> None:
    html = client.get("/en/").get_data(as_text=True)
    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html)
    assert icon
    response = client.get(icon.group(1).replace("&amp;", "&"))
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
