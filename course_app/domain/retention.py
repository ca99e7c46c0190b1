"""How long learner data is kept, and removing what is past it (``course-app purge``, from cron).

- A learner **with** a saved code is kept until they have been away ``retention_days``
  (default 365): their code would otherwise stop working while they still rely on it.
- A learner **without** a code exists only for their browser session. Once that session has
  certainly ended — a day after their last visit, or ``remember_days`` after it if they asked
  to be remembered on the device — nobody can ever reach that progress again, so it goes.

Staff sessions past their idle limit and throttle counters past their window go too.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import Session

from ..models import Learner, StaffSession, ThrottleWindow
from .learners import delete_learner


@dataclass(frozen=True)
class Retention:
    retention_days: int
    session_hours: int
    remember_days: int
    staff_session_minutes: int
    throttle_window_seconds: int = 24 * 3600


@dataclass(frozen=True)
class PurgeResult:
    learners_with_code: int
    learners_without_code: int
    staff_sessions: int


def expired_learners(session: Session, today: date, rules: Retention) -> list[Learner]:
    """Learners whose data is past its time, oldest first."""
    session_days = max(1, math.ceil(rules.session_hours / 24))
    statement = select(Learner).where(or_(
        and_(Learner.code_hash.is_not(None), Learner.last_seen_on < today - timedelta(days=rules.retention_days)),
        and_(Learner.code_hash.is_(None), Learner.remembered.is_(False),
             Learner.last_seen_on < today - timedelta(days=session_days)),
        and_(Learner.code_hash.is_(None), Learner.remembered.is_(True),
             Learner.last_seen_on < today - timedelta(days=rules.remember_days)),
    )).order_by(Learner.last_seen_on)
    return list(session.scalars(statement))


def purge(session: Session, today: date, now: datetime, rules: Retention) -> PurgeResult:
    """Delete everything past its time (the statistics aggregates follow); flushes, never commits."""
    with_code = without_code = 0
    for learner in expired_learners(session, today, rules):
        if learner.has_code:
            with_code += 1
        else:
            without_code += 1
        delete_learner(session, learner)
    staff = session.execute(delete(StaffSession).where(
        StaffSession.last_seen_at < now - timedelta(minutes=rules.staff_session_minutes))).rowcount
    session.execute(delete(ThrottleWindow).where(
        ThrottleWindow.window_start < int(time.time()) - rules.throttle_window_seconds))
    session.flush()
    return PurgeResult(with_code, without_code, staff or 0)

