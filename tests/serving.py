"""Helpers for tests that run the app as real server processes (gunicorn) and talk HTTP to them."""

from __future__ import annotations

import http.cookiejar
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import PROJECT_DIR, SHARED_LESSON_CACHE, TEST_SECRETS
from tests.helpers import CSRF

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ServerProcess:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 40) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=timeout)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_server(command: list[str], env: dict[str, str], log_path: Path, port: int) -> ServerProcess:
    """Start a server process and wait until it answers."""
    environment = {**os.environ, **TEST_SECRETS, "LESSON_CACHE_DIR": SHARED_LESSON_CACHE, **env, "PORT": str(port),
                   "HOST": "127.0.0.1"}
    handle = log_path.open("wb")
    process = subprocess.Popen(command, cwd=PROJECT_DIR, env=environment, stdout=handle, stderr=subprocess.STDOUT)
    server = ServerProcess(process, port, log_path)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{server.log()}")
        try:
            with urllib.request.urlopen(f"{server.url}/en/", timeout=2):
                return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"server did not start:\n{server.log()}")


def gunicorn(env: dict[str, str], log_path: Path, workers: int = 1) -> ServerProcess:
    port = free_port()
    return start_server([str(BIN / "gunicorn"), "-c", "python:course_app.gunicorn_config", "--workers", str(workers),
                         "course_app:create_app()"], env, log_path, port)


@dataclass
class Browser:
    """A tiny HTTP client with its own cookie jar, like one browser."""

    base: str
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)
    extra_headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def request(self, path: str, data: dict[str, object] | None = None, timeout: float = 30) -> tuple[int, str]:
        """GET, or POST ``data`` as a form (a list value sends the field once per item, like ticked boxes)."""
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers=self.extra_headers)
        if body is not None and "Sec-Fetch-Site" not in self.extra_headers:
            request.add_header("Sec-Fetch-Site", "same-origin")  # as a browser sends it with a form of this site
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def cookie_header(self) -> str:
        """The Cookie header this browser sends (for load generators that replay a request)."""
        return "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.jar)

    def token(self, path: str) -> str:
        status, html = self.request(path)
        match = CSRF.search(html)
        assert match, (path, status)
        return match.group(1)
