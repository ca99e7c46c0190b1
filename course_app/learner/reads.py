"""Anonymous reads: how many times each lesson page was opened, per language and day — and nothing else.

Reading creates no learner and no cookie (S5), so a reader who never acts would be counted
nowhere. This counter keeps a bare number per lesson, language and day: no id, no cookie, no
time finer than the day. Counts are added up in memory and written in batches by a thread of
each server process (every ``FLUSH_SECONDS``, and when the process exits), so reading stays as
fast as serving a file. A request whose User-Agent declares a crawler is not counted; the
header is read, never stored. Pages a front server's cache answers never reach the app and are
not counted (docs/statistics.md says so).
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import threading
import weakref
from collections import Counter
from datetime import date, timedelta

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from ..clock import clock
from ..db import add_to_counter, database
from ..models import LessonReadDay

log = logging.getLogger("course_app.reads")
FLUSH_SECONDS = 10.0
CRAWLER = re.compile(r"bot\b|bot/|crawl|spider|slurp|archiver|facebookexternalhit|scrapy|python-|curl/|wget/", re.I)
EPOCH = date(1970, 1, 1)


class ReadCounter:
    """Reads counted in this process and not yet written: (course, lesson, language, day number) → count."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._counts: Counter[tuple[str, str, str, int]] = Counter()
        self._lock = threading.Lock()
        self._writer_pid: int | None = None
        self._closed = threading.Event()

    def count(self, course_slug: str, lesson_slug: str, lang: str, user_agent: str) -> None:
        """Count one read, unless the browser says it is a crawler."""
        if CRAWLER.search(user_agent):
            return
        day = int(clock(self.app).timestamp() // 86400)
        with self._lock:
            self._counts[(course_slug, lesson_slug, lang, day)] += 1
            if self._writer_pid != os.getpid():
                self._start_writer()

    def _start_writer(self) -> None:
        self._writer_pid = os.getpid()
        threading.Thread(target=_write_now_and_then, args=(weakref.ref(self), self._closed),
                         name="lesson-reads-writer", daemon=True).start()

    def close(self) -> None:
        """Write what is pending and stop the writer thread."""
        self._closed.set()
        self.flush()

    def flush(self) -> int:
        """Write what was counted (added to what is stored); returns how many rows were touched."""
        with self._lock:
            pending, self._counts = self._counts, Counter()
        if not pending:
            return 0
        session = database(self.app).sessions()
        try:
            for (course_slug, lesson_slug, lang, day), reads in sorted(pending.items()):
                add_to_counter(session, LessonReadDay, {"course_slug": course_slug, "lesson_slug": lesson_slug,
                                                        "lang": lang, "day": EPOCH + timedelta(days=day)},
                               {"reads": reads})
            session.commit()
        except SQLAlchemyError as error:
            session.rollback()
            log.error("could not write %d read count(s) (%s); they are kept for the next try",
                      len(pending), type(error).__name__)
            with self._lock:
                self._counts.update(pending)
            return 0
        finally:
            session.close()
        return len(pending)


def _write_now_and_then(counter_ref: weakref.ref[ReadCounter], closed: threading.Event) -> None:
    """The writer thread: every ``FLUSH_SECONDS`` until the counter is closed or gone (held weakly,
    so an app no longer used is collected and its writer ends)."""
    while not closed.wait(FLUSH_SECONDS):
        counter = counter_ref()
        if counter is None:
            return
        counter.flush()
        del counter


def _close_if_alive(counter_ref: weakref.ref[ReadCounter]) -> None:
    """At exit: write what the process counted (its app, if still in use, has its counter)."""
    counter = counter_ref()
    if counter is not None:
        counter.close()


def read_counter(app: Flask) -> ReadCounter:
    counter: ReadCounter = app.extensions["course_app.reads"]
    return counter


def count_read(app: Flask, course_slug: str, lesson_slug: str, lang: str, user_agent: str) -> None:
    """Count one read of a lesson page (see the module docstring for what is and is not kept)."""
    read_counter(app).count(course_slug, lesson_slug, lang, user_agent)


def init_app(app: Flask) -> None:
    counter = ReadCounter(app)
    app.extensions["course_app.reads"] = counter
    atexit.register(_close_if_alive, weakref.ref(counter))
