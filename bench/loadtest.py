"""``make loadtest``: 64 simulated learners for 60 s, on SQLite and on PostgreSQL; nothing lost.
Then the documented front server under abuse: slow clients and a flood of code checks.

Each simulated learner repeats the whole journey with a fresh browser: read two lessons, pass
the quiz, save a learner code, then continue with that code in another fresh browser and
check the progress is there. The client counts what it recorded; afterwards the database must
hold exactly that: one learner with a code per journey, one lesson row (the lesson read before
any action leaves none), one completed lesson and one quiz attempt each. Any 5xx response is an
error.

The abuse check runs gunicorn behind nginx configured exactly as docs/deploy.md says, holds 64
connections that send their headers a byte at a time and 32 threads that post wrong learner
codes without pause, and measures a learner's lesson page meanwhile: its p99 must stay under
one second.

    .venv/bin/python -m bench.loadtest [--learners 64] [--seconds 60] [--database sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import re
import socket
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from bench.fixtures import ROOT, machine, make_app
from bench.servers import gunicorn, postgresql
from course_app.db import get_session
from course_app.models import Learner, LessonProgress, QuizProgress
from tests.front_server import start_front_server
from tests.helpers import CODE, quiz_answers, starter_quiz
from tests.serving import Browser

RESULTS = ROOT / "bench" / "results.md"


@dataclass
class Tally:
    journeys: int = 0
    statuses: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def seen(self, status: int) -> None:
        with self.lock:
            self.statuses[status] += 1


def journey(base: str, body: dict[str, object], tally: Tally) -> None:
    reader = Browser(base)
    for path in ("/en/trade-unions/study-safely", "/en/trade-unions/wages"):
        status, _ = reader.request(path)
        tally.seen(status)
    status, page = reader.request("/en/trade-unions/wages/quiz")
    tally.seen(status)
    status, _ = reader.request("/en/trade-unions/wages/quiz", body)
    tally.seen(status)
    if status != 303:
        raise RuntimeError(f"quiz answered {status}")
    status, page = reader.request("/en/progress/code", {})
    tally.seen(status)
    code = CODE.search(page).group(1)
    elsewhere = Browser(base)
    status, page = elsewhere.request("/en/progress")
    tally.seen(status)
    status, _ = elsewhere.request("/en/progress/continue", {"code": code})
    tally.seen(status)
    status, page = elsewhere.request("/en/progress")
    tally.seen(status)
    if not re.search(r"1 of \d+ lessons completed", page):
        raise RuntimeError("progress did not follow the code")
    with tally.lock:
        tally.journeys += 1


def run_load(database: str, learners: int, seconds: int, work: Path) -> dict[str, object]:
    context = postgresql() if database == "postgresql" else None
    url = context.__enter__() if context else ""
    try:
        app = make_app(work / database, DATABASE_URL=url)
        answers = quiz_answers(app, starter_quiz(app, "wages"))
        env = {"DATABASE_URL": url, "INSTANCE_PATH": str(work / database), "RELOAD_LESSONS": "false"}
        tally = Tally()
        deadline = time.monotonic() + seconds
        with gunicorn("course_app:create_app()", env, ready_path="/en/") as server:

            def learner() -> None:
                while time.monotonic() < deadline:
                    try:
                        journey(server.url, answers, tally)
                    except Exception as error:  # noqa: BLE001 - every failure is counted and reported
                        with tally.lock:
                            tally.problems.append(repr(error)[:200])

            threads = [threading.Thread(target=learner) for _ in range(learners)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        with app.app_context():
            session = get_session()
            stored = {
                "learners with a code": session.scalar(select(func.count()).select_from(Learner)
                                                       .where(Learner.code_hash.is_not(None))),
                "lesson rows": session.scalar(select(func.count()).select_from(LessonProgress)),
                "completed lessons": session.scalar(select(func.count()).select_from(LessonProgress)
                                                    .where(LessonProgress.completed_on.is_not(None))),
                "quiz attempts": session.scalar(select(func.sum(QuizProgress.attempts))) or 0,
            }
        expected = {"learners with a code": tally.journeys, "lesson rows": tally.journeys,
                    "completed lessons": tally.journeys, "quiz attempts": tally.journeys}
        server_errors = sum(count for status, count in tally.statuses.items() if status >= 500)
        return {"database": database, "journeys": tally.journeys, "requests": sum(tally.statuses.values()),
                "server_errors": server_errors, "client_problems": tally.problems, "stored": stored,
                "expected": expected, "statuses": dict(tally.statuses)}
    finally:
        if context:
            context.__exit__(None, None, None)


SLOW_CLIENTS = 64
CODE_FLOODERS = 32


@dataclass
class AbuseOutcome:
    page_timings: list[float]
    code_checks: Counter
    slow_clients_open: int

    def percentile(self, share: float) -> float:
        ordered = sorted(self.page_timings)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run_abuse(work: Path, seconds: int) -> AbuseOutcome:
    """A learner's lesson page, through the documented nginx, while slow clients and a code flood run."""
    make_app(work / "abuse")  # the instance folder and migrated database the server below uses
    env = {"INSTANCE_PATH": str(work / "abuse"), "RELOAD_LESSONS": "false", "BEHIND_PROXY": "true",
           "MEDIA_ACCEL_REDIRECT": "/_media"}
    with gunicorn("course_app:create_app()", env, ready_path="/en/") as server:
        front = start_front_server(work / "abuse-nginx", int(server.url.rsplit(":", 1)[1]), ROOT / "lessons")
        try:
            learner = Browser(front.url)
            learner.request("/en/trade-unions/study-safely/done", {})  # an action: the learner has a session
            deadline = time.monotonic() + seconds
            stop = threading.Event()
            slow = []
            for _ in range(SLOW_CLIENTS):
                connection = socket.create_connection(("127.0.0.1", front.port), timeout=30)
                connection.sendall(b"GET /en/ HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                slow.append(connection)

            def drip() -> None:
                while not stop.is_set():
                    for connection in slow:
                        try:
                            connection.sendall(b"a")
                        except OSError:
                            pass
                    stop.wait(1.0)

            checks: Counter = Counter()
            lock = threading.Lock()

            def flood() -> None:
                while not stop.is_set():
                    # A new browser each time, as an attacker who keeps no cookie (no per-session limit applies).
                    status, _ = Browser(front.url).request("/en/progress/continue", {"code": "1" * 24})
                    with lock:
                        checks[status] += 1

            workers = [threading.Thread(target=drip), *(threading.Thread(target=flood) for _ in range(CODE_FLOODERS))]
            for worker in workers:
                worker.start()
            timings = []
            try:
                while time.monotonic() < deadline:
                    started = time.perf_counter()
                    status, _ = learner.request("/en/trade-unions/wages")
                    timings.append(time.perf_counter() - started if status == 200 else float("inf"))
            finally:
                stop.set()
                for worker in workers:
                    worker.join()
                still_open = 0
                for connection in slow:
                    try:
                        connection.sendall(b"a")
                        still_open += 1
                    except OSError:
                        pass
                    connection.close()
        finally:
            front.stop()
    return AbuseOutcome(timings, checks, still_open)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=64)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--abuse-seconds", type=int, default=30)
    args = parser.parse_args()
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="course-app-load.") as scratch:
        for database in databases:
            print(f"{database}: {args.learners} learners for {args.seconds} s…", flush=True)
            outcomes.append(run_load(database, args.learners, args.seconds, Path(scratch)))
        print(f"abuse: {SLOW_CLIENTS} slow clients and {CODE_FLOODERS} code checkers for {args.abuse_seconds} s "
              "against nginx and gunicorn…", flush=True)
        abuse = run_abuse(Path(scratch), args.abuse_seconds)
    lines = ["## Load test", "",
             f"`make loadtest` on {date.today().isoformat()}, {machine()}: {args.learners} simulated learners for "
             f"{args.seconds} s against gunicorn (2 workers × 4 threads), each repeating the whole journey with fresh "
             "browsers (read two lessons, pass the quiz, save a code, continue with it elsewhere).", "",
             "| database | journeys | requests | 5xx | client failures | lost or extra writes |",
             "|---|---|---|---|---|---|"]
    failed = False
    for outcome in outcomes:
        differences = {key: (outcome["expected"][key], value) for key, value in outcome["stored"].items()
                       if outcome["expected"][key] != value}
        lost = "none" if not differences else "; ".join(f"{k}: expected {e}, stored {s}"
                                                         for k, (e, s) in differences.items())
        failed |= bool(differences or outcome["server_errors"] or outcome["client_problems"])
        lines.append(f"| {outcome['database']} | {outcome['journeys']:,} | {outcome['requests']:,} | "
                     f"{outcome['server_errors']} | {len(outcome['client_problems'])} | {lost} |")
        for problem in outcome["client_problems"][:5]:
            print(f"  {outcome['database']}: {problem}")
    p99 = abuse.percentile(0.99)
    failed |= p99 >= 1.0
    lines += ["", f"Then the front server of docs/deploy.md (nginx, as documented) in front of the same gunicorn, "
                  f"SQLite, for {args.abuse_seconds} s: {SLOW_CLIENTS} clients sending their headers a byte a second, "
                  f"and {CODE_FLOODERS} threads posting wrong learner codes without pause, while one learner "
                  "(with a session, so every page reaches the app) reads a lesson page again and again.", "",
              "| learner page requests | p50 | p99 | slowest | target | code checks answered (by status) |",
              "|---|---|---|---|---|---|",
              f"| {len(abuse.page_timings):,} | {abuse.percentile(0.5) * 1000:.0f} ms | {p99 * 1000:.0f} ms | "
              f"{max(abuse.page_timings) * 1000:.0f} ms | p99 < 1 s{'' if p99 < 1.0 else ' — MISSED'} | "
              f"{', '.join(f'{status}: {count:,}' for status, count in sorted(abuse.code_checks.items()))} |", "",
              "Slow clients wait in nginx (header timeout 10 s) and never reach gunicorn; code checks cost one keyed "
              "hash and one indexed look-up each, and at most `CODE_CHECKS_AT_ONCE` run at once per process "
              "(more are answered 503 at once instead of waiting)."]
    text = "\n".join(lines) + "\n"
    print(text)
    previous = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    RESULTS.write_text(previous.split("## Load test", 1)[0].rstrip() + "\n\n" + text, encoding="utf-8")
    if failed:
        raise SystemExit("load test FAILED: see above")


if __name__ == "__main__":
    main()
