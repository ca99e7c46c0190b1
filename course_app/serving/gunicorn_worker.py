"""A gunicorn worker whose own error pages carry the site's security headers and say nothing more.

When a request is refused before the app sees it (a request line over the limit: 414; header
fields over the limit: 431; a malformed request: 400), gunicorn writes a small page of its
own, which echoes part of the request and lacks every header the app sets (S6). This worker
lets gunicorn decide the status as usual, then sends a plain page with the same fixed headers
as the app's responses and ``no-store`` instead.
"""

from __future__ import annotations

import html
from typing import Any

from gunicorn.util import write_nonblock
from gunicorn.workers.gthread import ThreadWorker

from ..web.headers import FIXED_HEADERS, NEVER_KEEP, PLAIN_POLICY


class _CapturedSocket:
    """Stands in for the client's socket while gunicorn writes its own error page, to learn its status."""

    def __init__(self) -> None:
        self.data = b""

    def gettimeout(self) -> float:
        return 0.0

    def setblocking(self, _flag: bool) -> None:
        """Nothing to change: nothing is sent from here."""

    def sendall(self, data: bytes) -> None:
        self.data += data


def error_page(status_line: str) -> bytes:
    """A complete HTTP response for ``status_line`` ("414 URI Too Long"), with the app's fixed headers."""
    body = (f"<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>{html.escape(status_line)}</title>"
            f"<h1>{html.escape(status_line)}</h1><p>The request could not be read.</p></html>").encode()
    headers = {**FIXED_HEADERS, "Content-Security-Policy": PLAIN_POLICY, "Cache-Control": NEVER_KEEP,
               "Content-Type": "text/html; charset=utf-8", "Content-Length": str(len(body)), "Connection": "close"}
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return f"HTTP/1.1 {status_line}\r\n{head}\r\n".encode("latin-1") + body


class HeadersThreadWorker(ThreadWorker):
    """gunicorn's threaded worker, with error pages that carry the security headers."""

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        captured = _CapturedSocket()
        super().handle_error(req, captured, addr, exc)
        first_line = captured.data.split(b"\r\n", 1)[0].decode("latin-1")
        status_line = first_line.split(" ", 1)[1] if " " in first_line else "500 Internal Server Error"
        try:
            write_nonblock(client, error_page(status_line))
        except OSError:
            self.log.debug("Failed to send error message.")
