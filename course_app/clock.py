"""The one source of "now" for the whole app, so tests can move time instead of sleeping.

Learner activity is stored at day precision only (S3): code that records a learner's action
asks for ``today()``; code that must measure seconds (session expiry kept in the encrypted
cookie, staff sessions, throttle windows, TOTP) asks for ``timestamp()`` or ``now()``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import Flask, current_app


class Clock:
    """Wall-clock time in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def timestamp(self) -> float:
        return self.now().timestamp()

    def today(self) -> date:
        return self.now().date()


class ShiftedClock(Clock):
    """The real clock moved by a number of seconds (tests move it forward instead of sleeping)."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.seconds = seconds

    def advance(self, seconds: float) -> None:
        self.seconds += seconds

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.seconds)


class ManualClock(Clock):
    """A clock that stands still until it is moved: time passes in a test only when the test says so."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)

    def now(self) -> datetime:
        return self.at


def clock(app: Flask | None = None) -> Clock:
    """The clock of this app (``app`` or the current one)."""
    found: Clock = (app or current_app).extensions["course_app.clock"]
    return found


def init_app(app: Flask) -> None:
    app.extensions.setdefault("course_app.clock", Clock())
