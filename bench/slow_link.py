"""A lesson's first view over a slow link, before and after the style went inside the page: Chromium's own
network emulation (800 ms latency, 40 KB/s each way), time to first contentful paint.

Both versions run side by side in one run, each under gunicorn with the project's settings: the code of a
commit (by default the parent of the commit that put the style inside the page, when stylesheets were files
kept a year in the browser's cache) and the code of this working tree. Each view is a fresh browser context
(nothing cached), alternating between the two; the figure is the median.

    .venv/bin/python -m bench.slow_link [--before 59adf01^] [--views 7] [--path /en/trade-unions/wages]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from bench.fixtures import ROOT, SECRETS, machine, replace_section
from bench.servers import gunicorn

BIN = Path(sys.executable).parent
HEADING = "## A lesson's first view over a slow link"
LATENCY_MS = 800
BYTES_PER_SECOND = 40 * 1024
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@contextmanager
def server_of(tree: Path, work: Path) -> Iterator[str]:
    """gunicorn serving the code of ``tree`` (2 workers × 4 threads, its own migrated database); its address."""
    instance = work / "instance"
    env = {"PYTHONPATH": str(tree), "INSTANCE_PATH": str(instance),
           "LESSONS_DIR": str(tree / "lessons"), "RELOAD_LESSONS": "false", "LESSON_CACHE_DIR": str(work / "cache")}
    subprocess.run([sys.executable, "-c", "from course_app import create_app; from course_app.db import "
                                          "upgrade_database; upgrade_database(create_app())"],
                   cwd=tree, env={**os.environ, **SECRETS, **env}, check=True, capture_output=True)
    with gunicorn("course_app:create_app()", env, ready_path="/en/", tree=tree) as server:
        yield server.url


def first_contentful_paint(browser, url: str) -> tuple[float, int, int]:  # type: ignore[no-untyped-def]
    """Milliseconds to first contentful paint of ``url`` in a fresh context over the emulated slow link; with the
    requests made and the bytes received."""
    context = browser.new_context()
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": LATENCY_MS,
                                                  "downloadThroughput": BYTES_PER_SECOND,
                                                  "uploadThroughput": BYTES_PER_SECOND})
    received = []
    cdp.on("Network.loadingFinished", lambda event: received.append(event["encodedDataLength"]))
    page.goto(url, wait_until="load", timeout=120_000)
    paint = page.evaluate("""() => new Promise(resolve => {
        const found = () => performance.getEntriesByName('first-contentful-paint')[0];
        if (found()) { resolve(found().startTime); return; }
        new PerformanceObserver(() => { if (found()) resolve(found().startTime); })
            .observe({type: 'paint', buffered: true});
    })""")
    context.close()
    return float(paint), len(received), int(sum(received))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", default="59adf01^", help="the commit measured as 'before'")
    parser.add_argument("--views", type=int, default=7, help="first views of each version (the median is reported)")
    parser.add_argument("--path", default="/en/trade-unions/wages", help="the lesson measured")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="course-app-slow-link.") as scratch:
        work = Path(scratch)
        before_tree = work / "before"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(before_tree), args.before],
                       check=True, capture_output=True)
        commit = subprocess.run(["git", "-C", str(before_tree), "rev-parse", "--short", "HEAD"], check=True,
                                capture_output=True, text=True).stdout.strip()
        try:
            (work / "b").mkdir()
            (work / "a").mkdir()
            with server_of(before_tree, work / "b") as before, server_of(ROOT, work / "a") as after, \
                    sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                                     args=CHROMIUM_ARGS)
                results: dict[str, list[tuple[float, int, int]]] = {"before": [], "after": []}
                for _ in range(args.views):
                    results["before"].append(first_contentful_paint(browser, before + args.path))
                    results["after"].append(first_contentful_paint(browser, after + args.path))
                browser.close()
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(before_tree)],
                           check=False, capture_output=True)
    lines = [HEADING, "",
             f"`python -m bench.slow_link` on {date.today().isoformat()}, {machine()}: the lesson {args.path} opened "
             f"{args.views} times by each version in a fresh Chromium context (nothing cached), over Chromium's own "
             f"network emulation ({LATENCY_MS} ms latency, {BYTES_PER_SECOND // 1024} KB/s each way), both servers "
             "side by side under gunicorn with the project's settings, views alternating. Time to first contentful "
             "paint from the Paint Timing API.", "",
             f"| version | first contentful paint (median of {args.views}) | fastest | slowest | requests before load "
             "| bytes received |",
             "|---|---|---|---|---|---|"]
    for name, label in (("before", f"before ({commit}: stylesheet and script as files kept a year)"),
                        ("after", "after (style and script inside the page, everything no-store)")):
        paints = [paint for paint, _requests, _bytes in results[name]]
        _paint, requests, received = results[name][-1]
        lines.append(f"| {label} | {statistics.median(paints):,.0f} ms | {min(paints):,.0f} ms | {max(paints):,.0f} ms "
                     f"| {requests} | {received / 1000:.1f} KB |")
    lines += ["", "The stylesheet blocks the first paint: before, it was a second request, a second round trip of the "
                  "slow link; now it comes with the page. (The icon is fetched when Chromium chooses, after the page "
                  "has loaded.)", ""]
    section = "\n".join(lines)
    print(section)
    replace_section(HEADING, section)


if __name__ == "__main__":
    main()
