"""What the schema can hold about learners: random ids, days (never times), no identifying columns."""

from __future__ import annotations

from sqlalchemy import Date, DateTime

import course_app.models  # noqa: F401  (registers the tables)
from course_app.db import Base

LEARNER_TABLES = {"learner", "lesson_progress", "quiz_progress", "course_progress", "answer_tally", "lesson_day",
                  "quiz_day"}
FORBIDDEN = ("ip", "address", "agent", "email", "name", "phone", "answer_text", "code")


def test_learner_tables_hold_days_not_times_and_nothing_identifying() -> None:
    tables = {table.name: table for table in Base.metadata.sorted_tables}
    assert LEARNER_TABLES <= set(tables)
    for name in LEARNER_TABLES:
        for column in tables[name].columns:
            assert not isinstance(column.type, DateTime), f"{name}.{column.name} stores a time"
            if isinstance(column.type, Date):
                assert column.name.endswith("_on") or column.name == "day"
            lowered = column.name.lower()
            allowed = {"code_hash", "answer_key"}
            assert lowered in allowed or not any(word in lowered.split("_") for word in FORBIDDEN), (name, column.name)
