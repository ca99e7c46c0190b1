"""Bounds on expensive work, so that cheap requests cannot stall the site (S13).

A staff password check runs Argon2 (about a fifth of a second of one core, for a right or a wrong
name alike). A flood of sign-ins with random names would otherwise take every worker thread and
every core while learners wait, and crowd real staff out of the checks. So, per server process:

- **Password checks** (``PasswordCheckGate``): at most ``PASSWORD_CHECKS_AT_ONCE`` at once. A
  sign-in that passed the cheap check first — it carries one of the account's current
  authenticator codes, which only whoever holds the authenticator can type — may wait in a short
  queue (``PASSWORD_CHECK_QUEUE`` places, ``PASSWORD_CHECK_WAIT_SECONDS`` at most) for a slot.
  Every other sign-in (a guess, an unknown name, a first sign-in without a code) never waits: it
  gets a slot only if one is free at once, leaving one for the queue, one at a time, and only
  within ``PASSWORD_GUESS_SHARE`` of the time (at the default quarter: after a check that took t
  seconds, the next such check may start 3t later). Otherwise it is answered at once: busy, try
  again in a moment. A flood is made of
  such sign-ins, so it costs at most a quarter of one core per process and never stands in front
  of a real member of staff — whatever names it uses, known ones included.
- **Learner-code checks** (``ConcurrencyLimit``): a few at once; more are answered "busy" at once.

No learner request ever waits for either.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
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


class PasswordCheckGate:
    """Who runs an Argon2 check now in this process: proven sign-ins queue briefly, the rest never wait."""

    def __init__(self, slots: int, queue: int, wait_seconds: float, unproven_share: float,
                 now: Callable[[], float] = time.monotonic) -> None:
        """:param unproven_share: the share of time (0 to 1) checks without a current code may take, one at a time.
        :param now: the clock that share is measured with (real time; tests give their own).
        """
        self.slots = slots
        self.queue = queue
        self.wait_seconds = wait_seconds
        self._now = now
        self._pause_factor = 1 / unproven_share - 1
        self._condition = threading.Condition()
        self._running = 0
        self._waiting = 0
        self._unproven_running = 0
        self._unproven_not_before = float("-inf")

    @property
    def unproven_slots(self) -> int:
        """How many unproven checks may run at once: all slots but one, which stays for the queue (at least one)."""
        return max(1, self.slots - 1)

    def refuses_unproven_now(self) -> bool:
        """Whether a sign-in without a current code would be answered "busy" now (a peek: ``slot`` decides)."""
        with self._condition:
            return self._unproven_refused()

    def _unproven_refused(self) -> bool:
        """(With the condition held.) No slot free at once for a sign-in without a current code."""
        return (self._running >= self.slots or bool(self._waiting)
                or self._unproven_running >= self.unproven_slots or self._now() < self._unproven_not_before)

    @contextmanager
    def slot(self, *, proven: bool) -> Iterator[None]:
        """Hold a slot for one password check.

        :param proven: the sign-in passed the cheap check (a current authenticator code).
        :raises Busy: when no slot can be had (at once, or for a proven sign-in within the wait).
        """
        with self._condition:
            if proven:
                self._wait_for_a_slot()
            elif self._unproven_refused():
                raise Busy
            else:
                self._unproven_running += 1
            self._running += 1
        started = self._now()
        try:
            yield
        finally:
            with self._condition:
                self._running -= 1
                if not proven:
                    self._unproven_running -= 1
                    finished = self._now()
                    self._unproven_not_before = max(self._unproven_not_before,
                                                    finished + (finished - started) * self._pause_factor)
                self._condition.notify_all()

    def _wait_for_a_slot(self) -> None:
        """Wait (the condition held) for a free slot, in a queue of at most ``queue``, for at most the wait.

        :raises Busy: when the queue is full or the wait runs out.
        """
        if self._running < self.slots:
            return
        if self._waiting >= self.queue:
            raise Busy
        self._waiting += 1
        self._condition.notify_all()  # whoever watches the queue (a test, say) sees it grow
        try:
            deadline = time.monotonic() + self.wait_seconds  # a real wait, whatever clock the app keeps
            while self._running >= self.slots:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise Busy
                self._condition.wait(remaining)
        finally:
            self._waiting -= 1


def limit(name: str) -> ConcurrencyLimit:
    """The app's limit called ``name`` ("code_checks")."""
    found: ConcurrencyLimit = current_app.extensions["course_app.web.work_limits"][name]
    return found


def password_checks() -> PasswordCheckGate:
    """This app's gate for staff password checks."""
    gate: PasswordCheckGate = current_app.extensions["course_app.web.password_checks"]
    return gate


def init_app(app: Flask) -> None:
    app.extensions["course_app.web.work_limits"] = {
        "code_checks": ConcurrencyLimit(app.config["CODE_CHECKS_AT_ONCE"]),
    }
    app.extensions["course_app.web.password_checks"] = PasswordCheckGate(
        app.config["PASSWORD_CHECKS_AT_ONCE"], app.config["PASSWORD_CHECK_QUEUE"],
        app.config["PASSWORD_CHECK_WAIT_SECONDS"], app.config["PASSWORD_GUESS_SHARE"])
