"""How long learner data is kept, and removing what is past it (``course-app purge``, from cron).

- A **browser session** record is kept while its cookie could still open it: a day or so after
  its last use (``session_hours``, rounded up to days, since the server stores days only), or
  ``remember_days`` after it on a device the learner asked to be remembered on.
- A learner **without** a saved code exists only through their browser sessions. Once none is
  left, nobody can ever reach that progress again, so it goes.
- A learner **with** a saved code is kept until they have been away ``retention_days``
  (default 365): their code would otherwise stop working while they still rely on it.
- A learner with **no progress at all** (no lesson, quiz or course row: nothing to come back
  to) is kept for a day after they were last seen, code or session or not: a record about
  nobody is not kept for a year.

Staff sessions past their idle limit and throttle counters past their window go too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import and_, delete, exists, or_, select
from sqlalchemy.orm import Session

from ..models import BrowserSession, CourseProgress, Learner, LessonProgress, QuizProgress, StaffSession, ThrottleWindow
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
    browser_sessions: int = 0


def expire_browser_sessions(session: Session, today: date, rules: Retention) -> int:
    """Delete session records no cookie can open any more; returns how many."""
    session_days = max(1, math.ceil(rules.session_hours / 24))
    result = session.execute(delete(BrowserSession).where(or_(
        and_(BrowserSession.remembered.is_(False), BrowserSession.last_seen_on < today - timedelta(days=session_days)),
        and_(BrowserSession.remembered.is_(True),
             BrowserSession.last_seen_on < today - timedelta(days=rules.remember_days)),
    )))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]  # a DELETE's result is a CursorResult


def expired_learners(session: Session, today: date, rules: Retention) -> list[Learner]:
    """Learners whose data is past its time, oldest first (run after expiring browser sessions)."""
    has_session = exists().where(BrowserSession.learner_id == Learner.id)
    has_progress = or_(exists().where(LessonProgress.learner_id == Learner.id),
                       exists().where(QuizProgress.learner_id == Learner.id),
                       exists().where(CourseProgress.learner_id == Learner.id))
    statement = select(Learner).where(or_(
        and_(Learner.code_hash.is_not(None), Learner.last_seen_on < today - timedelta(days=rules.retention_days)),
        # Seen before today: a learner made a moment ago may not have its session saved yet.
        and_(Learner.code_hash.is_(None), ~has_session, Learner.last_seen_on < today),
        # Nothing to come back to: gone a day after it was last seen.
        and_(~has_progress, Learner.last_seen_on < today - timedelta(days=1)),
    )).order_by(Learner.last_seen_on)
    return list(session.scalars(statement))


def purge(session: Session, today: date, now: datetime, rules: Retention) -> PurgeResult:
    """Delete everything past its time (the statistics aggregates follow); flushes, never commits.

    :param now: the current time (UTC, naive) for staff sessions and throttle windows.
    """
    browser_sessions = expire_browser_sessions(session, today, rules)
    with_code = without_code = 0
    for learner in expired_learners(session, today, rules):
        if learner.has_code:
            with_code += 1
        else:
            without_code += 1
        delete_learner(session, learner)
    staff = session.execute(delete(StaffSession).where(
        StaffSession.last_seen_at < now - timedelta(minutes=rules.staff_session_minutes))).rowcount  # type: ignore[attr-defined]  # a DELETE's result is a CursorResult
    session.execute(delete(ThrottleWindow).where(
        ThrottleWindow.window_start < int(now.replace(tzinfo=UTC).timestamp()) - rules.throttle_window_seconds))
    session.flush()
    return PurgeResult(with_code, without_code, staff or 0, browser_sessions)
