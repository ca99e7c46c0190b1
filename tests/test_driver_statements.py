"""Statements run on the driver's cursor (course_app/driver_statements.py) read and change exactly what SQLAlchemy's
own execution of the same statements does, on SQLite and on PostgreSQL (with DATABASE_URL)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Column, Connection, Integer, MetaData, Table, bindparam, event, insert, select, text, update
from sqlalchemy.exc import IntegrityError, StatementError

from course_app.db import add_to_counters, database, insert_or_ignore, table
from course_app.domain import aggregates, progress
from course_app.driver_statements import DriverStatement
from course_app.learner import learner_pages
from course_app.models import BrowserSession, Learner, LessonDay, LessonProgress, QuizProgress
from course_app.web import sessions

DAY = date(2026, 3, 8)
LATER = date(2026, 3, 9)


def fill(connection: Connection) -> None:
    """Two learners with a session, lessons and a quiz each: enough rows for every look-up to find something."""
    for learner, completed in (("first", None), ("second", LATER)):
        connection.execute(insert(table(Learner)), {"id": learner, "code_hash": "h" if completed else None,
                                                    "created_on": DAY, "last_seen_on": DAY})
        connection.execute(insert(table(BrowserSession)), {
            "token_hash": f"token-{learner}", "learner_id": learner, "created_on": DAY, "last_seen_on": LATER,
            "remembered": completed is not None, "data": "{}"})
        for lesson in ("one", "two"):
            connection.execute(insert(table(LessonProgress)), {
                "learner_id": learner, "course_slug": "course", "lesson_slug": lesson, "lang": "be",
                "reached_on": DAY, "completed_on": completed})
        connection.execute(insert(table(QuizProgress)), {
            "learner_id": learner, "course_slug": "course", "lesson_slug": "one", "lang": "ru", "attempts": 3,
            "best_score": 80, "first_attempt_on": DAY, "last_attempt_on": LATER, "passed_on": completed,
            "met_questions": "a b"})


LOOK_UPS: list[tuple[str, DriverStatement, dict[str, Any]]] = [
    ("a lesson row", progress._LESSON_ROW,
     {"learner_id": "second", "course_slug": "course", "lesson_slug": "two"}),
    ("a quiz row", progress._QUIZ_ROW, {"learner_id": "second", "course_slug": "course", "lesson_slug": "one"}),
    ("a standing (a union)", progress._STANDING,
     {"learner_id": "first", "course_slug": "course", "lesson_slug": "one"}),
    ("a learner's summary (a union)", progress._SUMMARY, {"learner_id": "second"}),
    ("a course's lessons", aggregates._COURSE_LESSONS, {"learner_id": "first", "course_slug": "course"}),
    ("a session record", sessions.OPEN_RECORD, {"token_hash": "token-second"}),
    ("a session record with a standing (joins)", learner_pages._SESSION_AND_STANDING,
     {"token_hash": "token-first", "course_slug": "course", "lesson_slug": "one"}),
    ("nothing found", progress._QUIZ_ROW, {"learner_id": "nobody", "course_slug": "course", "lesson_slug": "one"}),
]


@pytest.mark.parametrize(("what", "statement", "parameters"), LOOK_UPS, ids=[what for what, _s, _p in LOOK_UPS])
def test_a_look_up_gives_what_sqlalchemy_gives(app: Flask, what: str, statement: DriverStatement,
                                               parameters: dict[str, Any]) -> None:
    with database(app).engine.begin() as connection:
        fill(connection)
        expected = [tuple(row) for row in connection.execute(statement.statement, parameters)]
        found = statement.rows(connection, parameters)
        assert [tuple(row) for row in found] == expected
        # Values come back as the columns' types make them (dates as dates on SQLite too, flags as flags).
        assert [[type(value) for value in row] for row in found] == [[type(value) for value in row]
                                                                     for row in expected]
        assert (what == "nothing found") == (statement.first(connection, parameters) is None)
        if what == "a quiz row":
            assert found[0].first_attempt_on == DAY and found[0].lang == "ru"  # by name too


def test_changes_are_made_as_sqlalchemy_makes_them(app: Flask) -> None:
    with database(app).engine.begin() as connection:
        fill(connection)
        # An UPDATE: how many rows it changed, and the dates and numbers it wrote.
        changed = progress._UPDATE_QUIZ.run(connection, {
            "row_learner": "first", "row_course": "course", "row_lesson": "one", "attempts_read": 3,
            "best_score": 90, "today": LATER, "passed_on": LATER, "met_questions": "a b c"})
        unchanged = progress._UPDATE_QUIZ.run(connection, {
            "row_learner": "first", "row_course": "course", "row_lesson": "one", "attempts_read": 3,
            "best_score": 10, "today": LATER, "passed_on": None, "met_questions": ""})
        assert (changed, unchanged) == (1, 0)
        assert progress._QUIZ_ROW.first(connection, {"learner_id": "first", "course_slug": "course",
                                                     "lesson_slug": "one"}) == ("ru", 4, 90, DAY, LATER, "a b c")
        # An UPDATE … RETURNING: the rows it changed, converted.
        returned = progress._COMPLETE_LESSON.rows(connection, {
            "row_learner": "first", "row_course": "course", "row_lesson": "two", "today": LATER})
        assert [tuple(row) for row in returned] == [("be", DAY)]
        assert progress._COMPLETE_LESSON.rows(connection, {
            "row_learner": "first", "row_course": "course", "row_lesson": "two", "today": LATER}) == []
        # An INSERT that does nothing where the row exists.
        session = database(app).sessions(bind=connection)
        new_row = {"learner_id": "first", "course_slug": "course", "lesson_slug": "three", "lang": "en",
                   "reached_on": LATER, "completed_on": None}
        assert insert_or_ignore(session, LessonProgress).run(connection, new_row) == 1
        assert insert_or_ignore(session, LessonProgress).run(connection, new_row) == 0
        # Counters: several rows at once, a column left out gets its default (0), a second run adds.
        changes = [({"course_slug": "course", "day": DAY, "lesson_slug": lesson, "lang": "be"}, {"reached": 2})
                   for lesson in ("one", "two")]
        add_to_counters(session, LessonDay, changes)
        add_to_counters(session, LessonDay, changes[:1])
        counters = table(LessonDay).c
        assert sorted(tuple(row) for row in connection.execute(
            select(counters.lesson_slug, counters.day, counters.reached, counters.completed))) == [
            ("one", DAY, 4, 0), ("two", DAY, 2, 0)]


def test_a_failure_is_sqlalchemys_error_and_the_statement_is_announced(app: Flask) -> None:
    announced: list[str] = []

    def before(_connection, _cursor, statement, _parameters, _context, _many):  # type: ignore[no-untyped-def]
        announced.append(statement)

    engine = database(app).engine
    event.listen(engine, "before_cursor_execute", before)
    duplicate = DriverStatement(insert(table(Learner)))
    try:
        with engine.connect() as connection:
            row = {"id": "same", "code_hash": None, "created_on": DAY, "last_seen_on": DAY}
            assert duplicate.run(connection, row) == 1
            with pytest.raises(IntegrityError):
                duplicate.run(connection, row)
            connection.rollback()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    assert len([statement for statement in announced if statement.startswith("INSERT INTO learner")]) == 2


def test_a_statement_is_compiled_for_the_parameters_it_is_given(app: Flask) -> None:
    """An INSERT's columns are the parameters named (as with SQLAlchemy), so two sets of names are two
    statements; a parameter missing or of the wrong kind is SQLAlchemy's error, and nothing is run."""
    statement = DriverStatement(insert(table(Learner)))
    with database(app).engine.begin() as connection:
        statement.run(connection, {"id": "short", "created_on": DAY, "last_seen_on": DAY})
        statement.run(connection, {"id": "long", "code_hash": "x", "created_on": DAY, "last_seen_on": DAY})
        assert sorted(connection.execute(text("SELECT id, code_hash FROM learner"))) == [("long", "x"),
                                                                                         ("short", None)]
        by_name = DriverStatement(select(table(Learner).c.id).where(table(Learner).c.id == bindparam("id")))
        with pytest.raises(StatementError):
            by_name.rows(connection, {"other": "short"})
        with pytest.raises(StatementError):  # SQLite's conversion refuses it; PostgreSQL itself does
            statement.run(connection, {"id": "wrong", "created_on": "not a day", "last_seen_on": DAY})
    with database(app).engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM learner WHERE id = 'wrong'")).scalar() == 0


