"""Nothing identifying in logs; leave quickly ends the session; neutral mode hides the topic."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from flask import Flask

from course_app.gunicorn_config import accesslog
from tests.conftest import make_app
from tests.helpers import csrf_token, save_code, submit_quiz


def test_app_logs_nothing_about_clients(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client = app.test_client()
    headers = {"User-Agent": "UniqueAgent/9.9", "X-Forwarded-For": "203.0.113.7"}
    submit_quiz(client, app, "wages")
    code = save_code(client)
    client.post("/en/progress/continue", data={"csrf_token": csrf_token(client, "/en/progress"),
                                               "code": code}, headers=headers)
    client.post("/en/progress/continue", data={"code": "bad"}, headers=headers)  # CSRF failure
    client.get("/en/no/such", headers=headers)
    text = caplog.text
    for secret in ("127.0.0.1", "203.0.113.7", "UniqueAgent", code.replace(" ", ""), code):
        assert secret not in text


def test_gunicorn_writes_no_access_log() -> None:
    assert accesslog is None


@pytest.mark.parametrize("url", ["/ru/", "/ru/trade-unions/", "/ru/trade-unions/wages", "/ru/progress",
                                 "/ru/safety", "/ru/trade-unions/wages/result", "/ru/no-such-page"])
def test_leave_quickly_is_on_every_learner_page_and_ends_the_session(app: Flask, url: str) -> None:
    client = app.test_client()
    submit_quiz(client, app, "wages", lang="ru")
    html = client.get(url, follow_redirects=True).get_data(as_text=True)
    match = re.search(r'<a class="leave-quickly" id="leave-quickly" href="([^"]+)">', html)
    assert match, url
    response = client.get(match.group(1))
    assert response.status_code == 303 and response.headers["Location"] == app.config["LEAVE_URL"]
    assert "session=;" in response.headers["Set-Cookie"] and "Expires=Thu, 01 Jan 1970" in response.headers["Set-Cookie"]
    assert '"cookies"' in response.headers["Clear-Site-Data"]
    # The next visit starts with no progress.
    assert "lessons completed" not in client.get("/ru/progress").get_data(as_text=True)


def test_neutral_mode_titles_and_addresses_carry_no_topic_words(tmp_path: Path) -> None:
    app = make_app(tmp_path, NEUTRAL_MODE=True)
    client = app.test_client()
    topic = re.compile(r"union|labou?r|профсо|прафсаюз|труд|прац|wage|заработ|заробак|ilo|мот|мап|forced|принуд|"
                       r"прымус|association|объедин|аб.яднан|trade", re.I)
    seen, queue = set(), ["/ru/", "/be/", "/en/"]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert not topic.search(url), url
        if response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
        assert not topic.search(title), (url, title)
        for link in re.findall(r'href="(/(?:en|ru|be|media)/[^"#?]*)', html):
            if "/leave" not in link:
                queue.append(link)
        for link in re.findall(r'(?:href|src|action)="(/[^"]*)"', html):
            assert not topic.search(link.split("?")[0]), (url, link)
    assert len(seen) > 20
