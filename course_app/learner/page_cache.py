"""Pages every reader gets alike, kept whole in memory and sent without running Flask at all.

Reading sets no cookie and keeps nothing per visitor (S5), so a visitor without a session gets
exactly the same bytes for the catalogue, a course, a lesson, a quiz page, the safety page and
the progress page. A view says so by marking its response shareable (``mark_shareable``); the
``ReaderPages`` middleware, in front of the app, keeps such a response whole — status, headers
(the security headers included), body, gzipped or not — and sends the next reader of the same
address those bytes straight from memory.

Only what was validated enters a key: the address, the query (a view marks a page shareable
only when its query string is empty or holds values it knows, such as a video size the lesson
has), the scheme (HSTS is sent over HTTPS only) and whether the reader accepts gzip. The pages
belong to a catalogue generation (content/store.py): a reload starts an empty set, and the old
one goes with its generation. Learners with a session, staff, the educators' preview and
anything with a cookie of this site always go through the app.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app
from werkzeug.http import parse_cookie
from werkzeug.wrappers import Response

from ..clock import clock
from ..content import catalogue_store
from .identity import browser_session
from .learner_pages import steady_page
from .reads import count_read

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

MARKER = "X-Course-App-Shareable"
MAX_PAGES = 2048
CACHEABLE_METHODS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True)
class KeptPage:
    """One complete response, and the lesson whose read it counts (course, lesson, language) if any."""

    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    read: tuple[str, str, str] | None


class KeptPages:
    """A bounded, thread-safe map from a request's key to the page kept for it (least recently used goes)."""

    def __init__(self, size: int = MAX_PAGES) -> None:
        self._pages: OrderedDict[tuple[str, ...], KeptPage] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def get(self, key: tuple[str, ...]) -> KeptPage | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def keep(self, key: tuple[str, ...], page: KeptPage) -> None:
        with self._lock:
            self._pages[key] = page
            while len(self._pages) > self._size:
                self._pages.popitem(last=False)

    def __len__(self) -> int:
        return len(self._pages)


def reader_sees_shared_page() -> bool:
    """Whether this request gets the page every reader gets: no session, nothing to show, no preview."""
    return not current_app.config.get("PREVIEW") and not browser_session() and browser_session().token is None


def mark_shareable(response: Response, read: tuple[str, str, str] | None = None) -> Response:
    """Mark ``response`` as the page every reader of this address gets, if it is.

    :param read: for a lesson page, the lesson it counts a read of (course, lesson, language).
    """
    if reader_sees_shared_page():
        response.headers[MARKER] = "/".join(read) if read else "-"
    return response


def _key(environ: WSGIEnvironment, day: int) -> tuple[str, ...]:
    """What a kept page is found by; the UTC day is part of it, since quiz pages show the day's draw."""
    gzip = "gzip" in environ.get("HTTP_ACCEPT_ENCODING", "")
    return (environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""), environ.get("wsgi.url_scheme", "http"),
            "gzip" if gzip else "plain", str(day))


def _session_cookie(environ: WSGIEnvironment, name: str) -> str | None:
    """The value of this site's cookie, if the request carries it."""
    header = environ.get("HTTP_COOKIE")
    return parse_cookie(header).get(name) if header else None


class ReaderPages:
    """WSGI middleware: answers readers from the kept pages, and keeps the pages the app marks shareable."""

    def __init__(self, app: Flask, wsgi_app: WSGIApplication) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.cookie_name = app.config["SESSION_COOKIE_NAME"]

    def _pages(self) -> KeptPages:
        return catalogue_store(self.app).generation.cache("reader_pages", KeptPages)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        cookie = _session_cookie(environ, self.cookie_name)
        if cookie is not None:
            # A learner's lesson or progress page that changes nothing of their session: from the kept parts
            # (learner_pages.py).
            steady = steady_page(self.app, environ, cookie)
            if steady is not None:
                status, headers, body = steady
                start_response(status, headers)
                return [body]
            return self._through(environ, start_response, keep=False)
        if method not in CACHEABLE_METHODS or self.app.config.get("PREVIEW"):
            return self._through(environ, start_response, keep=False)
        pages = self._pages()
        key = _key(environ, int(clock(self.app).timestamp() // 86400))
        page = pages.get(key)
        if page is None:
            return self._through(environ, start_response, keep=True, pages=pages, key=key)
        if page.read is not None:
            count_read(self.app, *page.read, environ.get("HTTP_USER_AGENT", ""))
        start_response(page.status, list(page.headers))
        return [] if method == "HEAD" else [page.body]

    def _through(self, environ: WSGIEnvironment, start_response: StartResponse, *, keep: bool,
                 pages: KeptPages | None = None, key: tuple[str, ...] = ()) -> Iterable[bytes]:
        """Run the app; keep its response if it is marked shareable (the mark itself never leaves)."""
        seen: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], object]:
            marker = next((value for name, value in headers if name == MARKER), None)
            clean = [(name, value) for name, value in headers if name != MARKER]
            seen.update(status=status, headers=clean, marker=marker)
            return start_response(status, clean, exc_info)

        body = self.wsgi_app(environ, capture)
        marker = seen.get("marker")
        cookies = any(name.lower() == "set-cookie" for name, _value in seen.get("headers", ()))
        if not keep or marker is None or cookies or not str(seen.get("status", "")).startswith("200") \
                or environ.get("REQUEST_METHOD") != "GET":
            return body
        data = b"".join(_drain(body))
        parts = marker.split("/") if marker != "-" else []
        read = (parts[0], parts[1], parts[2]) if len(parts) == 3 else None
        assert pages is not None
        pages.keep(key, KeptPage(seen["status"], tuple(seen["headers"]), data, read))
        return [data]


def _drain(body: Iterable[bytes]) -> Iterator[bytes]:
    try:
        yield from body
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()


def init_app(app: Flask) -> None:
    """Put the kept pages in front of the app (inside ProxyFix, so the scheme is already the real one)."""
    app.wsgi_app = ReaderPages(app, app.wsgi_app)  # type: ignore[method-assign]  # Flask's documented way to wrap its WSGI app
