"""Column types shared by the models, so the same idea is stored the same way everywhere."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from sqlalchemy import Date, String
from sqlalchemy.orm import mapped_column

# Learner ids are random tokens (secrets.token_urlsafe(16)): never sequential, never derived from anything.
LearnerId = Annotated[str, mapped_column(String(32))]
Slug = Annotated[str, mapped_column(String(80))]
LanguageCode = Annotated[str, mapped_column(String(12))]
# Learner activity is kept at day precision at most (safety invariant S3).
Day = Annotated[date, mapped_column(Date)]
