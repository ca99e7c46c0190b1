"""``make bench``: course_app under gunicorn against a minimal Flask app under the same settings.

Measures, in one run (the machine is shared and noisy, so figures are compared with a baseline
measured alongside them, each the median of several wrk runs):

- req/s, p50 and p99 latency, and the ratio to the baseline, for the catalogue and a lesson page
  for a reader; a lesson page and the progress page for a learner with a session; a quiz
  submission with a session, and a first one from a fresh browser each time (the day's draw
  token and the same-origin headers a browser sends); and the coordinators' dashboard over
  1,000,000 synthetic progress rows;
- bytes and requests of a lesson's first view (HTML + CSS, before compression);
- start-up time and memory per worker with 1,000 generated lessons × 3 languages.

Results are printed and written to bench/results.md. Needs wrk (apt-get install wrk) and
Chromium (apt-get install chromium).
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyotp
from sqlalchemy import select

from bench.fixtures import (
    RESULTS,
    ROOT,
    SECRETS,
    lessons_with_generated_course,
    machine,
    make_app,
    signed_in_coordinator,
)
from bench.servers import gunicorn
from course_app.content import current_catalogue
from course_app.db import get_session
from course_app.domain.periods import fix_closed_periods_once
from course_app.domain.staff_accounts import open_totp_secret
from course_app.domain.synthetic import generate_progress
from course_app.models import StaffMember
from tests.helpers import quiz_answers
from tests.serving import Browser

LEARNER_LESSON = "lesson page, for a learner with a session"
PROGRESS = "progress page, for a learner with a session"
LATER_SUBMISSION = "quiz submission, with a session"
FIRST_SUBMISSION = "first quiz submission, without a session"
TARGETS = {"catalogue, for a reader": 0.7, "lesson page, for a reader": 0.7, LEARNER_LESSON: 0.5, PROGRESS: 0.3,
           LATER_SUBMISSION: 0.25, FIRST_SUBMISSION: 0.15}
FRONT_TARGET = "ratio to nginx serving the same bytes as a static file"


@dataclass(frozen=True)
class Load:
    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    # The baseline's median req/s over runs made just before each of this figure's own (None: not measured
    # beside it), and the median of the ratios of each of this figure's runs to the baseline run just before it.
    baseline_beside: float | None = None
    ratio_beside: float | None = None

    def ratio(self, baseline: Load) -> float:
        """To the baseline measured beside this figure's runs, if it was; else to the run's baseline."""
        return self.ratio_beside or self.requests_per_second / baseline.requests_per_second


def _milliseconds(text: str) -> float:
    value, unit = float(re.match(r"[\d.]+", text).group(0)), re.sub(r"[\d.]+", "", text)
    return value * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def _wrk_once(name: str, url: str, seconds: int, script: Path | None, connections: int) -> Load:
    command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout",
               "10s", url]
    if script is not None:
        command[1:1] = ["-s", str(script)]
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _milliseconds(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = _milliseconds(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = int(bad.group(1)) if bad else 0
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    return Load(name, rate, p50, p99, errors)


def wrk(name: str, url: str, seconds: int, repeat: int, script: Path | None = None, connections: int = 16,
        baseline_url: str | None = None) -> Load:
    """The median of ``repeat`` wrk runs (2 threads, 16 connections unless told) on loopback.

    :param baseline_url: the baseline's address: it is measured too, once before each of these runs, so the
        figure is compared with the baseline as the machine ran at that time (a shared machine changes speed
        within a run, and a baseline measured once at the start would lower or raise every ratio after it).
    """
    runs, baseline_runs = [], []
    for _ in range(repeat):
        if baseline_url is not None:
            baseline_runs.append(_wrk_once("baseline", baseline_url, seconds, None, 16).requests_per_second)
        runs.append(_wrk_once(name, url, seconds, script, connections))
    # Each run to the baseline run just before it: a slow spell that meets one pair moves one ratio of three.
    ratios = [run.requests_per_second / before for run, before in zip(runs, baseline_runs, strict=False)]
    runs.sort(key=lambda load: load.requests_per_second)
    middle = runs[len(runs) // 2]
    return Load(name, middle.requests_per_second, middle.p50_ms, middle.p99_ms, sum(r.errors for r in runs),
                statistics.median(baseline_runs) if baseline_runs else None,
                statistics.median(ratios) if ratios else None)


def lua_post(path: Path, body: str, origin: str, cookie: str | None) -> Path:
    """A form post as a browser sends it from the site's own page: the same-origin headers the cross-site
    check reads, and the browser's cookie (None: a fresh browser each time, with no session)."""
    path.write_text(
        'wrk.method = "POST"\n'
        f'wrk.body = "{body}"\n'
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
        'wrk.headers["Sec-Fetch-Site"] = "same-origin"\n'
        f'wrk.headers["Origin"] = "{origin}"\n'
        + (f'wrk.headers["Cookie"] = "{cookie}"\n' if cookie is not None else ""))
    return path


