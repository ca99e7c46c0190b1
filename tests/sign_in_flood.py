"""A flood of wrong staff sign-ins, with real staff signing in and a learner reading meanwhile.

Used by the acceptance test (tests/staff/test_flood.py, generous limits) and by ``make loadtest``
(bench/loadtest.py, the real targets). The flood runs in a process of its own, so that its threads
never hold the measuring process's interpreter: 16 threads, each request from a new browser (no
cookie), with a new form token and a new random name, password and code (or none).
"""

from __future__ import annotations

import multiprocessing
import random
import string
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import pyotp
from flask import Flask

from course_app.db import get_session
from course_app.domain.staff_accounts import add_staff, seal_totp_secret
from course_app.models import StaffRole
from course_app.staff.passwords import server_password_hasher
from tests.serving import Browser

FLOODERS = 16
STAFF_ACCOUNTS = 10
PASSWORD = "correct horse battery staple"


def enrolled_accounts(app: Flask, count: int = STAFF_ACCOUNTS) -> dict[str, str]:
    """``count`` enrolled coordinator accounts made through the domain code: name → authenticator secret."""
    secrets: dict[str, str] = {}
    with app.app_context():
        session = get_session()
        for number in range(count):
            name = f"staff-{number}"
            member = add_staff(session, name, StaffRole.COORDINATOR, PASSWORD, (), date(2026, 1, 1),
                               server_password_hasher(app))
            secrets[name] = pyotp.random_base32()
            member.totp_secret = seal_totp_secret(secrets[name], app.config["STAFF_TOTP_KEY"])
            member.totp_enrolled = True
        session.commit()
    return secrets


def _flood_thread(base: str, stop: threading.Event, statuses: Counter[int], lock: threading.Lock) -> None:
    chooser = random.SystemRandom()
    while not stop.is_set():
        browser = Browser(base)  # no cookie kept from one try to the next
        try:
            token = browser.token("/staff/login")
            name = "".join(chooser.choice(string.ascii_lowercase) for _ in range(10))
            code = chooser.choice(["", f"{chooser.randrange(1_000_000):06d}"])
            status, _ = browser.request("/staff/login", {"csrf_token": token, "name": name, "code": code,
                                                          "password": "".join(chooser.choices(string.ascii_letters,
                                                                                              k=16))})
        except (OSError, AssertionError):
            status = 0
        with lock:
            statuses[status] += 1


def _flood(base: str, seconds: float, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """The flood process: ``FLOODERS`` threads for ``seconds``; puts its status counts on ``results``."""
    stop = threading.Event()
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    threads = [threading.Thread(target=_flood_thread, args=(base, stop, statuses, lock)) for _ in range(FLOODERS)]
    for thread in threads:
        thread.start()
    results.put(("started", 0))
    stop.wait(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    results.put(("statuses", dict(statuses)))


@dataclass
class FloodOutcome:
    """What the staff and the learner saw during the flood."""

    sign_in_seconds: dict[str, float]  # each account: how long its sign-in took (inf: refused)
    learner_timings: list[float]
    flood_statuses: dict[int, int] = field(default_factory=dict)

    def learner_percentile(self, share: float) -> float:
        ordered = sorted(self.learner_timings)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("inf")

    @property
    def slowest_sign_in(self) -> float:
        return max(self.sign_in_seconds.values())


def run_sign_in_flood(base: str, secrets: dict[str, str], seconds: float) -> FloodOutcome:
    """Flood ``base`` for ``seconds``; a third of the way in every account signs in; a learner reads throughout."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    flood = context.Process(target=_flood, args=(base, seconds, results), daemon=True)
    learner = Browser(base)
    learner.request("/en/trade-unions/study-safely/done", {})  # an action: every page of theirs reaches the app
    flood.start()
    assert results.get(timeout=120)[0] == "started"
    started = time.monotonic()
    timings: list[float] = []
    signed: dict[str, float] = {}
    lock = threading.Lock()

    def sign_in(name: str, secret: str) -> None:
        browser = Browser(base)
        begun = time.monotonic()
        token = browser.token("/staff/login")
        status, _ = browser.request("/staff/login", {"csrf_token": token, "name": name, "password": PASSWORD,
                                                     "code": pyotp.TOTP(secret).now()}, timeout=60)
        with lock:
            signed[name] = time.monotonic() - begun if status == 303 else float("inf")

    staff = [threading.Thread(target=sign_in, args=item) for item in secrets.items()]
    staff_started = False
    while time.monotonic() - started < seconds:
        if not staff_started and time.monotonic() - started >= seconds / 3:
            for thread in staff:
                thread.start()
            staff_started = True
        begun = time.perf_counter()
        status, _ = learner.request("/en/trade-unions/wages")
        timings.append(time.perf_counter() - begun if status == 200 else float("inf"))
    for thread in staff:
        thread.join()
    statuses = results.get(timeout=120)[1]
    flood.join(timeout=60)
    return FloodOutcome(signed, timings, statuses)
