"""The pseudonymous learner: a random id, an optional keyed hash of their code, and two dates."""

from __future__ import annotations

from datetime import date

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from .types import Day, LearnerId


class Learner(Base):
    """Someone studying. Nothing here says who they are: no name, address, IP or browser."""

    __tablename__ = "learner"

    id: Mapped[LearnerId] = mapped_column(primary_key=True)
    # HMAC-SHA256 of the learner code with a pepper kept outside the database; None until saved.
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_on: Mapped[Day]
    last_seen_on: Mapped[Day] = mapped_column(index=True)

    @property
    def has_code(self) -> bool:
        return self.code_hash is not None

    def touch(self, today: date) -> None:
        """Record that the learner was active today (the day only, never the time)."""
        if self.last_seen_on != today:
            self.last_seen_on = today