def lua_get(path: Path, cookie: str) -> Path:
    path.write_text(f'wrk.headers["Cookie"] = "{cookie}"\n')
    return path


def first_view(base: str, path: str) -> tuple[int, int, int]:
    """HTML bytes, bytes of stylesheet files (none: the style is inside the page) and requests of a first visit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                             args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                                   "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page()
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(base + path, wait_until="networkidle")
        browser.close()

    def size(url: str) -> int:
        with urllib.request.urlopen(url) as response:
            return len(response.read())

    html = size(base + path)
    css = sum(size(url) for url in requests if ".css" in url)
    return html, css, len(requests)


def through_front_server(work: Path, server, lessons: Path, args) -> list[Load]:  # type: ignore[no-untyped-def]
    """A reader's lesson through the documented nginx micro-cache, beside nginx serving the same bytes as a file."""
    from tests.front_server import start_front_server, start_static_server

    page = urllib.request.urlopen(server.url + "/en/trade-unions/wages").read()
    static_root = work / "static-page"
    static_root.mkdir()
    (static_root / "wages.html").write_bytes(page)
    front = start_front_server(work / "front", int(server.url.rsplit(":", 1)[1]), lessons)
    static = start_static_server(work / "static-nginx", static_root)
    try:
        static_load = wrk("nginx: the same page as a static file", static.url + "/wages.html", args.seconds,
                          args.repeat)
        cached = wrk("nginx micro-cache: lesson page, for a reader", front.url + "/en/trade-unions/wages",
                     args.seconds, args.repeat)
    finally:
        front.stop()
        static.stop()
    return [static_load, cached]


def start_seconds(env: dict[str, str]) -> float:
    """Seconds from starting Python to an app with every lesson read, in a new process."""
    output = subprocess.run(
        [sys.executable, "-c", "import time; t = time.perf_counter(); from course_app import create_app; "
                               "create_app(); print(time.perf_counter() - t)"],
        cwd=ROOT, env={**env, "PATH": "/usr/bin:/bin"}, capture_output=True, text=True, check=True).stdout
    return float(output.strip().splitlines()[-1])


def startup_and_memory(work: Path) -> tuple[float, float, float, int]:
    """Seconds to start with 1,000 lessons × 3 languages (first start; later starts, with the lesson
    cache), and MiB per gunicorn worker."""
    from bench.fixtures import write_generated_course

    lessons = work / "big-lessons"
    write_generated_course(lessons, "big", 1000)
    files = sum(1 for _ in lessons.rglob("*.md"))
    env = {"LESSONS_DIR": str(lessons), "INSTANCE_PATH": str(work / "big-instance"), "RELOAD_LESSONS": "false",
           **SECRETS}
    first = start_seconds(env)  # no cache yet: every file is read and checked
    start_seconds(env)  # keeps what the first start found too freshly written to keep
    later = statistics.median(start_seconds(env) for _ in range(3))
    make_app(work / "big-instance", LESSONS_DIR=str(lessons))
    with gunicorn("course_app:create_app()", env, ready_path="/en/big/lesson-0001") as server:
        for number in range(1, 30):
            urllib.request.urlopen(f"{server.url}/en/big/lesson-{number:04d}").read()
        memory = []
        for pid in server.worker_pids():
            status = Path(f"/proc/{pid}/status").read_text()
            memory.append(int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024)
    return first, later, max(memory), files


