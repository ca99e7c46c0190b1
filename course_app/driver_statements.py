"""Statements of the busiest paths, run on the database driver's own cursor.

SQLAlchemy's execution of a statement it has compiled before — the cache look-up, an execution
context, the parameter and result objects — costs 15–25 µs more than the driver's own execute of
the same SQL (bench/results.md), a step that ran more times in a learner's request than anything
else: one or two statements per page view, six to ten per quiz submission. A ``DriverStatement``
is a Core statement compiled once for each kind of database (and each set of parameter names,
which decide an INSERT's columns), then run on the cursor of the same connection, so in the same
transaction, with parameters and results converted by the statement's own types, as SQLAlchemy
converts them (dates kept as text in SQLite, flags as numbers). A failure is handled as SQLAlchemy
handles any statement's (a lost connection invalidated, a ``DBAPIError`` or ``StatementError``
raised), and the engine's statement events are sent, so whatever listens to them (a test counting
statements) sees these too.

What SQLAlchemy does and this does not: a ``before_cursor_execute`` listener's returned statement
and parameters (``retval=True``) are not used, ``echo`` does not log these statements, and a
column whose result conversion needs the driver's own column type (PostgreSQL's ``Numeric``)
is not supported — none of the statements run this way has one.
"""

from __future__ import annotations

import threading
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
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
        self._compiled: dict[tuple[str, str, tuple[str, ...]], _Compiled] = {}
        self._lock = threading.Lock()

    def first(self, connection: Connection, parameters: Mapping[str, Any]) -> Any:
        """The first row, or None."""
        found = self.rows(connection, parameters)
        return found[0] if found else None

    def rows(self, connection: Connection, parameters: Mapping[str, Any]) -> list[Any]:
        """Every row the statement returns (named tuples, converted by the columns' types)."""
        compiled = self._for(connection.dialect, parameters)
        raw, _count = self._execute(connection, compiled, [parameters], many=False)
        return compiled.rows(raw)

    def run(self, connection: Connection, parameters: Mapping[str, Any]) -> int:
        """Run a statement that returns no rows; how many rows it changed."""
        compiled = self._for(connection.dialect, parameters)
        return self._execute(connection, compiled, [parameters], many=False)[1]

    def run_many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> int:
        """Run it once per row (every row naming the same parameters); how many rows it changed in all."""
        if not rows:
            return 0
        compiled = self._for(connection.dialect, rows[0])
        return self._execute(connection, compiled, rows, many=True)[1]

    def _for(self, dialect: Dialect, parameters: Mapping[str, Any]) -> _Compiled:
        # Every driver of a database has its own placeholders and casts, so the driver is part of the key.
        key = (dialect.name, dialect.driver, tuple(parameters))
        found = self._compiled.get(key)
        if found is None:
            with self._lock:
                found = self._compiled.setdefault(key, _compile(self.statement, dialect, tuple(parameters)))
        return found

    def _execute(self, connection: Connection, compiled: _Compiled, rows: Sequence[Mapping[str, Any]],
                 many: bool) -> tuple[list[Any], int]:
        cursor = None
        parameters: Any = None
        try:
            parameters = [compiled.parameters(row) for row in rows] if many else compiled.parameters(rows[0])
            cursor = connection.connection.cursor()
            connection.dispatch.before_cursor_execute(connection, cursor, compiled.sql, parameters, None, many)
            if many:
                cursor.executemany(compiled.sql, parameters)
            else:
                cursor.execute(compiled.sql, parameters)
            raw = list(cursor.fetchall()) if compiled.row is not None else []
            connection.dispatch.after_cursor_execute(connection, cursor, compiled.sql, parameters, None, many)
            count: int = cursor.rowcount
            cursor.close()
            return raw, count
        except BaseException as error:
            # As for any statement: a lost connection is noticed and invalidated, the handle_error event is sent,
            # and the error is SQLAlchemy's (a DBAPIError, or a StatementError for a parameter it cannot convert).
            connection._handle_dbapi_exception(error, compiled.sql, parameters, cursor, None)  # noqa: SLF001


def _compile(statement: Executable, dialect: Dialect, names: tuple[str, ...]) -> _Compiled:
    compiled = statement.compile(dialect=dialect, column_keys=list(names))  # type: ignore[attr-defined]  # every statement here is a ClauseElement
    if not isinstance(compiled, SQLCompiler):
        raise TypeError(f"{statement!r}: a DriverStatement runs SQL statements only")
    positional = compiled.positiontup is not None
    order = list(compiled.positiontup) if compiled.positiontup is not None else list(dict.fromkeys(
        compiled.bind_names.values()))
    # A column the parameters leave out gets its default (on an UPDATE, its onupdate value), as SQLAlchemy gives
    # it; only plain values are supported, not functions.
    defaults = {}
    for column, default in [*((column, column.default) for column in compiled.insert_prefetch),
                            *((column, column.onupdate) for column in compiled.update_prefetch)]:
        if default is None or not default.is_scalar:
            raise ValueError(f"{column}: a DriverStatement supports plain column defaults only")
        defaults[column.key] = default.arg  # type: ignore[attr-defined]  # a scalar default's value
    binds = []
    for name in order:
        bind = compiled.binds[name]
        if bind.expanding or bind.callable is not None or bind.literal_execute:
            raise ValueError(f"{name}: a DriverStatement supports plain parameters only (no lists, functions or "
                             "values written into the SQL)")
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        default = defaults.get(bind.key, _REQUIRED if bind.required else bind.effective_value)
        binds.append((name, bind.key, default, process))
    columns = list(getattr(statement, "exported_columns", ()))
    returns = bool(columns) and bool(compiled.returning or statement.is_select)
    row = namedtuple("Row", [str(column.key) for column in columns], rename=True) if returns else None  # noqa: PYI024  # a type per statement
    processors = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns)
    return _Compiled(compiled.string, tuple(binds), positional, row, processors if returns else ())
