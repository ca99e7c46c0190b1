"""Problems found in lesson files, reported to educators as ``path:line: message``."""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class Severity(StrEnum):
    """How bad a problem is: an error leaves the file out; a warning is served anyway."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in one lesson file, at one line (1-based; 0 when the whole file is meant)."""

    path: Path
    line: int
    message: str
    severity: Severity = Severity.ERROR
    rule: str = "format"

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def display_path(self, relative_to: Path | None = None) -> str:
        """The path as an educator typed it: relative to ``relative_to`` (default: the cwd) when inside it."""
        base = relative_to or Path.cwd()
        try:
            if is_within(self.path, base):
                return os.path.relpath(self.path.parent.resolve() / self.path.name, base.resolve())
            return str(self.path)
        except ValueError:  # different drives on Windows
            return str(self.path)

    def format(self, relative_to: Path | None = None) -> str:
        """``path:line: message``, with ``warning:`` before the message of a warning."""
        label = "warning: " if self.severity is Severity.WARNING else ""
        return f"{self.display_path(relative_to)}:{max(self.line, 1)}: {label}{self.message}"

    def as_dict(self, relative_to: Path | None = None) -> dict[str, object]:
        """The problem as a JSON-ready object (for ``lessons check --format json``)."""
        return {
            "path": self.display_path(relative_to),
            "line": max(self.line, 1),
            "severity": self.severity.value,
            "rule": self.rule,
            "message": self.message,
        }


def is_within(path: Path, base: Path) -> bool:
    """Whether ``path`` is under ``base``; the path's own last part is not followed (it may be a reported link)."""
    try:
        (path.parent.resolve() / path.name).relative_to(base.resolve())
    except ValueError:
        return False
    return True


class ProblemList(list[Problem]):
    """Problems collected while reading files, with small helpers for the common cases."""

    def error(self, path: Path, line: int, message: str, rule: str = "format") -> None:
        self.append(Problem(path, line, message, Severity.ERROR, rule))

    def warning(self, path: Path, line: int, message: str, rule: str = "format") -> None:
        self.append(Problem(path, line, message, Severity.WARNING, rule))

    def has_errors_in(self, path: Path) -> bool:
        return any(p.is_error and p.path == path for p in self)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self if p.is_error]
