"""The catalogue a running server uses, one generation at a time, and reloading it when files change.

A **generation** is one complete load of the lesson files together with everything built from
it: the rendered pages kept for readers, the quiz forms. It is immutable once made, and it is
replaced as a whole: the new one is built beside the current one, swapped in, and the old one,
with its caches, is let go.

One rule decides what a generation serves, whether it is made at start-up, by the watcher or
after a HUP: the files as they are now (see loader.py). A lesson whose files have errors is held
back — learners get "this lesson is being updated" — and every other change is published. The
answer depends on the files alone, never on what a process happened to load before, so every
server reading the same files serves the same thing. What is held back, and why, is logged when a
server starts serving and whenever it changes.

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

from .model import Catalogue, HeldBack
from .problems import ProblemList

log = logging.getLogger("course_app.content")
T = TypeVar("T")
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
    """What a reload changed in what is held back: newly held back, and published again."""

    held_back: tuple[HeldBack, ...] = ()
    released: tuple[HeldBack, ...] = ()


def _held_back_keys(catalogue: Catalogue) -> dict[tuple[str, str], HeldBack]:
    return {(str(item.path), item.describe()): item for item in catalogue.held_back}


class CatalogueStore:
    """Holds the current generation; with ``watch`` on, a watcher thread reloads it when files change."""

    def __init__(self, root: Path, load: Callable[[Path], Catalogue], *, watch: bool,
                 check_interval: float = 1.0, report: bool = True, read_now: bool = True) -> None:
        """:param check_interval: seconds between looks; 0 looks at every request (the educator's preview).
        :param report: log what is held back, and why (a server; the preview shows it on its pages instead).
        :param read_now: read the files now (a server); else when first asked for (a command may never ask).
        """
        self.root = root
        self._load = load
        self._watch = watch
        self.check_interval = check_interval
        self._report = report
        self._lock = threading.Lock()
        self._watcher: threading.Thread | None = None
        self._watcher_pid: int | None = None
        self._announced_pid: int | None = None
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
                self._generation = Generation(self._load_or_report(self.root) or self._nothing_read(self.root))
                self._has_read = True

    @property
    def generation(self) -> Generation:
        """The generation to serve from now."""
        if not self._has_read:
            self._read_first()
        if self._report and self._announced_pid != os.getpid():
            self._announce()  # what the process read at start; a reload then logs what changed
        if self._watch:
            if self.check_interval <= 0:
                self.reload_if_changed()
            elif self._watcher_pid != os.getpid():
                self._start_watcher()
        return self._generation

    def _announce(self) -> None:
        """Log what is held back, and why, when this process starts serving (`lessons check` lists every problem)."""
        with self._lock:
            if self._announced_pid == os.getpid():
                return
            self._announced_pid = os.getpid()
            for item in self._generation.catalogue.held_back:
                log.warning("%s", item.describe(self.root.parent))

    @property
    def catalogue(self) -> Catalogue:
        return self.generation.catalogue

    def _start_watcher(self) -> None:
        with self._lock:
            if self._watcher_pid == os.getpid():
                return
            self._watcher_pid = os.getpid()
            self._watcher = threading.Thread(target=_watch_files, args=(weakref.ref(self),),
                                             name="lesson-files-watcher", daemon=True)
            self._watcher.start()
        # Files changed between this process's start and its first request (a worker idle since a HUP) are read
        # now, once: its first answer is the same as every other server's.
        self.reload_if_changed()

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

    def _load_or_report(self, root: Path) -> Catalogue | None:
        """Load the lesson files; None (logged) if loading itself fails, out of memory say.

        The loader reports bad files as problems and never raises for one; this is the last guard,
        so that no lesson file can stop a server from starting or end its watcher. Only the kind of
        failure is logged: its text could be as large as the file that caused it.
        """
        try:
            return self._load(root)
        except Exception as error:  # noqa: BLE001 - whatever a file did to the loader, the site keeps running
            log.error("could not read the lesson files (%s); run 'course-app lessons check'", type(error).__name__)
            return None

    @staticmethod
    def _nothing_read(root: Path) -> Catalogue:
        """What a server starts with when the loader itself failed: no course, and the problem to show for it."""
        problems = ProblemList()
        problems.error(root, 1, "the lesson files could not be read; run 'course-app lessons check'")
        return Catalogue((), tuple(problems), root)

    def _reload_locked(self) -> ReloadResult:
        """Load the files and serve them: the one rule of loader.py, with nothing kept from the previous load.

        Only if loading itself fails (no file can make it, but memory can run out) does the previous
        generation stay: there is nothing else to serve.
        """
        candidate = self._load_or_report(self.root)
        if candidate is None:
            return ReloadResult()
        before, after = _held_back_keys(self._generation.catalogue), _held_back_keys(candidate)
        result = ReloadResult(tuple(item for key, item in after.items() if key not in before),
                              tuple(item for key, item in before.items() if key not in after))
        self._generation = Generation(candidate)
        self.swapped.set()
        log.info("lesson files reloaded: %d course(s)", len(candidate.courses))
        if self._report:
            for item in result.held_back:
                log.warning("%s", item.describe(self.root.parent))
            for item in result.released:
                log.info("published again: %s", item.what)
        return result
