"""SQLite's writers take turns, and a turn passes to the next one at once instead of after a nap.

SQLite lets one connection write at a time. A connection that finds the database locked waits in
SQLite's busy handler, which sleeps — 1, 2, 5, 10, 15, 20, 25 … milliseconds — and looks again.
A write transaction here (a quiz answered, a lesson marked done) holds the lock for well under a
millisecond, so eight threads of two workers writing at once spent most of their time asleep
while the lock stood free: submissions queued for hundreds of milliseconds on an idle machine.

So writers queue instead: the threads of a process on one lock, and the processes of a server on
a file lock beside the database (``flock``, looked for every millisecond). A connection takes its
turn before its first write statement and gives it back when its transaction ends — commit,
rollback (a connection returned to the pool is rolled back) or close. Reading never waits (WAL).
Only the thread that holds its process's turn ever waits on the file lock, so two connections of
one process never wait on each other there; a thread that waits longer than SQLite's busy timeout
for either turn gets the same "database is locked" error SQLite would give. PostgreSQL locks rows,
not the database, and does none of this.
"""

from __future__ import annotations

import fcntl
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

# Statements that make pysqlite begin a write transaction (it begins one before these, and only these).
_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


class WriterTurns:
    """The turns of one database file's writers in this process (and, by its file lock, across processes)."""

    def __init__(self, lock_path: Path, timeout: float) -> None:
        self.lock_path = lock_path
        self.timeout = timeout
        self._thread_lock = threading.Lock()
        self._file: int | None = None

    def in_new_process(self) -> None:
        """Right after a fork (gunicorn forks its workers), before any thread of the new process runs: a thread
        lock no thread holds, and the lock file to be opened again (a file lock is held per open file, and the
        file inherited is shared with the parent). Done then (``_after_fork``), not at a thread's first turn:
        threads starting their first turns at once would each make the process's state anew under the others."""
        if self._file is not None:
            os.close(self._file)
        self._file = None
        self._thread_lock = threading.Lock()

    def take(self) -> None:
        """Wait for this process's turn, then for the database's.

        :raises sqlite3.OperationalError: this process's turn did not come within the busy timeout.
        """
        lock = self._thread_lock
        if not lock.acquire(timeout=self.timeout):
            raise sqlite3.OperationalError("database is locked")
        try:
            if self._file is None:  # opened by the thread holding the process's turn, so by one thread at a time
                self._file = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            self._take_file_lock(self._file)
        except BaseException:
            lock.release()
            raise

    def _take_file_lock(self, file: int) -> None:
        """The other processes' turn: looked for every millisecond (not SQLite's growing naps) until the busy
        timeout, so a long write elsewhere (a command's purge, say) never parks a worker's thread for good."""
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise sqlite3.OperationalError("database is locked") from None
                time.sleep(0.001)

    def give_back(self) -> None:
        """End the turn: the next writer of any process goes on at once."""
        assert self._file is not None
        try:
            fcntl.flock(self._file, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()


_TURNS: dict[str, WriterTurns] = {}
_TURNS_LOCK = threading.Lock()


def _after_fork() -> None:
    global _TURNS_LOCK
    _TURNS_LOCK = threading.Lock()  # another thread of the parent may have held it at the fork
    for turns in _TURNS.values():
        turns.in_new_process()


os.register_at_fork(after_in_child=_after_fork)


def writer_turns(database_file: Path, timeout: float) -> WriterTurns:
    """The turns of ``database_file``'s writers: one for the whole process, however many engines open it."""
    key = str(database_file.resolve())
    with _TURNS_LOCK:
        if key not in _TURNS:
            _TURNS[key] = WriterTurns(Path(key + ".writers"), timeout)
        return _TURNS[key]


class TurnTakingConnection(sqlite3.Connection):
    """A SQLite connection that takes its writers' turn before its first write and gives it back at the end."""

    turns: WriterTurns
    _holding = False

    def cursor(self, factory: Any = None) -> Any:
        return super().cursor(factory or TurnTakingCursor)

    def begin_turn(self) -> None:
        if not self._holding:
            self.turns.take()
            self._holding = True

    def end_turn_if_done(self) -> None:
        """Give the turn back once no transaction is open (a statement that failed before beginning one)."""
        if self._holding and not self.in_transaction:
            self._holding = False
            self.turns.give_back()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.end_turn_if_done()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.end_turn_if_done()

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self._holding:
                self._holding = False
                self.turns.give_back()


class TurnTakingCursor(sqlite3.Cursor):
    """Takes the connection's turn before a write statement."""

    def execute(self, sql: str, parameters: Any = (), /) -> TurnTakingCursor:
        connection = self.connection
        assert isinstance(connection, TurnTakingConnection)
        if _WRITE.match(sql):
            connection.begin_turn()
        try:
            super().execute(sql, parameters)
            return self
        finally:
            connection.end_turn_if_done()

    def executemany(self, sql: str, seq_of_parameters: Iterable[Any], /) -> TurnTakingCursor:
        connection = self.connection
        assert isinstance(connection, TurnTakingConnection)
        if _WRITE.match(sql):
            connection.begin_turn()
        try:
            super().executemany(sql, seq_of_parameters)
            return self
        finally:
            connection.end_turn_if_done()


def turn_taking_connection(database_file: Path, timeout: float) -> type[TurnTakingConnection]:
    """The connection class (sqlite3's ``factory``) of connections to ``database_file``."""
    return type("TurnTakingConnectionFor", (TurnTakingConnection,), {"turns": writer_turns(database_file, timeout)})
