"""SQLite's writers take turns (course_app/sqlite_writers.py): one writer at a time, the turn passed at once,
and given back however a transaction ends."""

from __future__ import annotations

import sqlite3
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from course_app.db import make_engine
from course_app.sqlite_writers import TurnTakingConnection, writer_turns


def engine_on(path: Path):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE IF NOT EXISTS counter (n INTEGER)"))
    return engine


def test_writers_of_one_database_take_turns(tmp_path: Path) -> None:
    engine = engine_on(tmp_path / "db.sqlite3")
    holding = threading.Event()
    second_wrote_at: list[int] = []
    first = engine.connect()
    first.execute(text("INSERT INTO counter VALUES (1)"))  # the first writer holds its turn until it commits

    def second_writer() -> None:
        with engine.begin() as connection:
            holding.set()
            connection.execute(text("INSERT INTO counter VALUES (2)"))
            second_wrote_at.append(2)

    thread = threading.Thread(target=second_writer)
    thread.start()
    assert holding.wait(5)
    thread.join(0.2)
    assert thread.is_alive() and second_wrote_at == []  # waiting for its turn, without an error
    first.commit()
    thread.join(5)
    assert not thread.is_alive() and len(second_wrote_at) == 1
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM counter")).scalar() == 2
    first.close()


@pytest.mark.parametrize("ending", ["rollback", "close", "failed"])
def test_a_turn_is_given_back_however_the_transaction_ends(tmp_path: Path, ending: str) -> None:
    engine = engine_on(tmp_path / "db.sqlite3")
    connection = engine.raw_connection()
    cursor = connection.cursor()
    cursor.execute("CREATE UNIQUE INDEX IF NOT EXISTS one ON counter (n)")
    connection.commit()
    cursor.execute("INSERT INTO counter VALUES (1)")
    if ending == "rollback":
        connection.rollback()
    elif ending == "close":
        connection.invalidate()  # closed for good, as a connection lost with its worker
    else:
        with pytest.raises(sqlite3.IntegrityError):
            cursor.execute("INSERT INTO counter VALUES (1)")
        connection.rollback()
    # Another writer gets the turn at once.
    done = threading.Event()

    def other_writer() -> None:
        with engine.begin() as other:
            other.execute(text("INSERT INTO counter VALUES (7)"))
        done.set()

    threading.Thread(target=other_writer).start()
    assert done.wait(5)


def test_the_turn_belongs_to_the_database_file_and_its_lock_file_is_private(tmp_path: Path) -> None:
    engine = engine_on(tmp_path / "db.sqlite3")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO counter VALUES (1)"))
    raw = engine.raw_connection()
    assert isinstance(raw.driver_connection, TurnTakingConnection)
    assert writer_turns(tmp_path / "db.sqlite3", 10) is writer_turns(tmp_path / "." / "db.sqlite3", 10)
    lock = tmp_path / "db.sqlite3.writers"
    assert lock.exists() and stat.S_IMODE(lock.stat().st_mode) == 0o600
    raw.close()


def test_a_turn_held_by_another_process_is_waited_for_only_as_long_as_the_busy_timeout(tmp_path: Path) -> None:
    """A long write elsewhere (a command's purge) makes a writer here fail as SQLite would, never wait for good."""
    import fcntl
    import os
    import time

    database = tmp_path / "db.sqlite3"
    turns = writer_turns(database, timeout=0.3)
    other = os.open(turns.lock_path, os.O_RDWR | os.O_CREAT, 0o600)  # another open file: another process's lock
    try:
        fcntl.flock(other, fcntl.LOCK_EX)
        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            turns.take()
        assert 0.3 <= time.monotonic() - started < 5
        fcntl.flock(other, fcntl.LOCK_UN)
        turns.take()  # free again: this process's thread lock was given back with the failure
        turns.give_back()
    finally:
        os.close(other)


NEW_PROCESSES = 20


def test_threads_of_a_new_process_taking_their_first_turns_at_once_each_get_one(tmp_path: Path) -> None:
    """gunicorn forks its workers, and a worker's threads may all write at once from its first requests: each of
    them gets a turn, one at a time, and none finds the new process's state half made by another."""
    import multiprocessing
    import os

    turns = writer_turns(tmp_path / "db.sqlite3", timeout=10)
    turns.take()  # held here while the new process starts: the new process's threads owe nothing to this one
    turns.give_back()

    def new_process(report: Any) -> None:
        threads_count = 8
        start = threading.Barrier(threads_count)
        holding: list[int] = []
        failures: list[str] = []

        def writer() -> None:
            start.wait()
            for _ in range(50):
                try:
                    turns.take()
                except Exception as error:  # reported to the test, which names it
                    failures.append(repr(error))
                    continue
                holding.append(1)
                if len(holding) > 1:
                    failures.append("two threads held the turn at once")
                holding.pop()
                turns.give_back()

        threads = [threading.Thread(target=writer) for _ in range(threads_count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        report.put(failures)
        os._exit(0)

    context = multiprocessing.get_context("fork")
    failures_of: list[list[str]] = []
    for _ in range(NEW_PROCESSES):  # threads race; so many new processes met the old fault nearly every time
        report = context.SimpleQueue()
        process = context.Process(target=new_process, args=(report,))
        process.start()
        process.join(timeout=30)
        if process.exitcode is None:
            process.kill()
            process.join()
        assert process.exitcode == 0
        failures_of.append(report.get())
    assert failures_of == [[]] * NEW_PROCESSES
