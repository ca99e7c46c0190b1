"""``make loadtest``: 64 simulated learners for 60 s, on SQLite and on PostgreSQL; nothing lost.

Each simulated learner repeats the whole journey with a fresh browser: read two lessons, pass
the quiz, save a learner code, then continue with that code in another fresh browser and
check the progress is there. The client counts what it recorded; afterwards the database must
hold exactly that: one learner with a code per journey, two lesson rows, one completed lesson
and one quiz attempt each. Any 5xx response is an error.

    .venv/bin/python -m bench.loadtest [--learners 64] [--seconds 60] [--database sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from bench.fixtures import ROOT, make_app, machine
from bench.servers import gunicorn, postgresql
from course_app.db import get_session
from course_app.models import Learner, LessonProgress, QuizProgress
from tests.helpers import CODE, CSRF, quiz_answers, starter_quiz
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
    token = CSRF.search(page).group(1)
    status, _ = reader.request("/en/trade-unions/wages/quiz", {"csrf_token": token, **body})
    tally.seen(status)
    if status != 303:
        raise RuntimeError(f"quiz answered {status}")
    status, page = reader.request("/en/progress/code", {"csrf_token": token})
    tally.seen(status)
    code = CODE.search(page).group(1)
    elsewhere = Browser(base)
    status, page = elsewhere.request("/en/progress")
    tally.seen(status)
    other_token = CSRF.search(page).group(1)
    status, _ = elsewhere.request("/en/progress/continue", {"csrf_token": other_token, "code": code})
    tally.seen(status)
    status, page = elsewhere.request("/en/progress")
    tally.seen(status)
    if "1 of 6 lessons completed" not in page:
        raise RuntimeError("progress did not follow the code")
    with tally.lock:
        tally.journeys += 1


def run_load(database: str, learners: int, seconds: int, work: Path) -> dict[str, object]:
    context = postgresql() if database == "postgresql" else None
    url = context.__enter__() if context else ""
    try:
        app = make_app(work / database, DATABASE_URL=url, CODE_CHECK_SECONDS=0.05)
        answers = quiz_answers(app, starter_quiz(app, "wages"))
        env = {"DATABASE_URL": url, "INSTANCE_PATH": str(work / database), "CODE_CHECK_SECONDS": "0.05",
               "RELOAD_LESSONS": "false"}
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
        expected = {"learners with a code": tally.journeys, "lesson rows": 2 * tally.journeys,
                    "completed lessons": tally.journeys, "quiz attempts": tally.journeys}
        server_errors = sum(count for status, count in tally.statuses.items() if status >= 500)
        return {"database": database, "journeys": tally.journeys, "requests": sum(tally.statuses.values()),
                "server_errors": server_errors, "client_problems": tally.problems, "stored": stored,
                "expected": expected, "statuses": dict(tally.statuses)}
    finally:
        if context:
            context.__exit__(None, None, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=64)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="course-app-load.") as scratch:
        for database in databases:
            print(f"{database}: {args.learners} learners for {args.seconds} s…", flush=True)
            outcomes.append(run_load(database, args.learners, args.seconds, Path(scratch)))
    lines = ["## Load test", "",
             f"`make loadtest` on {date.today().isoformat()}, {machine()}: {args.learners} simulated learners for "
             f"{args.seconds} s against gunicorn (2 workers × 4 threads), each repeating the whole journey with fresh "
             "browsers (read two lessons, pass the quiz, save a code, continue with it elsewhere).", "",
             "| database | journeys | requests | 5xx | client failures | lost or extra writes |", "|---|---|---|---|---|---|"]
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
    text = "\n".join(lines) + "\n"
    print(text)
    previous = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    RESULTS.write_text(previous.split("## Load test", 1)[0].rstrip() + "\n\n" + text, encoding="utf-8")
    if failed:
        raise SystemExit("load test FAILED: see above")


if __name__ == "__main__":
    main()
