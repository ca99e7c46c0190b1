"""Statements of the busiest paths, run on the database driver's own cursor.

SQLAlchemy's execution of a statement it has compiled before — the cache look-up, an execution
context, the parameter and result objects — costs 15–25 µs more than the driver's own execute of
the same SQL (bench/results.md), a step that ran more times in a learner's request than anything
else: one or two statements per page view, six to ten per quiz submission. A ``DriverStatement``
is a Core statement compiled once for each kind of database (and each set of parameter names,
which decide an INSERT's columns), then run on the cursor of the same connection, so in the same
transaction, with parameters and results converted by the statement's own types, as SQLAlchemy
converts them (dates kept as text in SQLite, flags as numbers). A failure is SQLAlchemy's error
(a ``DBAPIError``), as from any other statement, and the engine's statement event is sent, so
whatever listens to it (a test counting statements) sees these too.
"""

from __future__ import annotations

import threading
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import Executable

Processor = Callable[[Any], Any] | None
_REQUIRED = object()  # a parameter the caller must give (it has no value of its own and no column default)


@dataclass(frozen=True)
class _Compiled:
    """One statement as one database's driver takes it."""

    sql: str
    # (name in the SQL, the caller's name for it, the value when the caller gives none or _REQUIRED, its
    # conversion), in the order the driver takes them
    binds: tuple[tuple[str, str, Any, Processor], ...]
    positional: bool
    row: type | None  # rows are tuples of this named type (None: the statement returns no rows)
    result_processors: tuple[Processor, ...]

    def parameters(self, values: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        converted = []
        for _name, key, default, process in self.binds:
            value = values[key] if key in values or default is _REQUIRED else default  # KeyError: a value is due
            converted.append(value if process is None or value is None else process(value))
        if self.positional:
            return tuple(converted)
        return {bind[0]: value for bind, value in zip(self.binds, converted, strict=True)}

    def rows(self, raw: Sequence[Sequence[Any]]) -> list[Any]:
        assert self.row is not None
        processors = self.result_processors
        return [self.row(*(value if process is None or value is None else process(value)
                           for value, process in zip(row, processors, strict=True))) for row in raw]


class DriverStatement:
    """A Core statement run on the driver's cursor of a SQLAlchemy connection (see the module docstring)."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: dict[tuple[str, tuple[str, ...]], _Compiled] = {}
        self._lock = threading.Lock()

    def first(self, connection: Connection, parameters: Mapping[str, Any]) -> Any:
        """The first row, or None."""
        found = self.rows(connection, parameters)
        return found[0] if found else None

    def rows(self, connection: Connection, parameters: Mapping[str, Any]) -> list[Any]:
        """Every row the statement returns (named tuples, converted by the columns' types)."""
        compiled = self._for(connection.dialect, parameters)
        raw, _count = self._execute(connection, compiled, compiled.parameters(parameters), many=False)
        return compiled.rows(raw)

    def run(self, connection: Connection, parameters: Mapping[str, Any]) -> int:
        """Run a statement that returns no rows; how many rows it changed."""
        compiled = self._for(connection.dialect, parameters)
        return self._execute(connection, compiled, compiled.parameters(parameters), many=False)[1]

    def run_many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> int:
        """Run it once per row (every row naming the same parameters); how many rows it changed in all."""
        if not rows:
            return 0
        compiled = self._for(connection.dialect, rows[0])
        return self._execute(connection, compiled, [compiled.parameters(row) for row in rows], many=True)[1]

    def _for(self, dialect: Dialect, parameters: Mapping[str, Any]) -> _Compiled:
        key = (dialect.name, tuple(parameters))
        found = self._compiled.get(key)
        if found is None:
            with self._lock:
                found = self._compiled.setdefault(key, _compile(self.statement, dialect, tuple(parameters)))
        return found

    def _execute(self, connection: Connection, compiled: _Compiled, parameters: Any,
                 many: bool) -> tuple[list[Any], int]:
        driver_connection = connection.connection
        cursor = driver_connection.cursor()
        try:
            connection.dispatch.before_cursor_execute(connection, cursor, compiled.sql, parameters, None, many)
            if many:
                cursor.executemany(compiled.sql, parameters)
            else:
                cursor.execute(compiled.sql, parameters)
            raw = list(cursor.fetchall()) if compiled.row is not None else []
            return raw, cursor.rowcount
        except connection.dialect.loaded_dbapi.Error as error:
            raise DBAPIError.instance(compiled.sql, parameters, error, connection.dialect.loaded_dbapi.Error,
                                      dialect=connection.dialect) from error
        finally:
            cursor.close()


def _compile(statement: Executable, dialect: Dialect, names: tuple[str, ...]) -> _Compiled:
    compiled = statement.compile(dialect=dialect, column_keys=list(names))  # type: ignore[attr-defined]  # every statement here is a ClauseElement
    assert isinstance(compiled, SQLCompiler)
    positional = compiled.positiontup is not None
    order = list(compiled.positiontup) if compiled.positiontup is not None else list(dict.fromkeys(
        compiled.bind_names.values()))
    # A column the parameters leave out gets its default, as SQLAlchemy gives it (only plain values are supported).
    defaults = {}
    for column in [*compiled.insert_prefetch, *compiled.update_prefetch]:
        assert column.default is not None and column.default.is_scalar, f"{column}: only plain defaults are supported"
        defaults[column.key] = column.default.arg  # type: ignore[attr-defined]  # a scalar default's value
    binds = []
    for name in order:
        bind = compiled.binds[name]
        assert not bind.expanding, "lists of values are not supported"
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        default = defaults.get(bind.key, _REQUIRED if bind.required else bind.effective_value)
        binds.append((name, bind.key, default, process))
    columns = list(getattr(statement, "exported_columns", ()))
    returns = bool(columns) and bool(compiled.returning or statement.is_select)
    row = namedtuple("Row", [str(column.key) for column in columns], rename=True) if returns else None  # noqa: PYI024  # a type per statement
    processors = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns)
    return _Compiled(compiled.string, tuple(binds), positional, row, processors if returns else ())
