"""Publishing lessons on real servers: one broken lesson holds back only itself, the same on every server,
at start-up, after the watcher's reload and after HUP; an educator's ordinary day on `make run`."""

from __future__ import annotations

import signal
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import make_app
from tests.docs.test_documented_commands import Project
from tests.serving import ServerProcess, gunicorn

# Runs other programs end to end: left out of `make test-fast`, run by `make test` (pyproject.toml).
pytestmark = pytest.mark.slow

# The watcher looks every second; a change is on the site well within this.
PUBLISHED_WITHIN = 10.0
# Requests in a row that must all give the new answer: enough to reach each of a server's workers.
WORKERS_ASKED = 6


def fetch(url: str) -> tuple[int, str]:
    """The status and text of a page (an error status is an answer too)."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def soon(check: Callable[[], bool], within: float = PUBLISHED_WITHIN) -> float:
    """Ask ``check`` until it holds (a real server's watcher runs on its own clock); how long that took."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < within, f"not within {within} s"
        time.sleep(0.1)
    return time.monotonic() - started


def settled(url: str, condition: Callable[[int, str], bool]) -> tuple[int, str]:
    """The answer at ``url`` once every one of several answers in a row meets ``condition``: a server's workers
    each reload on their own, and any of them may answer."""
    last: list[tuple[int, str]] = []

    def every_answer_meets_it() -> bool:
        answers = [fetch(url) for _ in range(WORKERS_ASKED)]
        last[:] = answers[-1:]
        return all(condition(*answer) for answer in answers)

    soon(every_answer_meets_it)
    return last[0]


def retitle(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert f"title: {old}\n" in text, path
    path.write_text(text.replace(f"title: {old}\n", f"title: {new}\n", 1), encoding="utf-8")


def test_an_educators_ordinary_day_on_make_run(tmp_path: Path) -> None:
    """With `make run` serving: a new lesson with a quiz, its draft line removed, the English quiz's first question
    given another id and right answer, another lesson retitled. The title is on the site within 10 s, Russian
    readers of the new lesson get English with the "not translated yet" notice, the log names what is held back."""
    project = Project(tmp_path)
    lessons = project.root / "lessons" / "trade-unions"
    seen: dict[str, object] = {}

    def educators_day(base: str) -> None:
        made = project.run(".venv/bin/course-app lessons new trade-unions/new-one --quiz")
        assert made.returncode == 0, made.stderr
        english = lessons / "new-one" / "en.md"
        english.write_text("".join(line for line in english.read_text().splitlines(keepends=True)
                                   if line.strip() != "draft: true"))
        quiz = lessons / "new-one" / "quiz.en.yaml"
        text = quiz.read_text()
        text = text.replace("  - id: first-question\n", "  - id: which-right\n")
        text = text.replace("        correct: true\n", "").replace("      - id: wrong\n",
                                                                  "      - id: wrong\n        correct: true\n")
        quiz.write_text(text)
        retitle(lessons / "wages" / "en.md", "Wages and the minimum wage", "Wages, fairly paid")
        started = time.monotonic()
        settled(base + "/en/trade-unions/wages", lambda _status, page: "<h1>Wages, fairly paid</h1>" in page)
        seen["title after"] = time.monotonic() - started
        seen["russian"] = settled(base + "/ru/trade-unions/new-one", lambda status, _page: status == 200)
        seen["russian quiz"] = settled(base + "/ru/trade-unions/new-one/quiz", lambda status, _page: status == 200)

    output = project.serve("make run", r"(http://127\.0\.0\.1:\d+)", educators_day)
    assert isinstance(seen["title after"], float) and seen["title after"] < PUBLISHED_WITHIN
    status, page = seen["russian"]  # type: ignore[misc]
    assert status == 200
    assert "Write the lesson here." in page and "Напишите урок здесь." not in page
    assert "Это ещё не переведено на язык «Русский». Показано на языке «English»." in page
    status, quiz_page = seen["russian quiz"]  # type: ignore[misc]
    assert status == 200 and "Write the question here." in quiz_page
    for named in ("held back: ru text of 'trade-unions/new-one': lessons/trade-unions/new-one/ru.md:1: warning: "
                  "placeholder",
                  "held back: be text of 'trade-unions/new-one'",
                  "held back: ru quiz of 'trade-unions/new-one': lessons/trade-unions/new-one/quiz.ru.yaml:1: "
                  "warning: placeholder",
                  "readers in ru get the en quiz"):
        assert named in output, output


def test_every_server_on_the_same_files_serves_the_same(tmp_path: Path, lessons_copy: Path) -> None:
    """A lesson broken while one server runs, a second server started afterwards, the first reloaded by its watcher
    and then by HUP: both hold back exactly the broken lesson and publish everything else; fixed, both publish it."""
    app = make_app(tmp_path / "setup")  # one database, migrated, for both servers
    env = {"LESSONS_DIR": str(lessons_copy), "DATABASE_URL": app.config["DATABASE_URL"],
           "INSTANCE_PATH": str(tmp_path / "setup" / "instance")}
    first = gunicorn(env, tmp_path / "one.log", workers=2)
    second: ServerProcess | None = None
    wages = lessons_copy / "trade-unions" / "wages" / "en.md"
    strikes = lessons_copy / "trade-unions" / "strikes" / "en.md"
    try:
        assert fetch(first.url + "/en/trade-unions/wages")[0] == 200
        good = wages.read_text()
        wages.write_text(good.replace("title: ", "title: [", 1))
        retitle(strikes, strikes.read_text().split("title: ", 1)[1].split("\n", 1)[0], "Strikes, edited")
        # Each worker reloads on its own: ask until every answer is the new one.
        settled(first.url + "/en/trade-unions/wages", lambda status, _page: status == 503)
        settled(first.url + "/en/trade-unions/strikes", lambda _status, page: "Strikes, edited" in page)
        second = gunicorn(env, tmp_path / "two.log")
        booted = first.log().count("Booting worker")
        first.process.send_signal(signal.SIGHUP)  # new workers, reading everything afresh
        soon(lambda: first.log().count("Booting worker") >= booted + 2)
        for server in (first, second):
            for _ in range(WORKERS_ASKED):
                status, page = fetch(server.url + "/en/trade-unions/wages")
                assert status == 503 and "This lesson is being updated" in page
                assert "Strikes, edited" in fetch(server.url + "/en/trade-unions/strikes")[1]
                status, contents = fetch(server.url + "/en/trade-unions/")
                assert status == 200 and "Being updated" in contents
        wages.write_text(good.replace("title: ", "title: Fixed — ", 1))
        for server in (first, second):
            settled(server.url + "/en/trade-unions/wages", lambda _status, page: "Fixed — " in page)
    finally:
        first.stop()
        if second is not None:
            second.stop()
    for log in (first.log(), second.log() if second else ""):
        assert "held back: lesson 'trade-unions/wages': lessons/trade-unions/wages/en.md:3: YAML syntax error" in log
        assert "127.0.0.1" not in log


def test_make_run_on_a_port_in_use_says_so_at_once(tmp_path: Path) -> None:
    project = Project(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        project.env["PORT"] = str(port)
        started = time.monotonic()
        result = project.run("make run", timeout=60)
        took = time.monotonic() - started
    assert result.returncode != 0
    assert f"not serving: port {port} is in use: something already listens on http://127.0.0.1:{port}/" \
        in result.stderr, result.stdout + result.stderr
    # Said before anything starts: gunicorn, started, would retry the port for five seconds and then hide its
    # address. (About two seconds on an idle machine, most of it Python starting; the bound here is generous.)
    assert "serving on" not in result.stdout and "Starting gunicorn" not in result.stdout + result.stderr
    assert took < 30, took


def test_serve_outside_this_machine_says_which_address(tmp_path: Path) -> None:
    project = Project(tmp_path)
    result = project.run(".venv/bin/course-app serve --host 192.0.2.1 --port 5999", timeout=60)
    assert result.returncode == 1
    assert "not serving: cannot listen on http://192.0.2.1:5999/" in result.stderr, result.stderr
