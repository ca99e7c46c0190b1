"""Staff accounts (coordinators, educators, admins), their sessions, and the audit log.

Staff are accountable, so their actions are logged by name, to the minute; but never with a
client address. Passwords are Argon2id hashes; the TOTP secret is needed for every login.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from .types import Slug


class StaffRole(StrEnum):
    COORDINATOR = "coordinator"
    EDUCATOR = "educator"
    ADMIN = "admin"

    @property
    def sees_statistics(self) -> bool:
        return self in (StaffRole.COORDINATOR, StaffRole.ADMIN)

    @property
    def sees_insights(self) -> bool:
        return self in (StaffRole.EDUCATOR, StaffRole.ADMIN)


class StaffMember(Base):
    __tablename__ = "staff_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    # The TOTP secret, sealed with STAFF_TOTP_KEY (see domain/staff_accounts.py); None until enrolment.
    totp_secret: Mapped[str | None] = mapped_column(String(200))
    totp_enrolled: Mapped[bool] = mapped_column(Boolean, default=False)
    # The last 30-second step whose code was accepted: a code is never accepted twice.
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_on: Mapped[date]

    courses: Mapped[list[StaffCourse]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def staff_role(self) -> StaffRole:
        return StaffRole(self.role)

    def course_slugs(self) -> set[str] | None:
        """The courses an educator works on; None means all courses."""
        slugs = {course.course_slug for course in self.courses}
        return slugs or None


class StaffCourse(Base):
    """An educator's course (an educator with none listed sees every course)."""

    __tablename__ = "staff_course"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_member.id", ondelete="CASCADE"), primary_key=True)
    course_slug: Mapped[Slug] = mapped_column(primary_key=True)


class StaffSession(Base):
    """A signed-in staff browser. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "staff_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_member.id", ondelete="CASCADE"), index=True)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)


class AuditEvent(Base):
    """What a staff member did and when (to the minute). No address, no browser."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    staff_name: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(String(300), default="")
