"""Counters for throttling, kept in the database so every app server sees the same count."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class ThrottleWindow(Base):
    """Failures counted for one key (e.g. a staff account) since ``window_start`` (Unix seconds)."""

    __tablename__ = "throttle_window"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger)
    count: Mapped[int] = mapped_column(Integer)
