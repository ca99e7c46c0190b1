"""A learner's page is the reader's page with the learner's own parts put in: rendered once, filled per request.

A lesson page differs between a reader and a learner only in a few small parts (the "done" mark and
its form, the quiz's best score, a message after an action); the progress page only in the courses
the learner has started, their marks and the state of two forms. Rendering the whole template again
for each learner would cost more than everything else a request does. So such a page is rendered
once per catalogue generation with a marker where each personal part goes (``Slots.mark`` in the
template), and kept as the text between the markers (``SlottedPage``). A request joins that text
with its own parts, each one already-escaped HTML made by the template's own macros
(``learner/_personal.html``), so a part looks exactly as the whole template would have drawn it.

The reader gets the very same page filled with a reader's parts, and ReaderPages keeps those bytes
(page_cache.py). Everything here belongs to the catalogue generation (``Generation.cache``): a
reload renders anew, and the old pages go with the old generation. The educators' preview renders
every page afresh, since it shows the files as they are on disk.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import current_app, get_flashed_messages, get_template_attribute, render_template, session
from markupsafe import Markup

from ..content import current_generation

# A process's own marker: lesson text cannot contain it, since it cannot guess it.
_NONCE = secrets.token_hex(8)
_MARK = re.compile(f"\x00{_NONCE}:([a-z0-9_]+)\x00")
MAX_KEPT = 4096
T = TypeVar("T")
PERSONAL_MACROS = "learner/_personal.html"


class Slots:
    """Where a slotted template puts a personal part: ``{{ slots.mark("best_score") }}``, or ``{{ parts.save }}``
    for a template that is given either the parts themselves or these markers."""

    def mark(self, name: str) -> Markup:
        """The marker of the part called ``name``."""
        return Markup(f"\x00{_NONCE}:{name}\x00")  # nosec B704 - a fixed marker, removed before anything is sent

    def __getattr__(self, name: str) -> Markup:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.mark(name)


@dataclass(frozen=True)
class SlottedPage:
    """A rendered page cut at its personal parts: text, a part's name, text, …, text."""

    pieces: tuple[str, ...]   # the texts between the parts (one more than the names)
    names: tuple[str, ...]    # the part that goes after each text but the last

    @classmethod
    def cut(cls, html: str) -> SlottedPage:
        """Cut rendered HTML at its markers."""
        split = _MARK.split(html)
        return cls(tuple(split[0::2]), tuple(split[1::2]))

    def fill(self, parts: Mapping[str, str]) -> str:
        """The page with each named part put in (``parts`` holds HTML, escaped already)."""
        out = [self.pieces[0]]
        for name, text in zip(self.names, self.pieces[1:], strict=True):
            out.append(parts[name])
            out.append(text)
        return "".join(out)


class KeptParts:
    """A bounded, thread-safe map of what one generation rendered once (least recently used goes)."""

    def __init__(self, size: int = MAX_KEPT) -> None:
        self._kept: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def get(self, key: Hashable) -> Any:
        """What is kept under ``key``, or None."""
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key]
            return None

    def get_or_make(self, key: Hashable, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key]
        made = make()  # outside the lock: two threads may render the same page once each, never a wrong one
        with self._lock:
            self._kept[key] = made
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)
        return made


def _kept() -> KeptParts | None:
    """This generation's rendered pages and parts; None in the preview, which renders every page afresh."""
    if current_app.config.get("PREVIEW"):
        return None
    return current_generation().cache("page_parts", KeptParts)


def _made_once(key: Hashable, make: Callable[[], T]) -> T:
    """What ``make()`` makes, kept per generation under ``key`` (made afresh in the preview)."""
    kept_parts = _kept()
    made: T = make() if kept_parts is None else kept_parts.get_or_make(key, make)
    return made


def _found(key: Hashable) -> Any:
    """What is kept under ``key`` in this generation, or None (always None in the preview)."""
    kept_parts = _kept()
    return None if kept_parts is None else kept_parts.get(key)


def slotted_page(key: Hashable, template: str, context: Callable[[], Mapping[str, Any]]) -> SlottedPage:
    """The page ``template`` renders with ``context()``, cut at its personal parts; rendered once per generation.

    :param key: everything the page depends on besides the generation (the address, its language, its query).
    :param context: makes the template's variables (called only when the page is rendered).
    """
    def render() -> SlottedPage:
        slots = Slots()
        return SlottedPage.cut(render_template(template, slots=slots, parts=slots, **context()))

    return _made_once(("page", template, key), render)


LESSON_TEMPLATE = "learner/lesson.html"


def lesson_page_key(path: str, size: str | None, has_query: bool) -> tuple[str, str | None, bool]:
    """What a lesson page shows besides the generation: its address, the video size asked for, and whether the
    address has a query at all (such an address is not to be indexed)."""
    return (path, size, has_query)


