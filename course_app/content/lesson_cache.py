"""Lessons already read, kept between starts, so a server with thousands of lesson files starts fast.

Reading a lesson (Markdown, YAML, the boundary checks on each file) is most of a start-up. A
lesson's result depends only on the files in its own folder (and its ``MEDIA_DIR`` folder), on
where it sits in the course, on which lessons exist (its links are checked against them), on the
load options and on this code. The cache keeps each lesson's result under a digest of all of
those, the files taken by their status (size, times, inode, link count, link target), so any
change to a lesson's files — an edit, a new file, a link, a second name — makes a new key and
the lesson is read again from its files.

Two rules keep a cached lesson from ever standing for other content:

- A lesson whose files changed in the last few seconds is not kept: a file rewritten within one
  tick of the file system's clock, at the same size, would otherwise keep its old status (the
  "racily clean" case git also guards against). It is kept on a later load.
- The cache file is signed with a key derived from ``SECRET_KEY``, and read only when the
  signature holds. It holds pickles, which may run code when read; a file that someone other than
  this server wrote is never unpickled.

The file is one record per lesson, each signed on its own and unpickled on its own, so a start
holds one lesson's bytes at a time. One pickle of every lesson would hold the whole file twice over
while it is read, and would keep every string it unpickles until the end; the holes those leave
stay in the worker's memory: about 20 MiB with 1,000 lessons × 3 languages.

Besides lessons, it keeps what is worked out from one lesson's files alone (``remember``), under a
key made from that lesson's: the warnings about words the course's terms.yaml says to avoid.

The cache is an optimisation only: a missing, unreadable, forged or outdated file is ignored
and every lesson is read from its files. ``course-app lessons check`` never uses it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import pickle
import stat
import struct
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import Any, BinaryIO

log = logging.getLogger("course_app.content")

PACKAGE_DIR = Path(__file__).resolve().parent.parent
# Libraries whose output ends up in a read lesson: a new version may render differently.
RENDERING_LIBRARIES = ("markdown-it-py", "mdit-py-plugins", "nh3", "PyYAML")
# Files changed more recently than this are read again next time rather than kept (see above).
RACY_SECONDS = 2.0
# What a cache file begins with; then records, each its payload's length, its signature and its payload (a pickle
# of one lesson's key and what was kept under it).
FILE_HEADER = b"course_app lesson cache: signed records\n"
_LENGTH = struct.Struct(">Q")
SIGNATURE_BYTES = hashlib.sha256().digest_size

_code_digest: str | None = None


def code_digest() -> str:
    """A digest of this package's code and the rendering libraries' versions (a new release reads lessons again)."""
    global _code_digest
    if _code_digest is None:
        digest = hashlib.sha256(sys.version.encode())
        for name in RENDERING_LIBRARIES:
            try:
                digest.update(f"{name}={metadata.version(name)}\n".encode())
            except metadata.PackageNotFoundError:
                digest.update(f"{name}=absent\n".encode())
        for source in sorted(PACKAGE_DIR.rglob("*.py")):
            digest.update(source.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0" + source.read_bytes())
        _code_digest = digest.hexdigest()
    return _code_digest


def folder_status(folder: Path) -> tuple[str, int]:
    """Every entry under ``folder`` (links not followed) by its status, and the newest change time (ns).

    A link is described by its target too, and by the status of what it leads to, because the
    boundary checks follow it.
    """
    lines: list[str] = []
    newest = 0
    pending = [("", str(folder))]
    while pending:
        prefix, current = pending.pop()
        try:
            with os.scandir(current) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in entries:
            try:
                own = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            newest = max(newest, own.st_mtime_ns, own.st_ctime_ns)
            name = prefix + entry.name
            line = (f"{name}\0{own.st_mode}\0{own.st_size}\0{own.st_mtime_ns}\0{own.st_ctime_ns}\0{own.st_ino}"
                    f"\0{own.st_nlink}")
            if stat.S_ISLNK(own.st_mode):
                try:
                    target = os.stat(entry.path)
                    line += f"\0{os.readlink(entry.path)}\0{os.path.realpath(entry.path)}\0{target.st_mode}" \
                            f"\0{target.st_size}\0{target.st_mtime_ns}\0{target.st_ino}\0{target.st_nlink}"
                except OSError:
                    line += "\0broken"
            elif stat.S_ISDIR(own.st_mode):
                pending.append((name + "/", entry.path))
            lines.append(line)
    return "\n".join(lines), newest


class LessonCache:
    """Read lessons by key, loaded from and saved to one signed file.

    Each load looks lessons up with ``get`` and hands new ones to ``keep``; ``save`` then writes
    the lessons this load used, so lessons that were removed or changed drop out of the file.
    """

    def __init__(self, path: Path, secret: str, *, now: Callable[[], float] = time.time) -> None:
        """:param now: the time in seconds (tests pass a later one, as if the files had aged)."""
        self.path = path
        self._now = now
        self._key = hmac.new(secret.encode(), b"course_app lesson cache", hashlib.sha256).digest()
        self._lock = threading.Lock()
        self._stored: dict[str, Any] | None = None
        self._used: dict[str, Any] = {}
        self._changed = False
        self._reused = self._read_anew = 0
        # The last load: lessons taken from the cache, and lessons read from their files.
        self.last_load = (0, 0)

    def key(self, *parts: object, folders: Iterable[Path]) -> str | None:
        """The key of a lesson made from ``parts`` and the files under ``folders``; None when they are too
        new to keep."""
        digest = hashlib.sha256(code_digest().encode())
        newest = 0
        for part in parts:
            digest.update(repr(part).encode() + b"\n")
        for folder in folders:
            listing, folder_newest = folder_status(folder)
            digest.update(f"{folder}\0{os.path.realpath(folder)}\n{listing}\n".encode())
            newest = max(newest, folder_newest)
        if newest > (self._now() - RACY_SECONDS) * 1e9:
            return None
        return digest.hexdigest()

    def get(self, key: str | None) -> Any:
        """What was kept under ``key``, or None."""
        if key is None:
            return None
        with self._lock:
            found = self._take(key)
            if found is not None:
                self._reused += 1
            return found

    def keep(self, key: str | None, value: Any) -> None:
        """Keep a lesson just read from its files (counted as read anew; not kept when ``key`` is None)."""
        with self._lock:
            self._read_anew += 1
        if key is not None:
            self.remember(key, value)

    def recall(self, key: str) -> Any:
        """What ``remember`` kept under ``key`` (something worked out from a lesson's files, under a key made
        from that lesson's), or None; not counted as a lesson."""
        with self._lock:
            return self._take(key)

    def _take(self, key: str) -> Any:
        """What the file keeps under ``key`` (read at the first look-up), kept for the next save; with the lock."""
        if self._stored is None:
            self._stored = self._read()
        found = self._stored.get(key)
        if found is not None:
            self._used[key] = found
        return found

    def remember(self, key: str, value: Any) -> None:
        with self._lock:
            self._used[key] = value
            self._changed = True

    def save(self) -> None:
        """Write the lessons this load used (when anything changed), then start the next load afresh."""
        with self._lock:
            used, changed, stored = self._used, self._changed, self._stored or {}
            self._stored, self._used, self._changed = used, {}, False
            self.last_load = (self._reused, self._read_anew)
            self._reused = self._read_anew = 0
        log.info("lessons: %d unchanged, taken from the cache; %d read from their files", *self.last_load)
        if not changed and used.keys() == stored.keys():
            return
        temporary = None
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            # Written beside and renamed into place: several server processes may save at once.
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".lesson-cache-")
            with os.fdopen(handle, "wb") as file:
                file.write(FILE_HEADER)
                for item in used.items():
                    payload = pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)
                    file.write(_LENGTH.pack(len(payload)) + self._sign(payload))
                    file.write(payload)
            os.replace(temporary, self.path)
            temporary = None
        except Exception as error:  # noqa: BLE001 - a cache not saved only makes the next start slower
            log.warning("could not save the lesson cache %s: %s (lessons are read from their files)", self.path, error)
        finally:
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()

    def _read(self) -> dict[str, Any]:
        """Every lesson the file keeps, or nothing when any part of it is not as this server wrote it."""
        try:
            with self.path.open("rb") as file:
                return self._records(file)
        except OSError:
            return {}
        except _NotSigned:
            log.warning("the lesson cache %s is not signed by this server (an earlier version's file, or one changed "
                        "since): ignored, lessons are read from their files", self.path)
        except _Unreadable:
            log.warning("the lesson cache %s could not be read: ignored", self.path)
        return {}

    def _records(self, file: BinaryIO) -> dict[str, Any]:
        """The records of an open cache file, each unpickled only once its own signature holds."""
        if file.read(len(FILE_HEADER)) != FILE_HEADER:
            raise _NotSigned  # not a file this code writes (another version's, or planted)
        size = os.fstat(file.fileno()).st_size
        stored: dict[str, Any] = {}
        head_bytes = _LENGTH.size + SIGNATURE_BYTES
        while head := file.read(head_bytes):
            if len(head) != head_bytes:
                raise _NotSigned
            (length,) = _LENGTH.unpack_from(head)
            if length > size:  # no record is longer than its file: a length made up, not one to allocate
                raise _NotSigned
            payload = file.read(length)
            if len(payload) != length or not hmac.compare_digest(head[_LENGTH.size:], self._sign(payload)):
                raise _NotSigned
            try:
                key, value = pickle.loads(payload)  # nosec B301 - signed by this server (checked just above)
            except Exception as error:  # noqa: BLE001 - another Python, a bug: only a slower start
                raise _Unreadable from error
            stored[key] = value
        return stored


class _NotSigned(Exception):
    """A cache file, or a record in it, that this server did not write."""


class _Unreadable(Exception):
    """A signed record that does not unpickle."""
