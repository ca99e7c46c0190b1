"""The catalogue a running server uses, and reloading it when lesson files change.

A reload builds a whole new catalogue beside the current one and swaps it in only if it
brings no new errors: an educator's half-saved or broken edit is refused as a whole, logged,
and the previous version keeps serving.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .model import Catalogue
from .problems import Problem

log = logging.getLogger("course_app.content")


def fingerprint(root: Path) -> str:
    """A digest of every file's path, size and modification time under ``root``."""
    digest = hashlib.sha256()
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            try:
                stat = os.stat(os.path.join(folder, name))
            except OSError:
                continue
            digest.update(f"{folder}/{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class ReloadResult:
    """What a reload did: ``accepted`` when the new catalogue replaced the old."""

    accepted: bool
    new_errors: tuple[Problem, ...] = ()


def _error_keys(catalogue: Catalogue) -> set[tuple[str, str]]:
    return {(str(p.path), p.message) for p in catalogue.problems if p.is_error}


class CatalogueStore:
    """Holds the current catalogue; with ``watch`` on, checks for changed files between requests."""

    def __init__(self, root: Path, load: Callable[[Path], Catalogue], *, watch: bool,
                 check_interval: float = 1.0, accept_errors: bool = False) -> None:
        """:param accept_errors: serve a new version even with new errors (the educator's preview)."""
        self.root = root
        self._load = load
        self._watch = watch
        self._check_interval = check_interval
        self._accept_errors = accept_errors
        self._lock = threading.Lock()
        # Only a watching store needs to know the files' state; the others start faster without.
        self._fingerprint = fingerprint(root) if watch and root.is_dir() else ""
        self._catalogue = load(root)
        self._last_check = time.monotonic()
        for problem in self._catalogue.problems:
            _log_problem(problem)

    @property
    def catalogue(self) -> Catalogue:
        if self._watch and time.monotonic() - self._last_check >= self._check_interval:
            self.reload_if_changed()
        return self._catalogue

    def reload_if_changed(self) -> ReloadResult | None:
        """Reload when any file changed since the last look; None when nothing changed."""
        if not self._lock.acquire(blocking=False):
            return None  # another thread is already looking
        try:
            self._last_check = time.monotonic()
            current = fingerprint(self.root) if self.root.is_dir() else ""
            if current == self._fingerprint:
                return None
            self._fingerprint = current
            return self._reload_locked()
        finally:
            self._lock.release()

    def _reload_locked(self) -> ReloadResult:
        candidate = self._load(self.root)
        new_errors = _error_keys(candidate) - _error_keys(self._catalogue)
        if new_errors and not self._accept_errors:
            refused = tuple(p for p in candidate.problems if (str(p.path), p.message) in new_errors)
            log.error("lesson files changed but have errors; still serving the previous version")
            for problem in refused:
                _log_problem(problem)
            return ReloadResult(False, refused)
        self._catalogue = candidate
        log.info("lesson files reloaded: %d course(s)", len(candidate.courses))
        return ReloadResult(True)


def _log_problem(problem: Problem) -> None:
    level = logging.ERROR if problem.is_error else logging.WARNING
    log.log(level, "%s", problem.format())