def learner_loads(server_url: str, app, work: Path, args, hello_url: str) -> list[Load]:  # type: ignore[no-untyped-def]
    """A reader's and a learner's pages and the quiz posts, each beside the others in the same server.

    The learner read three lessons, marked one done and passed the quiz of another, so they have a session,
    a learner row and progress to show. A first submission is a fresh browser each time (no cookie), posting
    the day's draw every reader gets, with the same-origin headers a browser sends from the quiz page.
    """
    learner = Browser(server_url)
    for slug in ("what-is-a-union", "freedom-of-association", "wages"):
        status, _ = learner.request(f"/en/trade-unions/{slug}")
        assert status == 200, status
    status, _ = learner.request("/en/trade-unions/what-is-a-union/done", {})
    assert status == 303, status
    quiz = app.extensions["course_app.catalogue"].catalogue.course("trade-unions").lessons_by_slug[
        "wages"].texts["en"].quiz
    answers = quiz_answers(app, quiz)
    body = urllib.parse.urlencode(answers, doseq=True)
    status, _ = learner.request("/en/trade-unions/wages/quiz", answers)
    assert status == 303, status
    status, page = learner.request("/en/trade-unions/wages")
    assert status == 200 and "your best so far" in page, status
    cookie = learner.cookie_header()
    lesson = server_url + "/en/trade-unions/wages"
    beside = {"baseline_url": hello_url}
    return [
        wrk("lesson page, for a reader", lesson, args.seconds, args.repeat, **beside),
        wrk(LEARNER_LESSON, lesson, args.seconds, args.repeat, lua_get(work / "learner.lua", cookie), **beside),
        wrk(PROGRESS, server_url + "/en/progress", args.seconds, args.repeat, lua_get(work / "progress.lua", cookie),
            **beside),
        wrk(FIRST_SUBMISSION, lesson + "/quiz", args.seconds, args.repeat,
            lua_post(work / "first-post.lua", body, server_url, None), **beside),
        wrk(LATER_SUBMISSION, lesson + "/quiz", args.seconds, args.repeat,
            lua_post(work / "post.lua", body, server_url, cookie), **beside),
    ]


def quick(args) -> None:  # type: ignore[no-untyped-def]
    """``--only learner``: hello, then the reader's and learner's requests, printed (results.md is left alone)."""
    with tempfile.TemporaryDirectory(prefix="course-app-bench.") as scratch:
        work = Path(scratch)
        lessons = lessons_with_generated_course(work, 20)
        instance = work / "instance"
        app = make_app(instance, LESSONS_DIR=str(lessons))
        env = {"LESSONS_DIR": str(lessons), "INSTANCE_PATH": str(instance), "RELOAD_LESSONS": "false"}
        # Both servers run throughout (an idle one costs nothing): the baseline is measured beside each figure.
        with gunicorn("bench.hello:app", env) as hello, \
                gunicorn("course_app:create_app()", env, ready_path="/en/") as server:
            baseline = wrk("baseline: Flask hello", hello.url + "/", args.seconds, args.repeat)
            loads = learner_loads(server.url, app, work, args, hello.url + "/")
    print("| request | req/s | p50 | p99 | baseline beside it | ratio to baseline | errors |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {baseline.name} | {baseline.requests_per_second:,.0f} | {baseline.p50_ms:.2f} ms | "
          f"{baseline.p99_ms:.2f} ms | — | 1.00 | {baseline.errors} |")
    for load in loads:
        print(f"| {load.name} | {load.requests_per_second:,.0f} | {load.p50_ms:.2f} ms | {load.p99_ms:.2f} ms | "
              f"{load.baseline_beside or baseline.requests_per_second:,.0f} | {load.ratio(baseline):.2f} | "
              f"{load.errors} |")


