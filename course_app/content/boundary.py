"""The lesson tree is untrusted input: no file it names may lie outside its own folder.

Anyone who can commit to the lessons repository is an educator, not an administrator. A
symbolic link (``db.pdf -> ../../../instance/course_app.sqlite3``), a ``..`` or an absolute
path in a field, a hard link or a device file could otherwise publish any file the server can
read. So every file the loader reads or publishes is examined here first: it must be a plain
file whose real location (symbolic links followed) is inside the folder it belongs to — its
lesson folder, or ``MEDIA_DIR/<course>/<lesson>/`` — and it must have no second name (a hard
link may be the same file as one anywhere on the disk). A file is then opened as it was
examined, without following links (``open_examined``): the loader so reads lesson texts,
subtitles and handouts, and the media view and the mirror export, which examine a file again
when they send it (a link can appear after the catalogue was loaded), so open what they send.
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .problems import ProblemList

LINK_OUTSIDE = "is a symbolic link to a file outside {folder}; put a real copy of the file there instead"
FOLDER_LINK_OUTSIDE = "is a symbolic link to a folder outside {folder}; put the files themselves there instead"
NOT_A_FILE = "is not a plain file (a device, pipe or socket is never read or published)"
HARD_LINK = ("is a hard link: the same file also has another name, perhaps outside {folder}; "
             "replace it with a plain copy (cp --remove-destination …)")
BROKEN_LINK = "is a symbolic link that leads nowhere"


class OutsideBoundary(Exception):
    """A file may not be read or published; the message says why, in an educator's words."""


@dataclass(frozen=True)
class Examined:
    """A file that passed: its real location, the folder it was checked against, and which file it was (its
    device and inode: ``open_examined`` opens that file or none)."""

    path: Path
    real_path: Path
    folder: Path
    identity: tuple[int, int]


