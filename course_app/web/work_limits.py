"""Bounds on expensive work, so that cheap requests cannot stall the site (S13).

A staff sign-in runs Argon2 (about 0.7 s of two cores' time, for a right or a wrong name alike),
and a flood of sign-ins with random names would otherwise take every worker thread while
learners wait. Each kind of costly check gets a few slots per server process; a request that
finds them all taken is answered at once with "busy, try again in a moment" (503) instead of
parking a thread to wait. Nobody is locked out: the next try a second later may get a slot.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app


class Busy(Exception):
    """Every slot for this kind of work is taken right now; try again in a moment."""


class ConcurrencyLimit:
    """At most ``slots`` pieces of one kind of work at once in this process; never waits for a slot."""

    def __init__(self, slots: int) -> None:
        self.slots = slots
        self._semaphore = threading.BoundedSemaphore(slots)

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold a slot for the ``with`` block.

        :raises Busy: when every slot is taken.
        """
        if not self._semaphore.acquire(blocking=False):
            raise Busy
        try:
            yield
        finally:
            self._semaphore.release()


def limit(name: str) -> ConcurrencyLimit:
    """The app's limit called ``name`` ("password_checks" or "code_checks")."""
    found: ConcurrencyLimit = current_app.extensions["course_app.web.work_limits"][name]
    return found


def init_app(app: Flask) -> None:
    app.extensions["course_app.web.work_limits"] = {
        "password_checks": ConcurrencyLimit(app.config["PASSWORD_CHECKS_AT_ONCE"]),
        "code_checks": ConcurrencyLimit(app.config["CODE_CHECKS_AT_ONCE"]),
    }