def main() -> None:
    parser = argparse.ArgumentParser(description="course_app benchmarks")
    parser.add_argument("--seconds", type=int, default=8, help="length of each wrk run")
    parser.add_argument("--repeat", type=int, default=3, help="wrk runs per figure (the median is reported)")
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--only", choices=["learner"],
                        help="learner: only hello and the reader's and learner's requests, printed, not written")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    if args.only == "learner":
        quick(args)
        return
    with tempfile.TemporaryDirectory(prefix="course-app-bench.") as scratch:
        work = Path(scratch)
        lessons = lessons_with_generated_course(work, 20)
        instance = work / "instance"
        app = make_app(instance, LESSONS_DIR=str(lessons))
        print(f"generating {args.rows:,} progress rows for {args.learners:,} learners…", flush=True)
        with app.app_context():
            counts = generate_progress(get_session(), current_catalogue().courses, learners=args.learners,
                                       lesson_rows=args.rows, today=date.today())
            get_session().commit()
            # As the daily purge does once after the upgrade: the dashboard then reads fixed periods only.
            fix_closed_periods_once(get_session(), current_catalogue(), app.config["LANGUAGES"], date.today())
        signed_in_coordinator(app)  # creates the account; the cookie below comes from the live server
        env = {"LESSONS_DIR": str(lessons), "INSTANCE_PATH": str(instance), "RELOAD_LESSONS": "false"}
        loads: list[Load] = []
        # Both servers run throughout (an idle one costs nothing): the baseline is measured beside each figure.
        with gunicorn("bench.hello:app", env) as hello, \
                gunicorn("course_app:create_app()", env, ready_path="/en/") as server:
            hello_url = hello.url + "/"
            baseline = wrk("baseline: Flask hello", hello_url, args.seconds, args.repeat)
            staff = Browser(server.url)
            with app.app_context():
                sealed = get_session().scalar(select(StaffMember.totp_secret).where(StaffMember.name == "bench"))
            secret = open_totp_secret(sealed or "", SECRETS["STAFF_TOTP_KEY"])
            # The next step's code: the current one was used when the account was made.
            status, _ = staff.request("/staff/login", {"csrf_token": staff.token("/staff/login"), "name": "bench",
                                                       "password": "benchmark password 123",
                                                       "code": pyotp.TOTP(secret).at(time.time() + 30)})
            assert status == 303, status
            loads.append(wrk("catalogue, for a reader", server.url + "/en/", args.seconds, args.repeat,
                             baseline_url=hello_url))
            loads += learner_loads(server.url, app, work, args, hello_url)
            # Two coordinators at once: a dashboard is not a page thousands load together.
            loads.append(wrk("coordinator dashboard, 1M rows (2 connections)", server.url + "/staff/", args.seconds,
                             args.repeat, lua_get(work / "staff.lua", staff.cookie_header()), connections=2))
            html, css, requests = first_view(server.url, "/en/trade-unions/wages")
            video_html, video_css, video_requests = first_view(server.url, "/en/trade-unions/what-is-a-union")
            front_loads = through_front_server(work, server, lessons, args)
        first_start, startup, worker_mib, lesson_files = startup_and_memory(work)
    report(baseline, loads, front_loads, counts, (html, css, requests), (video_html, video_css, video_requests),
           first_start, startup, worker_mib, lesson_files)


MISS_EXPLANATIONS = {
    LEARNER_LESSON: (
        "A learner's lesson page they reached before is answered before Flask runs (learner/learner_pages.py): what "
        "the address names found once per generation, one look-up of the session record and their standing on the "
        "driver's cursor, the kept page with their kept parts. The section on a learner's requests below gives its "
        "profile."),
    PROGRESS: (
        "A learner's progress page that changes nothing is answered before Flask runs (learner/learner_pages.py): "
        "two look-ups (the session record, everything the learner did), the kept page with the kept sections per "
        "course and parts put in. The section on a learner's requests below gives its profile."),
    LATER_SUBMISSION: (
        "Every submission runs Flask, grading and one write transaction (the quiz row, the quiz counters, the "
        "session record, on the driver's cursor) on SQLite, whose writers take turns; a quiz of plain choice fields "
        "answered in full is read without building its WTForms form. The section on a learner's requests below "
        "gives its profile, where the processor goes under load, and what it would take."),
    FIRST_SUBMISSION: (
        "A fresh browser each time: a new learner, their lesson and quiz rows, the answer counters, the lesson and "
        "quiz counters, the course standing and a new session record, in one transaction of eight statements on "
        "the driver's cursor, and a cookie sealed. Under load the transaction holds SQLite's one writers' turn "
        "1.7–1.9 ms on average, which alone limits these submissions to about 550 a second; the section on a "
        "learner's requests below gives the measurement."),
}


