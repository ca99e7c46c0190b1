"""The definitions behind the coordinators' figures, and the helpers the fixed periods use.

Definitions (also in docs/statistics.md); the figures themselves are computed per ended period
by ``periods.raw_cells`` and fixed there:

- a learner **started** a course on the day of their first action in it;
- a learner **completed** a course when every lesson it has was completed (on the last one's day);
- the **cohort** of a period is the learners who started the course within it; "completed" and
  "median lessons done" describe that cohort as it stood when the period was fixed;
- a lesson was **reached** on the day a learner first opened it and **completed** on the day it
  was marked done or its quiz passed; the funnel counts those days within the period;
- a quiz's figures describe the learners whose first attempt fell within the period: how many,
  their attempts, how many have passed, and the mean of their best scores;
- the language of a learner's course is the language of the first lesson they opened in it;
- a **read** is one opening of a lesson page, by anyone (crawlers that say so excepted), counted
  with no reader attached; since reading creates no learner, "started" means a learner's first
  action in the course from the day ``reading_change_day`` returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import SiteEvent


def median(distribution: Sequence[tuple[int, int]]) -> float | None:
    """The median of values given as (value, how many) pairs."""
    total = sum(count for _, count in distribution)
    if total == 0:
        return None
    ordered = sorted(distribution)
    positions = ((total - 1) // 2, total // 2)
    found = []
    seen = 0
    for value, count in ordered:
        for position in positions:
            if seen <= position < seen + count:
                found.append(value)
        seen += count
    return sum(found) / len(found)


READING_CHANGE = "reading-creates-no-learner"


def reading_change_day(session: Session) -> date | None:
    """The day from which reading alone no longer creates a learner (the upgrade that made it so)."""
    return session.scalar(select(SiteEvent.day).where(SiteEvent.name == READING_CHANGE))
