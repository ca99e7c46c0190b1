"""Rendered pages kept in memory for visitors without progress, who all see the same page.

A lesson page is the same for every newcomer except its small "mark as done" form, which
carries the visitor's own CSRF token. Such per-visitor parts are left as a marker in the
cached page and filled in for each request, so reading a lesson costs a dictionary lookup and
a string replacement instead of rendering the whole template. Visitors with progress (whose
pages show it) are rendered in full, as is everything in the educators' preview.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import current_app, session
from markupsafe import Markup

from ..content import current_catalogue
from .identity import current_learner

MAX_PAGES = 4096


class PageCache:
    """A bounded, thread-safe map from a page's key to its rendered HTML (least recently used goes)."""

    def __init__(self, size: int = MAX_PAGES) -> None:
        self._pages: OrderedDict[Hashable, str] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def get_or_render(self, key: Hashable, render: Callable[[], str]) -> str:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
                return page
        page = render()
        with self._lock:
            self._pages[key] = page
            while len(self._pages) > self._size:
                self._pages.popitem(last=False)
        return page


def hole(name: str) -> Markup:
    """The marker a per-visitor part leaves in a cached page."""
    return Markup(f"<!--course-app:{name}-->")  # nosec B704 - a fixed marker with our own part name


def fill(page: str, parts: dict[str, str]) -> str:
    for name, html in parts.items():
        page = page.replace(str(hole(name)), html)
    return page


def cacheable() -> bool:
    """Whether this request sees the page every newcomer sees."""
    return (not current_app.config.get("PREVIEW") and current_learner() is None
            and "_flashes" not in session)


def render_cached(key: Hashable, render: Callable[[Callable[[str], Markup]], str],
                  parts: dict[str, Callable[[], str]]) -> str:
    """The page for ``key``: from the cache with its per-visitor parts filled in, or rendered in full.

    :param render: renders the page, given a function that returns each part's place in it.
    :param parts: the per-visitor parts, rendered for this request.
    """
    if not cacheable():
        # Each part is the output of render_template, escaped by Jinja already.
        return render(lambda name: Markup(parts[name]()))  # nosec B704
    store: PageCache = current_app.extensions.setdefault("course_app.page_cache", PageCache())
    page = store.get_or_render((id(current_catalogue()), key), lambda: render(hole))
    return fill(page, {name: make() for name, make in parts.items()})