def report(baseline: Load, loads: list[Load], front_loads: list[Load], counts, plain, video,  # type: ignore[no-untyped-def]
           first_start: float, startup: float, worker_mib: float, lesson_files: int) -> None:
    lines = ["# Benchmark results", "",
             f"Run with `make bench` on {date.today().isoformat()}. Machine: {machine()}.",
             "gunicorn with course_app's settings (2 gthread workers × 4 threads, no access log), wrk with",
             "2 threads and 16 connections on loopback (the dashboard: 2); each figure is the median of several",
             "runs, compared with a minimal Flask app under the same settings (the machine is shared and noisy:",
             "compare ratios, not absolute numbers). Both servers run side by side, and the baseline is measured",
             "again just before each run of a figure (\"baseline beside it\": their median); a figure's ratio is the",
             "median of its runs' ratios to the baseline run just before each, so a slow spell of the machine",
             "lowers both sides of a ratio, and one that meets a single pair of runs moves one ratio of three.",
             "p99 is each run's 99th percentile latency.", "",
             "| request | req/s | p50 | p99 | baseline beside it | ratio to baseline | target | errors |",
             "|---|---|---|---|---|---|---|---|",
             f"| {baseline.name} | {baseline.requests_per_second:,.0f} | {baseline.p50_ms:.2f} ms | "
             f"{baseline.p99_ms:.2f} ms | — | 1.00 | — | {baseline.errors} |"]
    verdicts = []
    for load in loads:
        ratio = load.ratio(baseline)
        target = TARGETS.get(load.name.split(" (")[0])
        if load.name.startswith("coordinator"):
            goal = "p50 < 150 ms"
            met = load.p50_ms < 150
        elif target is not None:
            goal = f"≥ {target:.2f}"
            met = ratio >= target
        else:
            goal, met = "—", True
        verdicts.append((load.name, goal, met))
        beside = f"{load.baseline_beside:,.0f}" if load.baseline_beside else "—"
        lines.append(f"| {load.name} | {load.requests_per_second:,.0f} | {load.p50_ms:.2f} ms | {load.p99_ms:.2f} ms | "
                     f"{beside} | {ratio:.2f} | {goal}{'' if met else ' — MISSED'} | {load.errors} |")
    static_load, cached = front_loads
    lines += ["", "Through the front server of docs/deploy.md (nginx, its micro-cache), beside nginx serving the same "
                  "page's bytes as a static file, measured in the same run:", "",
              "| request | req/s | p50 | p99 | ratio to nginx's static file | errors |", "|---|---|---|---|---|---|"]
    for load in (static_load, cached):
        lines.append(f"| {load.name} | {load.requests_per_second:,.0f} | {load.p50_ms:.2f} ms | {load.p99_ms:.2f} ms | "
                     f"{load.requests_per_second / static_load.requests_per_second:.2f} | {load.errors} |")
    missed = [name for name, _goal, met in verdicts if not met]
    if missed:
        lines += ["", "Where a target is missed, and why:"]
        for name in missed:
            explanation = MISS_EXPLANATIONS.get(name.split(" (")[0]) or "see the commit that changed it."
            lines.append(f"- **{name}.** {explanation}")
    html, css, requests = plain
    video_html, video_css, video_requests = video
    lines += ["", f"Synthetic data for the dashboard: {counts.learners:,} learners, "
                  f"{counts.lesson_rows:,} lesson rows, {counts.quiz_rows:,} quiz rows.", "",
              "| first view of a lesson (Chromium, before compression; style and script inside the page) "
              "| HTML | CSS files | requests | target |",
              "|---|---|---|---|---|",
              f"| a long lesson without video | {html / 1000:.1f} KB | {css / 1000:.1f} KB | "
              f"{requests} | ≤ 30 KB, ≤ 2 requests{'' if html + css <= 30_000 and requests <= 2 else ' — MISSED'} |",
              f"| a lesson with a video (poster and subtitles load too) | {video_html / 1000:.1f} KB | "
              f"{video_css / 1000:.1f} KB | {video_requests} | — |", "",
              "The requests are the page and the site's icon (both no-store); Chromium fetches the icon when it "
              "chooses, so a run may end before it counts it.", "",
              f"| {lesson_files:,} lesson files (1,000 lessons × 3 languages) | measured | target |",
              "|---|---|---|",
              "| start-up (Python, the app, every lesson: unchanged ones from the lesson cache) | "
              f"{startup:.2f} s | ≤ 2 s"
              f"{'' if startup <= 2 else ' — MISSED'} |",
              f"| first start (no lesson cache yet: every file read and checked) | {first_start:.2f} s | — |",
              f"| memory per gunicorn worker | {worker_mib:.0f} MiB | "
              f"≤ 120 MiB{'' if worker_mib <= 120 else ' — MISSED'} |",
              "", "A start reads again only the lessons whose files changed since the last one (and every lesson "
                  "after an upgrade of the app); the lesson cache is described in course_app/content/lesson_cache.py. "
                  "The first start reads every file with several processes at once, parsing and validating it as "
                  "Markdown and YAML as the checker does.",
              "", "The dashboard alone, without HTTP load: `python -m bench.dashboard` (see docs/statistics.md).",
              "The loss-free load test: `make loadtest`.", ""]
    text = "\n".join(lines)
    print(text)
    previous = RESULTS.read_text() if RESULTS.exists() else ""
    # The sections other runs write (the dashboard alone, the load test) start at the first "## " heading.
    kept = previous[previous.index("\n## ") + 1:] if "\n## " in previous else ""
    RESULTS.write_text(text + (f"\n{kept}" if kept else ""), encoding="utf-8")


if __name__ == "__main__":
    main()
