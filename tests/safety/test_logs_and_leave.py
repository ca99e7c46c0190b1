"""Nothing identifying in logs; leave quickly ends the session; neutral mode hides the topic."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from flask import Flask

from tests.conftest import make_app
from tests.helpers import CODE, quiz_answers, starter_quiz, submit_quiz
from tests.serving import Browser
from tests.serving import gunicorn as gunicorn_server


def raw_request(port: int, data: bytes) -> bytes:
    """Send bytes as they are to the server and read the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(data)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def test_a_real_server_logs_nothing_about_clients(tmp_path: Path) -> None:
    """gunicorn at debug level, real requests — a journey, a forged form, a 404, oversize and malformed
    requests — and the log holds no client address, browser name, forwarded address or code."""
    app = make_app(tmp_path / "setup")
    env = {"DATABASE_URL": app.config["DATABASE_URL"], "INSTANCE_PATH": str(tmp_path / "setup" / "instance")}
    log_path = tmp_path / "server.log"
    server = gunicorn_server({**env, "GUNICORN_CMD_ARGS": "--log-level debug"}, log_path)
    identifying = {"User-Agent": "UniqueAgent/9.9", "X-Forwarded-For": "203.0.113.7", "X-Real-IP": "198.51.100.23"}
    try:
        browser = Browser(server.url)
        browser.extra_headers.update(identifying)
        answers = quiz_answers(app, starter_quiz(app, "wages"))
        assert browser.request("/en/trade-unions/wages/quiz", answers)[0] == 303
        status, page = browser.request("/en/progress/code", {})
        code = CODE.search(page).group(1)
        assert Browser(server.url).request("/en/progress/continue", {"code": code})[0] == 303
        browser.extra_headers["Sec-Fetch-Site"] = "cross-site"
        assert browser.request("/en/progress/delete", {})[0] == 403
        assert browser.request("/en/no/such")[0] == 404
        too_long = raw_request(server.port, b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        huge_header = raw_request(server.port, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n")
        malformed = raw_request(server.port, b"NOT A REQUEST\r\n\r\n")
    finally:
        server.stop()
    # gunicorn's own refusals carry the site's security headers and no echo of the request.
    for answer, status_code in ((too_long, b"414"), (huge_header, b"431"), (malformed, b"400")):
        head = answer.split(b"\r\n\r\n", 1)[0]
        assert head.split(b" ")[1] == status_code, head
        for name in (b"Content-Security-Policy: default-src 'none'", b"X-Content-Type-Options: nosniff",
                     b"Cache-Control: no-store", b"X-Frame-Options: DENY"):
            assert name in head, (status_code, name)
        assert b"aaaa" not in answer and b"bbbb" not in answer and b"NOT A REQUEST" not in answer
    log = server.log()
    assert "Invalid request from ip=[address]" in log  # the refusals were logged, without their address
    for secret in ("127.0.0.1", "203.0.113.7", "198.51.100.23", "UniqueAgent", code.replace(" ", ""), code):
        assert secret not in log, secret


def test_addresses_are_removed_from_any_gunicorn_message() -> None:
    from course_app.serving.gunicorn_logging import without_addresses

    assert without_addresses("Invalid request from ip=203.0.113.7: bad") == "Invalid request from ip=[address]: bad"
    assert without_addresses("a request from 198.51.100.23.") == "a request from [address]."
    assert without_addresses("from 2001:db8::7 and ::1 and fe80::1%eth0") == \
        "from [address] and [address] and [address]"
    assert without_addresses("full 2001:0db8:0000:0000:0000:ff00:0042:8329.") == "full [address]."
    # An IPv4 address inside an IPv6 one goes whole, not its last three numbers left behind.
    assert without_addresses("from ::ffff:203.0.113.7 and 64:ff9b::198.51.100.23.") == \
        "from ::ffff:[address] and 64:ff9b::[address]."
    # Times, versions, process ids and a lone colon are not addresses.
    assert without_addresses("at 10:32:05, gunicorn 27.0.1, pid 1234") == "at 10:32:05, gunicorn 27.0.1, pid 1234"
    assert without_addresses("THREADS='four': must be a whole number") == "THREADS='four': must be a whole number"


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
    cookie = response.headers["Set-Cookie"]
    assert "session=;" in cookie and "Expires=Thu, 01 Jan 1970" in cookie
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