def test_the_driver_is_given_what_sqlalchemy_gives_it(app: Flask) -> None:
    """The parameters as the driver gets them — dates, flags and names converted for this database — are those
    SQLAlchemy's own execution passes."""
    given: list[Any] = []

    def before(_connection, _cursor, _statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
        given.append(parameters)

    engine = database(app).engine
    values = {"key": "token-first", "data": '{"a":1}', "learner_id": "first", "remembered": True, "today": LATER}
    with engine.begin() as connection:
        fill(connection)
        event.listen(engine, "before_cursor_execute", before)
        try:
            by_sqlalchemy = connection.execute(sessions._UPDATE_RECORD.statement, values).rowcount
            by_the_driver = sessions._UPDATE_RECORD.run(connection, values)
        finally:
            event.remove(engine, "before_cursor_execute", before)
    assert by_sqlalchemy == by_the_driver == 1
    assert len(given) == 2 and given[0] == given[1], given


def test_an_omitted_column_gets_its_default_or_its_onupdate_value(app: Flask) -> None:
    example = Table("driver_statement_example", MetaData(), Column("id", Integer, primary_key=True),
                    Column("n", Integer, default=5, onupdate=7))
    engine = database(app).engine
    with engine.begin() as connection:
        example.create(connection)
    try:
        with engine.begin() as connection:
            DriverStatement(insert(example)).run(connection, {"id": 1})
            connection.execute(insert(example), {"id": 2})
            assert sorted(connection.execute(select(example.c.id, example.c.n))) == [(1, 5), (2, 5)]
            changed = DriverStatement(update(example).where(example.c.id == bindparam("which")).values(
                id=bindparam("new_id"))).run(connection, {"which": 1, "new_id": 3})
            connection.execute(update(example).where(example.c.id == 2).values(id=4))
            assert changed == 1
            assert sorted(connection.execute(select(example.c.id, example.c.n))) == [(3, 7), (4, 7)]
    finally:
        with engine.begin() as connection:
            example.drop(connection)
