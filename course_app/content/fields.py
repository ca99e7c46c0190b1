"""Checking fields read from YAML: required, unknown, and of the right kind, each with its line."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from pathlib import Path

from .problems import ProblemList
from .yaml_lines import LineDict, LineList, excerpt

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_RULE = "lowercase letters a–z, digits and single hyphens, e.g. 'forced-labour'"
# Every id a lesson file gives (questions, choices, items, pairs, groups, terms) follows the same rule.
ID_RULE = "lowercase letters a–z, digits and single hyphens"


def id_fix(value: str) -> str:
    """How to write ``value`` as an id, said plainly: "write 'notice-period'" (or how, when no letter is Latin)."""
    suggestion = re.sub(r"[^a-z0-9]+", "-", value[:200].lower()).strip("-")
    if SLUG_PATTERN.match(suggestion):
        return f"write '{excerpt(suggestion)}'"
    return "use Latin letters, e.g. 'notice-period'"


def id_problem(value: str, what: str) -> str | None:
    """The message for an id that breaks the rule, with the fix in it; None for a good id."""
    if SLUG_PATTERN.match(value):
        return None
    return f"{what} '{excerpt(value)}' must be {ID_RULE}: {id_fix(value)}"


class FieldReader:
    """Reads typed values out of one YAML mapping, reporting each problem with its line."""

    def __init__(self, data: LineDict, path: Path, problems: ProblemList, where: str = "", *,
                 report_missing: bool = True) -> None:
        """:param report_missing: say so when a required key is absent (not when the data was recovered from a file
            with a syntax error, where the key may be on the line that could not be read)."""
        self.data = data
        self.path = path
        self.problems = problems
        self.where = where
        self.report_missing = report_missing

    def _label(self, key: str) -> str:
        return f"'{key}' in {self.where}" if self.where else f"'{key}'"

    def line(self, key: str | None = None) -> int:
        return self.data.line_of(key) if key is not None else self.data.line

    def check_keys(self, allowed: Iterable[str]) -> None:
        """Report every key that is not in ``allowed`` (typos would otherwise be silently ignored)."""
        allowed = list(allowed)
        for key in self.data:
            if key not in allowed:
                hint = _closest(excerpt(key), allowed)
                suggestion = f" (did you mean '{hint}'?)" if hint else f" (allowed: {', '.join(allowed)})"
                self.problems.error(self.path, self.data.line_of(key),
                                    f"unknown key {self._label(excerpt(key))}{suggestion}")

    def has(self, key: str) -> bool:
        return key in self.data and self.data[key] is not None

    def missing(self, key: str, hint: str = "") -> None:
        if not self.report_missing:
            return
        self.problems.error(self.path, self.data.line, f"missing required key {self._label(key)}{hint}")

    def text(self, key: str, *, required: bool = True, default: str = "") -> str:
        """A non-empty string value."""
        if not self.has(key):
            if required:
                self.missing(key)
            return default
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.problems.error(self.path, self.line(key),
                                f"{self._label(key)} must be text (put it in quotes if it is yes/no/true/false)")
            return default
        text = str(value).strip()
        if not text and required:
            self.problems.error(self.path, self.line(key), f"{self._label(key)} is empty")
        return text

    def integer(self, key: str, *, required: bool = False, default: int | None = None,
                minimum: int | None = None, maximum: int | None = None) -> int | None:
        """A whole number within bounds."""
        if not self.has(key):
            if required:
                self.missing(key)
            return default
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int):
            self.problems.error(self.path, self.line(key),
                                f"{self._label(key)} must be a whole number, not '{excerpt(value)}'")
            return default
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            bounds = f"from {minimum} to {maximum}" if maximum is not None else f"at least {minimum}"
            self.problems.error(self.path, self.line(key), f"{self._label(key)} must be {bounds}, not {value}")
            return default
        return value

    def boolean(self, key: str, *, default: bool = False) -> bool:
        if not self.has(key):
            return default
        value = self.data[key]
        if not isinstance(value, bool):
            self.problems.error(self.path, self.line(key),
                                f"{self._label(key)} must be true or false, not '{excerpt(value)}'")
            return default
        return value

    def mapping(self, key: str, *, required: bool = True) -> LineDict | None:
        if not self.has(key):
            if required:
                self.missing(key)
            return None
        value = self.data[key]
        if not isinstance(value, LineDict):
            self.problems.error(self.path, self.line(key), f"{self._label(key)} must be a list of 'key: value' lines")
            return None
        return value

    def sequence(self, key: str, *, required: bool = True) -> LineList | None:
        if not self.has(key):
            if required:
                self.missing(key)
            return None
        value = self.data[key]
        if not isinstance(value, LineList):
            self.problems.error(self.path, self.line(key),
                                f"{self._label(key)} must be a list (lines starting with '- ')")
            return None
        return value

    def slug(self, key: str, *, required: bool = True) -> str:
        """An id (``group``, a term's ``id``): empty, and reported with the fix, when it breaks the rule."""
        value = self.text(key, required=required)
        problem = id_problem(value, self._label(key)) if value else None
        if problem:
            self.problems.error(self.path, self.line(key), problem)
            return ""
        return value

    def identifier(self, key: str, *, what: str) -> str:
        """A required id of a question, choice, item or pair: reported with the fix when it breaks the rule, but
        returned as written, so that the rest of the quiz is still checked against it."""
        value = self.text(key)
        problem = id_problem(value, f"{what} id") if value else None
        if problem:
            self.problems.error(self.path, self.line(key), problem)
        return value


def _closest(word: str, options: list[str]) -> str | None:
    matches = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return matches[0] if matches else None

