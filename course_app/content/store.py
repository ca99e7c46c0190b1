"""The catalogue a running server uses, one generation at a time, and reloading it when files change.

A **generation** is one complete load of the lesson files together with everything built from
it: the rendered pages kept for readers, the quiz forms. It is immutable once made, and it is
replaced as a whole: the new one is built beside the current one and swapped in only if it
brings no new errors — an educator's half-saved or broken edit is refused as a whole, logged,
and the previous version keeps serving — and the old one, with its caches, is then let go.

Reloading runs off the request path: a watcher thread (started with the first request, so a
process that never serves, such as gunicorn's master, runs none) looks at the files every
``check_interval`` seconds, so a ``git pull`` publishes with no operator step. The educator's
preview instead looks on every page load, so it always shows what is on disk.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import os
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from .model import Catalogue
from .problems import Problem, ProblemList

log = logging.getLogger("course_app.content")
T = TypeVar("T")
# A refused reload logs this many of its problems; `course-app lessons check` lists them all.
LOGGED_PROBLEMS = 20
_generation_numbers = itertools.count(1)


def fingerprint(root: Path) -> str:
    """A digest of every file's path, size and modification time under ``root`` (links not followed; not .git)."""
    digest = hashlib.sha256()
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != ".git")  # a link in any other folder is a change to check
        for name in sorted(files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]):
            try:
                status = os.lstat(os.path.join(folder, name))
            except OSError:
                continue
            digest.update(f"{folder}/{name}\0{status.st_size}\0{status.st_mtime_ns}\0{status.st_ino}\n".encode())
    return digest.hexdigest()


@dataclass
class Generation:
    """One load of the lesson files, and the caches that belong to it (they go when it goes)."""

    catalogue: Catalogue
    number: int = field(default_factory=lambda: next(_generation_numbers))
    _caches: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def cache(self, name: str, make: Callable[[], T]) -> T:
        """This generation's cache called ``name``, made by ``make()`` the first time it is asked for."""
        with self._lock:
            if name not in self._caches:
                self._caches[name] = make()
            found: T = self._caches[name]
            return found


def _watch_files(store_ref: weakref.ref[CatalogueStore]) -> None:
    """The watcher thread: looks every ``check_interval`` seconds until the store is closed or gone.

    It holds the store weakly, so a store no longer used (an app let go) is collected and its
    watcher ends, rather than the thread keeping it, and looking at its files, for ever.
    """
    while (store := store_ref()) is not None:
        interval, closed = store.check_interval, store._closed
        del store  # not held while waiting
        if closed.wait(interval) or (store := store_ref()) is None:
            return
        try:
            store.reload_if_changed()
        except Exception:  # noqa: BLE001 - a failed look must not end the watching; the next one retries
            log.exception("could not look at the lesson files")
        del store


@dataclass(frozen=True)
class ReloadResult:
    """What a reload did: ``accepted`` when the new catalogue replaced the old."""

    accepted: bool
    new_errors: tuple[Problem, ...] = ()


def _error_keys(catalogue: Catalogue) -> set[tuple[str, str]]:
    return {(str(p.path), p.message) for p in catalogue.problems if p.is_error}


