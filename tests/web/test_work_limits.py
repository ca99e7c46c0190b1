"""The password-check gate: a sign-in holding the authenticator queues briefly; every other one never waits,
runs one at a time, leaves a slot free and takes only its share of the time."""

from __future__ import annotations

import threading
from contextlib import ExitStack

import pytest

from course_app.web.work_limits import Busy, PasswordCheckGate


class StepClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_guess_never_waits_and_always_leaves_a_slot_for_a_real_sign_in() -> None:
    gate = PasswordCheckGate(slots=2, queue=4, wait_seconds=30, unproven_share=1.0, now=StepClock())
    with gate.slot(proven=False):
        with pytest.raises(Busy):  # one guess at a time; the other slot stays for the queue
            with gate.slot(proven=False):
                pass
        with gate.slot(proven=True):  # a real sign-in takes the slot left free, at once
            with pytest.raises(Busy):
                with gate.slot(proven=False):
                    pass


def test_guesses_take_only_their_share_of_the_time() -> None:
    clock = StepClock()
    gate = PasswordCheckGate(slots=2, queue=4, wait_seconds=30, unproven_share=0.25, now=clock)
    with gate.slot(proven=False):
        clock.now += 0.25  # the check took a quarter of a second
    for moment in (0.0, 0.5, 0.625):  # 3 × 0.25 s must pass before the next guess
        clock.now = 1000.25 + moment
        with pytest.raises(Busy):
            with gate.slot(proven=False):
                pass
    with gate.slot(proven=True):  # real sign-ins are not held back by it
        pass
    clock.now = 1000.25 + 0.75
    with gate.slot(proven=False):
        pass


def test_a_real_sign_in_waits_in_a_short_queue_and_gets_the_next_slot() -> None:
    gate = PasswordCheckGate(slots=1, queue=1, wait_seconds=30, unproven_share=1.0, now=StepClock())
    got: list[str] = []
    with ExitStack() as held:
        held.enter_context(gate.slot(proven=True))
        waiter = threading.Thread(target=lambda: (gate.slot(proven=True).__enter__(), got.append("in")))
        waiter.start()
        with gate._condition:
            assert gate._condition.wait_for(lambda: gate._waiting == 1, timeout=30)
        with pytest.raises(Busy):  # the queue is full: the next one is answered at once
            with gate.slot(proven=True):
                pass
        with pytest.raises(Busy):  # a guess never overtakes the queue
            with gate.slot(proven=False):
                pass
        assert got == []
    waiter.join(timeout=30)
    assert got == ["in"]


def test_a_real_sign_in_gives_up_when_the_wait_runs_out() -> None:
    gate = PasswordCheckGate(slots=1, queue=1, wait_seconds=0.01, unproven_share=1.0, now=StepClock())
    with gate.slot(proven=True), pytest.raises(Busy):
        with gate.slot(proven=True):
            pass
    assert gate._waiting == 0 and gate._running == 0
