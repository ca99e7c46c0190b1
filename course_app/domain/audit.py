"""The staff audit log: who did what, to the minute. Never a client address or browser."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import AuditEvent


def to_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0, tzinfo=None)


def record(session: Session, staff_name: str, action: str, detail: str, now: datetime) -> AuditEvent:
    event = AuditEvent(at=to_minute(now), staff_name=staff_name, action=action, detail=detail[:300])
    session.add(event)
    session.flush()
    return event


def recent(session: Session, limit: int = 200) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)))
