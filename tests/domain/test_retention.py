"""course-app purge: what is kept, what goes, and that the statistics follow."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from course_app.db import get_session
from course_app.domain.learners import create_learner, issue_code
from course_app.domain.progress import LessonPlace, record_lesson_completed
from course_app.domain.retention import Retention, purge
from course_app.models import BrowserSession, Learner, LessonDay, LessonProgress, StaffSession
from tests.conftest import make_app

TODAY = date(2026, 11, 23)
RULES = Retention(retention_days=365, session_hours=12, remember_days=30, staff_session_minutes=30)


def make(session, last_seen: date, *, code: bool = False, remembered: bool | None = False) -> str:  # type: ignore[no-untyped-def]
    """A learner last seen on ``last_seen``, with a browser session (None: the session is already gone)."""
    learner = create_learner(session, last_seen)
    record_lesson_completed(session, learner, LessonPlace("c", "l", 1), "en", last_seen)
    learner.last_seen_on = last_seen
    if remembered is not None:
        session.add(BrowserSession(token_hash=secrets.token_hex(32), learner_id=learner.id, created_on=last_seen,
                                   last_seen_on=last_seen, remembered=remembered, data="{}"))
    if code:
        issue_code(session, learner, "pepper")
    session.flush()
    return learner.id


def test_purge_keeps_what_may_still_be_used(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    with app.app_context():
        session = get_session()
        keep = {
            make(session, TODAY),                                                # session may be alive
            make(session, TODAY - timedelta(days=1)),                            # within a day
            make(session, TODAY - timedelta(days=29), remembered=True),          # remembered device
            make(session, TODAY - timedelta(days=300), code=True),               # saved, within a year
            make(session, TODAY - timedelta(days=300), code=True, remembered=None),  # saved, no session left
            make(session, TODAY, remembered=None),                               # made today: its session is coming
        }
        gone = {
            make(session, TODAY - timedelta(days=2)),
            make(session, TODAY - timedelta(days=31), remembered=True),
            make(session, TODAY - timedelta(days=400), code=True),
            make(session, TODAY - timedelta(days=1), remembered=None),           # no session can reach it
        }
        session.commit()
        result = purge(session, TODAY, datetime(2026, 11, 23, 12, 0), RULES)
        session.commit()
        assert (result.learners_without_code, result.learners_with_code) == (3, 1)
        assert result.browser_sessions == 4
        left = set(session.scalars(select(Learner.id)))
        assert left == keep and not (left & gone)
        assert session.scalar(select(func.count()).select_from(LessonProgress)) == 6
        # The anonymous daily counters follow: only the remaining learners are counted.
        assert session.scalar(select(func.sum(LessonDay.completed))) == 6
        # Sessions left are exactly those a cookie may still open.
        assert session.scalar(select(func.count()).select_from(BrowserSession)) == 3


def test_purge_removes_idle_staff_sessions(tmp_path: Path) -> None:
    from course_app.models import StaffRole
    from tests.staff.conftest import create_account

    app = make_app(tmp_path)
    create_account(app, "old", StaffRole.ADMIN)
    with app.app_context():
        session = get_session()
        session.add(StaffSession(token_hash="a" * 64, staff_id=1, last_seen_at=datetime(2026, 11, 23, 10, 0)))
        session.add(StaffSession(token_hash="b" * 64, staff_id=1, last_seen_at=datetime(2026, 11, 23, 11, 50)))
        session.commit()
        assert purge(session, TODAY, datetime(2026, 11, 23, 12, 0), RULES).staff_sessions == 1
        session.commit()
        assert [row.token_hash[0] for row in session.scalars(select(StaffSession))] == ["b"]


def test_purge_command(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    with app.app_context():
        make(get_session(), date.today() - timedelta(days=5))
        get_session().commit()
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0
    assert result.output.startswith("removed 1 browser session(s) no cookie can open any more, 1 learner(s) without "
                                    "a code and without a session")


def test_each_limit_keeps_what_is_exactly_at_it_and_removes_what_is_past_it(tmp_path: Path) -> None:
    """"Older than N" is strict for every rule: at the limit itself, nothing is removed yet."""
    from course_app.models import StaffRole, ThrottleWindow
    from tests.staff.conftest import create_account

    now = datetime(2026, 11, 23, 12, 0)
    now_seconds = int(now.replace(tzinfo=UTC).timestamp())
    app = make_app(tmp_path)
    create_account(app, "old", StaffRole.ADMIN)
    with app.app_context():
        session = get_session()
        saved_at_limit = make(session, TODAY - timedelta(days=365), code=True, remembered=None)
        saved_past = make(session, TODAY - timedelta(days=366), code=True, remembered=None)
        remembered_at_limit = make(session, TODAY - timedelta(days=30), remembered=True)
        remembered_past = make(session, TODAY - timedelta(days=31), remembered=True)
        session.add(StaffSession(token_hash="a" * 64, staff_id=1, last_seen_at=now - timedelta(minutes=30)))
        session.add(StaffSession(token_hash="b" * 64, staff_id=1, last_seen_at=now - timedelta(minutes=30, seconds=1)))
        session.add(ThrottleWindow(key="at-limit", window_start=now_seconds - RULES.throttle_window_seconds, count=3))
        session.add(ThrottleWindow(key="past", window_start=now_seconds - RULES.throttle_window_seconds - 1, count=3))
        session.commit()
        result = purge(session, TODAY, now, RULES)
        session.commit()
        left = set(session.scalars(select(Learner.id)))
        assert {saved_at_limit, remembered_at_limit} <= left
        assert not {saved_past, remembered_past} & left
        assert (result.learners_with_code, result.learners_without_code, result.browser_sessions) == (1, 1, 1)
        assert [row.token_hash[0] for row in session.scalars(select(StaffSession))] == ["a"]
        assert result.staff_sessions == 1
        assert list(session.scalars(select(ThrottleWindow.key))) == ["at-limit"]


def test_purge_removes_learners_with_no_progress_after_a_day(tmp_path: Path) -> None:
    """A learner with nothing to come back to (no lesson, quiz or course row) goes a day after it was last seen,
    whether it has a code, a remembered session or neither."""
    app = make_app(tmp_path)
    with app.app_context():
        session = get_session()

        def empty(last_seen: date, *, code: bool = False, remembered: bool | None = False) -> str:
            learner = create_learner(session, last_seen)
            if remembered is not None:
                session.add(BrowserSession(token_hash=secrets.token_hex(32), learner_id=learner.id,
                                           created_on=last_seen, last_seen_on=last_seen, remembered=remembered,
                                           data="{}"))
            if code:
                issue_code(session, learner, "pepper")
            session.flush()
            return learner.id

        keep = {empty(TODAY, code=True), empty(TODAY - timedelta(days=1), code=True),
                empty(TODAY - timedelta(days=1), remembered=True),
                make(session, TODAY - timedelta(days=300), code=True)}
        gone = {empty(TODAY - timedelta(days=2), code=True, remembered=None),
                empty(TODAY - timedelta(days=2), code=True, remembered=True),
                empty(TODAY - timedelta(days=2), remembered=True)}
        session.commit()
        purge(session, TODAY, datetime(2026, 11, 23, 12, 0), RULES)
        session.commit()
        left = set(session.scalars(select(Learner.id)))
        assert left == keep and not (left & gone)