class CatalogueStore:
    """Holds the current generation; with ``watch`` on, a watcher thread reloads it when files change."""

    def __init__(self, root: Path, load: Callable[[Path], Catalogue], *, watch: bool,
                 check_interval: float = 1.0, accept_errors: bool = False, read_now: bool = True) -> None:
        """:param check_interval: seconds between looks; 0 looks at every request (the educator's preview).
        :param accept_errors: serve a new version even with new errors (the educator's preview).
        :param read_now: read the files now (a server); else when first asked for (a command may never ask).
        """
        self.root = root
        self._load = load
        self._watch = watch
        self.check_interval = check_interval
        self._accept_errors = accept_errors
        self._lock = threading.Lock()
        self._watcher: threading.Thread | None = None
        self._watcher_pid: int | None = None
        # Set each time a new generation is swapped in (tests wait on it instead of sleeping).
        self.swapped = threading.Event()
        self._closed = threading.Event()
        self._fingerprint = ""
        self._generation: Generation  # set by the first read
        self._has_read = False
        if read_now:
            self._read_first()

    def _read_first(self) -> None:
        with self._lock:
            if not self._has_read:
                # Only a watching store needs to know the files' state; the others start faster without.
                self._fingerprint = fingerprint(self.root) if self._watch and self.root.is_dir() else ""
                self._generation = Generation(self._load_or_report(self.root))
                self._has_read = True

    @property
    def generation(self) -> Generation:
        """The generation to serve from now."""
        if not self._has_read:
            self._read_first()
        if self._watch:
            if self.check_interval <= 0:
                self.reload_if_changed()
            elif self._watcher_pid != os.getpid():
                self._start_watcher()
        return self._generation

    @property
    def catalogue(self) -> Catalogue:
        return self.generation.catalogue

    def _start_watcher(self) -> None:
        with self._lock:
            if self._watcher_pid == os.getpid():
                return
            self._watcher_pid = os.getpid()
            errors = sum(problem.is_error for problem in self._generation.catalogue.problems)
            if errors:
                # Said once, when the server starts serving; `course-app lessons check` lists them.
                log.warning("%d problem(s) in the lesson files leave some files out; run 'course-app lessons "
                            "check' to see them", errors)
            self._watcher = threading.Thread(target=_watch_files, args=(weakref.ref(self),),
                                             name="lesson-files-watcher", daemon=True)
            self._watcher.start()

    def close(self) -> None:
        """Stop watching the files (the watcher thread ends within one look)."""
        self._closed.set()

    def reload_if_changed(self) -> ReloadResult | None:
        """Reload when any file changed since the last look; None when nothing changed."""
        if not self._lock.acquire(blocking=False):
            return None  # another thread is already looking
        try:
            current = fingerprint(self.root) if self.root.is_dir() else ""
            if current == self._fingerprint:
                return None
            self._fingerprint = current
            return self._reload_locked()
        finally:
            self._lock.release()

    def _load_or_report(self, root: Path) -> Catalogue:
        """Load the lesson files; if loading itself fails (out of memory, say), an empty catalogue saying so.

        The loader reports bad files as problems and never raises for one; this is the last guard,
        so that no lesson file can stop a server from starting or a reload from being refused.
        Only the kind of failure is logged: its text could be as large as the file that caused it.
        """
        try:
            return self._load(root)
        except Exception as error:  # noqa: BLE001 - whatever a file did to the loader, the site keeps running
            log.error("could not read the lesson files (%s); run 'course-app lessons check'", type(error).__name__)
            problems = ProblemList()
            problems.error(root, 1, f"the lesson files could not be read ({type(error).__name__}); "
                           "run 'course-app lessons check'")
            return Catalogue((), tuple(problems), root)

    def _reload_locked(self) -> ReloadResult:
        candidate = self._load_or_report(self.root)
        new_errors = _error_keys(candidate) - _error_keys(self._generation.catalogue)
        if new_errors and not self._accept_errors:
            refused = tuple(p for p in candidate.problems if (str(p.path), p.message) in new_errors)
            log.error("lesson files changed but have errors; still serving the previous version")
            for problem in refused[:LOGGED_PROBLEMS]:
                log.error("%s", problem.format())
            if len(refused) > LOGGED_PROBLEMS:
                log.error("… and %d more; run 'course-app lessons check' to see them all",
                          len(refused) - LOGGED_PROBLEMS)
            return ReloadResult(False, refused)
        self._generation = Generation(candidate)
        self.swapped.set()
        log.info("lesson files reloaded: %d course(s)", len(candidate.courses))
        return ReloadResult(True)