def best_score_key(lang: str, score: int) -> tuple[str, int]:
    """What the best-score part of a lesson page shows."""
    return (lang, score)


def lesson_actions_key(lang: str, course_slug: str, lesson_slug: str, completed: bool) -> tuple[str, str, str, bool]:
    """What the "done" part of a lesson page shows: the mark (and the way on) or the form."""
    return (lang, course_slug, lesson_slug, completed)


def rendered_page(key: Hashable, template: str) -> SlottedPage | None:
    """The page ``slotted_page`` kept under ``key``, if it rendered it in this generation (None in the preview)."""
    found: SlottedPage | None = _found(("page", template, key))
    return found


def drawn_part(key: Hashable, macro: str) -> str | None:
    """The part ``personal_part`` kept under ``key``, if it drew it in this generation (None in the preview)."""
    found: str | None = _found(("part", (macro, key)))
    return found


# Learners' own quiz draws (a new one after every attempt) are kept apart from the pages and parts, so that
# answering quizzes never pushes the kept pages out.
MAX_KEPT_DRAWS = 1024


def kept_draw(key: Hashable, make: Callable[[], T]) -> T:
    """A learner's own quiz draw, made once per generation under ``key`` (made afresh in the preview)."""
    if current_app.config.get("PREVIEW"):
        return make()
    draws = current_generation().cache("quiz_draws", lambda: KeptParts(MAX_KEPT_DRAWS))
    found: T = draws.get_or_make(key, make)
    return found


def kept(key: Hashable, make: Callable[[], T]) -> T:
    """What ``make()`` makes of this generation's files, made once per generation under ``key`` (made afresh
    in the preview)."""
    return _made_once(("value", key), make)


def kept_part(key: Hashable, make: Callable[[], str]) -> str:
    """A part made by ``make()``, kept per generation under ``key``, which must name everything it shows."""
    return _made_once(("part", key), make)


def personal_part(key: Hashable, macro: str, *args: Any) -> str:
    """A personal part drawn by the macro ``macro`` of ``learner/_personal.html`` with ``args``, kept per
    generation under ``key``, which must name everything the part shows (its arguments and the page's language).
    """
    return kept_part((macro, key), lambda: str(get_template_attribute(PERSONAL_MACROS, macro)(*args)))


def slotted_part(key: Hashable, macro: str, *args: Any) -> SlottedPage:
    """A piece drawn by the macro ``macro`` of ``learner/_personal.html`` with ``args`` and then a ``Slots``
    (its last argument), cut at its own parts; kept per generation under ``key``."""
    def render() -> SlottedPage:
        return SlottedPage.cut(str(get_template_attribute(PERSONAL_MACROS, macro)(*args, Slots())))

    return _made_once(("piece", macro, key), render)


class NotDrawnYet(LookupError):
    """A part an answer made before Flask needs was not drawn in this generation yet: the app answers instead."""


class DrawingParts:
    """Where a page's parts come from in the app: kept ones, and those not kept yet drawn now."""

    def piece(self, key: Hashable, macro: str, *args: Any) -> SlottedPage:
        return slotted_part(key, macro, *args)

    def personal(self, key: Hashable, macro: str, *args: Any) -> str:
        return personal_part(key, macro, *args)

    def part(self, key: Hashable, make: Callable[[], str]) -> str:
        return kept_part(key, make)


class DrawnParts(DrawingParts):
    """The parts this generation has drawn already, and nothing else (an answer made before Flask, which has no
    request to draw with): a part not drawn yet raises NotDrawnYet. The keys are those ``DrawingParts`` keeps
    its parts under, so both find the same part."""

    def __init__(self, kept: KeptParts) -> None:
        self._kept = kept

    @classmethod
    def of_this_generation(cls) -> DrawnParts | None:
        """The parts kept in this generation (None in the preview, which keeps none)."""
        kept = _kept()
        return None if kept is None else cls(kept)

    def _found(self, key: Hashable) -> Any:
        found = self._kept.get(key)
        if found is None:
            raise NotDrawnYet(key)
        return found

    def piece(self, key: Hashable, macro: str, *args: Any) -> SlottedPage:
        piece: SlottedPage = self._found(("piece", macro, key))
        return piece

    def personal(self, key: Hashable, macro: str, *args: Any) -> str:
        part: str = self._found(("part", (macro, key)))
        return part

    def part(self, key: Hashable, make: Callable[[], str]) -> str:
        part: str = self._found(("part", key))
        return part


def messages_part() -> str:
    """The messages an action left for this page (shown once, then gone), drawn as every page draws them."""
    if "_flashes" not in session:
        return ""
    return str(get_template_attribute(PERSONAL_MACROS, "messages")(get_flashed_messages(with_categories=True)))