def is_inside(path: str, folder: str) -> bool:
    """Whether the real path ``path`` is ``folder`` itself or lies below it (both already resolved)."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def relative_reference(name: str) -> str | None:
    """``name`` as a clean path inside a lesson folder (``media/film.mp4``), or None if it leads out.

    Absolute paths, ``..`` that climbs out, empty names and NUL bytes are refused; ``./a`` and
    ``a/../b`` are tidied.
    """
    if not name or "\0" in name or name.startswith(("/", "\\")):
        return None
    tidy = posixpath.normpath(name)
    if tidy in {".", ".."} or tidy.startswith("../") or tidy.startswith("/"):
        return None
    return tidy


def _describe(folder: Path) -> str:
    return f"the folder {folder.name}/"


def examine(path: Path, folder: Path) -> Examined | None:
    """The file at ``path`` if it may be used as part of ``folder``; None if nothing is there.

    :raises OutsideBoundary: when something is there but must not be read or published.
    """
    try:
        own = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise OutsideBoundary(f"cannot be read ({error.strerror})") from None
    real_folder = os.path.realpath(folder)
    real = os.path.realpath(path)
    if stat.S_ISLNK(own.st_mode):
        if not os.path.exists(real):
            raise OutsideBoundary(BROKEN_LINK)
        if not is_inside(real, real_folder):
            raise OutsideBoundary(LINK_OUTSIDE.format(folder=_describe(folder)))
    elif not is_inside(real, real_folder):
        # The path itself climbs out through a linked folder on the way.
        raise OutsideBoundary(FOLDER_LINK_OUTSIDE.format(folder=_describe(folder)))
    target = os.stat(real)
    if not stat.S_ISREG(target.st_mode):
        raise OutsideBoundary(NOT_A_FILE)
    if target.st_nlink > 1:
        raise OutsideBoundary(HARD_LINK.format(folder=_describe(folder)))
    return Examined(path, Path(real), Path(real_folder), (target.st_dev, target.st_ino))


def examine_folder(path: Path, parent: Path) -> Path | None:
    """``path`` as a real folder inside ``parent``; None if there is no folder there.

    :raises OutsideBoundary: when it is a link that leads out of ``parent``.
    """
    if not os.path.isdir(path):
        return None
    real = os.path.realpath(path)
    if not is_inside(real, os.path.realpath(parent)) or real == os.path.realpath(parent):
        raise OutsideBoundary(FOLDER_LINK_OUTSIDE.format(folder=_describe(parent)))
    return Path(real)


@dataclass
class OpenedFile:
    """A published file opened for sending: the open file, its status and its real path."""

    handle: BinaryIO
    status: os.stat_result
    real_path: Path


def open_examined(found: Examined) -> OpenedFile:
    """Open the very file ``examine`` let through, as it is now, or refuse.

    Its real path is opened with ``O_NOFOLLOW`` (a link put in the file's place is not followed) and
    ``O_NONBLOCK`` (a pipe put there cannot make the open wait); the open file must be the one examined (its
    device and inode: a folder on the way replaced by a link leads to another file), and still a plain file with
    one name.

    :raises OutsideBoundary: when it may no longer be read or published (or is gone).
    """
    try:
        # Python opens descriptors that no child process inherits (PEP 446), so O_CLOEXEC is not needed.
        descriptor = os.open(found.real_path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        raise OutsideBoundary("is gone") from None
    except OSError as error:  # ELOOP: a symbolic link was put in its place
        raise OutsideBoundary(f"cannot be read ({error.strerror})") from None
    handle = os.fdopen(descriptor, "rb")
    status = os.fstat(descriptor)
    if (status.st_dev, status.st_ino) != found.identity:
        handle.close()
        raise OutsideBoundary("changed while it was being checked; try again")
    if not stat.S_ISREG(status.st_mode):
        handle.close()
        raise OutsideBoundary(NOT_A_FILE)
    if status.st_nlink > 1:
        handle.close()
        raise OutsideBoundary(HARD_LINK.format(folder=_describe(found.folder)))
    return OpenedFile(handle, status, found.real_path)


def open_published(path: Path, folder: Path) -> OpenedFile:
    """Open a published file for sending, examining it again at this moment (``examine``, then ``open_examined``).

    :raises OutsideBoundary: when the file is gone or may no longer be published.
    """
    examined = examine(path, folder)
    if examined is None:
        raise OutsideBoundary("is gone")
    return open_examined(examined)


# Git's own folder holds git's objects, not lesson files, and git never checks out links into it.
NOT_AUDITED = frozenset({".git"})


def _walk_entries(folder: str) -> Iterator[os.DirEntry[str]]:
    """Every entry below ``folder`` without following links, drafts (``_drafts/``) and dot-folders included.

    A folder the site never publishes is still one a front server, a mirror tool or an
    educator's script could read, so every path under a course is examined, except ``.git``.
    """
    with os.scandir(folder) as scan:
        entries = sorted((entry for entry in scan if entry.name not in NOT_AUDITED), key=lambda entry: entry.name)
    for entry in entries:
        yield entry
        if entry.is_dir(follow_symlinks=False):
            yield from _walk_entries(entry.path)


def audit_course_folder(course_folder: Path, lesson_folders: set[str], problems: ProblemList) -> None:
    """Report every link, hard link or special file in a course that could reach outside its folder.

    A file inside a lesson folder must stay inside that lesson folder; a file beside the lessons
    (course.yaml) inside the course folder. Files nobody links to are reported too: a front
    server that serves media directly must never find a way out either.
    """
    prefix = len(str(course_folder)) + 1
    for entry in _walk_entries(str(course_folder)):
        parts = entry.path[prefix:].split(os.sep)
        lesson = parts[0] if len(parts) > 1 and parts[0] in lesson_folders else None
        folder = course_folder / lesson if lesson is not None else course_folder
        path = Path(entry.path)
        try:
            if entry.is_symlink():
                # Where a link leads is checked against the folder it belongs to.
                if os.path.isdir(entry.path):
                    examine_folder(path, folder)
                else:
                    examine(path, folder)
            elif not entry.is_dir(follow_symlinks=False):
                # Not a link, reached without following one: the entry is where its path says, inside
                # ``folder``; what remains is to be a plain file with one name (what examine() checks).
                status = entry.stat(follow_symlinks=False)
                if not stat.S_ISREG(status.st_mode):
                    raise OutsideBoundary(NOT_A_FILE)
                if status.st_nlink > 1:
                    raise OutsideBoundary(HARD_LINK.format(folder=_describe(folder)))
        except OutsideBoundary as refusal:
            problems.error(path, 1, f"'{entry.name}' {refusal}", rule="boundary")
