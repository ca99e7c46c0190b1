"""Starting gunicorn for benchmarks and load tests, and a throwaway PostgreSQL server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.fixtures import ROOT, SECRETS
from tests.serving import free_port

BIN = Path(sys.executable).parent
GUNICORN_SETTINGS = ["--workers", "2", "--threads", "4"]  # the worker and logger classes come from the config


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []


@contextmanager
def gunicorn(app_spec: str, env: dict[str, str], ready_path: str = "/", tree: Path = ROOT) -> Iterator[Server]:
    """gunicorn with course_app's settings file and 2 workers × 4 threads, on a free loopback port, run in
    ``tree`` (this checkout, or another one's code to compare with). Its error log goes to the file
    ``BENCH_SERVER_LOG`` names, if set (an error under load shows only as a count in wrk's report)."""
    port = free_port()
    environment = {**os.environ, **SECRETS, **env}
    log_path = os.environ.get("BENCH_SERVER_LOG")
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115  # closed in the finally below
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "python:course_app.gunicorn_config", *GUNICORN_SETTINGS,
         "--bind", f"127.0.0.1:{port}", app_spec],
        cwd=tree, env=environment, stdout=subprocess.DEVNULL, stderr=log)
    server = Server(process, f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(server.url + ready_path, timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"{app_spec} did not start") from None
                time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=60)
        if not isinstance(log, int):
            log.close()


@contextmanager
def postgresql() -> Iterator[str]:
    """DATABASE_URL of a PostgreSQL server: the environment's, or a throwaway one started here."""
    given = os.environ.get("DATABASE_URL", "")
    if given.startswith("postgres"):
        yield given
        return
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    if not versions:
        raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql (or set DATABASE_URL)")
    pg_bin = versions[-1]
    root = Path(tempfile.mkdtemp(prefix="course-app-bench-pg."))
    port = free_port()
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(root, "postgres")
    run = lambda *command: subprocess.run([*as_postgres, *command], check=True, capture_output=True)  # noqa: E731
    run(str(pg_bin / "initdb"), "-D", str(root / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8",
        "--locale=C.UTF-8")
    run(str(pg_bin / "pg_ctl"), "-D", str(root / "data"), "-l", str(root / "log"), "-w", "start", "-o",
        f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c max_connections=200 -c fsync=on")
    try:
        run(str(pg_bin / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "course_bench")
        yield f"postgresql://postgres@127.0.0.1:{port}/course_bench"
    finally:
        subprocess.run([*as_postgres, str(pg_bin / "pg_ctl"), "-D", str(root / "data"), "-m", "fast", "-w", "stop"],
                       capture_output=True, check=False)
        shutil.rmtree(root, ignore_errors=True)
