"""A browser that acted on the site, as the server keeps it: what its opaque cookie opens.

The cookie holds only a random token (sealed, see web/sessions.py); the server keeps the token's
SHA-256, the learner it belongs to, two days (never a time: S3) and the session's short-lived
state (a quiz result to show, a message, a staff sign-in's form token). Deleting the row ends
the session everywhere at once: "Leave quickly", "Delete everything" and staff sign-out do.
"""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from .types import Day, LearnerId


class BrowserSession(Base):
    """One browser's session; ``learner_id`` is None until the browser's first action needs a learner."""

    __tablename__ = "browser_session"
    __table_args__ = (Index("ix_browser_session_last_seen_on", "last_seen_on"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    learner_id: Mapped[LearnerId | None] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"), index=True)
    created_on: Mapped[Day]
    last_seen_on: Mapped[Day]
    # "Remember this device": the cookie outlives the browser, so purge waits REMEMBER_DEVICE_DAYS.
    remembered: Mapped[bool] = mapped_column(Boolean, default=False)
    # The session's short-lived state as JSON: no time finer than a day, no learner code, ever.
    data: Mapped[str] = mapped_column(Text, default="{}")
