"""A mirror's zip read strictly: only zips that every common unpacker reads the same way pass.

A zip can be read differently by Python's ``zipfile`` (what ``export verify`` unpacks with) and by
Info-ZIP ``unzip`` (Debian's default): an Info-ZIP Unicode-path extra field (0x7075) renames an
entry for ``unzip`` only; an entry whose name ends in ``/`` is a folder to one reader and may
still carry a file's bytes for another; two names that differ only in case are one file on many
disks; the local header may name an entry differently from the central directory; bytes hidden
between or after the entries, or in a comment, are read by some tools and not by others. A
forger uses exactly these to have a copy verified by one reader and unpacked differently by
another. So a zip is checked here byte by byte, from its end record to every local header,
before anything is unpacked, and refused — naming the entry — if it holds any of:

- an extra field other than the ones the exporter writes (only zip64 sizes, when a file or the
  zip is larger than 4 GiB), in the central directory or in a local header;
- an entry whose name ends in ``/`` and carries data; a name that is not a plain relative path
  (``..``, ``.``, empty parts, absolute, a backslash, a drive letter, control characters), or
  that is neither ASCII nor UTF-8 with the zip's UTF-8 flag set;
- two entries whose names are the same, differ only in case or Unicode form, or make a name both
  a file and a folder;
- an encrypted entry, a data descriptor, a compression other than stored or deflate, an entry
  comment, a local header that disagrees with the central directory;
- a zip comment, or any byte before the first entry, between entries, between the entries and
  the central directory, or after the end record.

The exporter writes only zips that pass (``mirror/export.py`` checks its own zip with this).
"""

from __future__ import annotations

import os
import stat
import struct
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_END = struct.Struct("<4sHHHHIIH")
_ZIP64_LOCATOR = struct.Struct("<4sIQI")
_ZIP64_END = struct.Struct("<4sQHHIIQQQQ")
_LOCAL_SIGNATURE = b"PK\x03\x04"
_CENTRAL_SIGNATURE = b"PK\x01\x02"
_END_SIGNATURE = b"PK\x05\x06"
_ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_ZIP64_END_SIGNATURE = b"PK\x06\x06"
ZIP64_EXTRA = 0x0001
# The only extra field the exporter (Python's zipfile) writes, and only past 4 GiB.
ALLOWED_EXTRA_FIELDS = frozenset({ZIP64_EXTRA})
KNOWN_EXTRA_FIELDS = {
    0x7075: "Info-ZIP Unicode path, which renames the entry for unzip only",
    0x6375: "Info-ZIP Unicode comment",
    0x5455: "extended timestamp",
    0x7875: "Info-ZIP Unix owner",
    0x000A: "NTFS times",
}
FLAG_ENCRYPTED = 0x0001
FLAG_DATA_DESCRIPTOR = 0x0008
FLAG_UTF8 = 0x0800
# Bits 1 and 2 only say how hard deflate worked; bit 11 says the name is UTF-8.
ALLOWED_FLAGS = 0x0002 | 0x0004 | FLAG_UTF8
STORED, DEFLATED = 0, 8
MAX_ENTRIES = 200_000
MAX_TOTAL_BYTES = 32 << 30  # a mirror with every video is a few GB; more is a zip bomb
_NEEDS_ZIP64_16 = 0xFFFF
_NEEDS_ZIP64_32 = 0xFFFFFFFF


class ZipLayoutError(Exception):
    """The file cannot be read as a zip at all; the message says why."""


@dataclass(frozen=True)
class ZipEntry:
    """One entry as the central directory and its local header both state it."""

    name: str
    compressed_size: int
    size: int
    offset: int
    external_attr: int
    flags: int

    @property
    def is_folder(self) -> bool:
        """A folder entry: its name ends in ``/`` (what every unpacker goes by)."""
        return self.name.endswith("/")


@dataclass(frozen=True)
class ZipLayout:
    """What a strict reading found: the entries, and every reason the zip is refused (each naming its entry)."""

    entries: tuple[ZipEntry, ...]
    refused: tuple[str, ...]


def _printable(name: str) -> str:
    """A name safe to print on one line."""
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in name)


def _extra_fields(data: bytes) -> Iterator[tuple[int, bytes]] | None:
    """The (id, data) fields of an extra block, or None when the block is malformed."""
    fields = []
    position = 0
    while position < len(data):
        if position + 4 > len(data):
            return None
        field_id, length = struct.unpack_from("<HH", data, position)
        if position + 4 + length > len(data):
            return None
        fields.append((field_id, data[position + 4:position + 4 + length]))
        position += 4 + length
    return iter(fields)


def _extra_problem(data: bytes) -> str:
    """Why an extra block is refused, or ""."""
    fields = _extra_fields(data)
    if fields is None:
        return "a malformed extra field"
    for field_id, _field in fields:
        if field_id not in ALLOWED_EXTRA_FIELDS:
            known = KNOWN_EXTRA_FIELDS.get(field_id)
            return (f"an extra field {field_id:#06x}{f' ({known})' if known else ''}, which the exporter never "
                    "writes: an unpacker may rename or change the entry by it")
    return ""


def _zip64_values(extra: bytes, wanted: list[bool]) -> list[int] | None:
    """The 64-bit values of a zip64 extra field, in order, for the header fields marked as needing them."""
    fields = _extra_fields(extra)
    found = next((field for field_id, field in fields or () if field_id == ZIP64_EXTRA), None)
    count = sum(wanted)
    if count == 0:
        return []
    if found is None or len(found) < 8 * count:
        return None
    return list(struct.unpack_from(f"<{count}Q", found))


def _decode_name(raw: bytes, flags: int) -> str | None:
    """The entry's name, or None when it is neither ASCII nor UTF-8 marked as such."""
    try:
        return raw.decode("utf-8" if flags & FLAG_UTF8 else "ascii")
    except UnicodeDecodeError:
        return None


def name_problem(name: str) -> str:
    """Why a name is not a plain relative path, or ""."""
    if name.startswith("/") or "\\" in name or (len(name) > 1 and name[1] == ":"):
        return "an absolute name"
    parts = name[:-1].split("/") if name.endswith("/") else name.split("/")
    if ".." in parts:
        return "a name with '..'"
    if any(part in ("", ".") for part in parts) or any(not char.isprintable() for char in name):
        return "not a plain relative name"
    return ""


def _entry_problem(name: str, entry: ZipEntry, method: int) -> str:
    """Why one entry is refused on its own, or ""."""
    if entry.flags & FLAG_ENCRYPTED:
        return "encrypted"
    if entry.flags & FLAG_DATA_DESCRIPTOR:
        return "sizes in a data descriptor, which unpackers read differently"
    if entry.flags & ~ALLOWED_FLAGS:
        return f"general-purpose flags {entry.flags:#06x}, which the exporter never sets"
    if method not in (STORED, DEFLATED):
        return f"compression method {method}, not stored or deflate"
    problem = name_problem(name)
    if problem:
        return problem
    if entry.is_folder and (entry.size or entry.compressed_size):
        return f"a folder entry (its name ends in '/') that carries {entry.size} bytes of data"
    file_type = stat.S_IFMT(entry.external_attr >> 16)
    # The high 16 bits hold a Unix mode when the zip was made on Unix (and by Python anywhere); any
    # mode there is honoured by some unpacker, so it is checked whatever system is claimed.
    if file_type:
        if stat.S_ISLNK(file_type):
            return "a symbolic link"
        if file_type not in (stat.S_IFREG, stat.S_IFDIR):
            return "not a regular file or folder"
        if stat.S_ISDIR(file_type) != entry.is_folder:
            return "marked as a folder and a file at once"
    return ""


def _read_exactly(handle: BinaryIO, offset: int, length: int) -> bytes:
    handle.seek(offset)
    data = handle.read(length)
    if len(data) != length:
        raise ZipLayoutError("the file ends in the middle of the zip")
    return data


def _end_record(handle: BinaryIO, size: int) -> tuple[int, int, int, int]:
    """Where the end records start, the entry count, and the central directory's size and offset.

    The end record must be the zip's last 22 bytes: a zip comment, or anything after the record,
    is refused (readers that search for the record from the end may find another one there).
    :raises ZipLayoutError: when the end of the file is not a plain end record.
    """
    if size < _END.size:
        raise ZipLayoutError("too short to be a zip")
    (signature, disk, directory_disk, on_disk, entries, directory_size, directory_offset,
     comment_length) = _END.unpack(_read_exactly(handle, size - _END.size, _END.size))
    if signature != _END_SIGNATURE or comment_length:
        raise ZipLayoutError("the zip has a comment or data after its end record (or is not a zip): "
                             "unpackers read such a zip differently")
    end_offset = size - _END.size
    if disk or directory_disk or on_disk != entries:
        raise ZipLayoutError("a zip split over several disks")
    if entries == _NEEDS_ZIP64_16 or _NEEDS_ZIP64_32 in (directory_size, directory_offset):
        locator_offset = end_offset - _ZIP64_LOCATOR.size
        if locator_offset < 0:
            raise ZipLayoutError("a zip64 end record is missing")
        locator = _ZIP64_LOCATOR.unpack(_read_exactly(handle, locator_offset, _ZIP64_LOCATOR.size))
        if locator[0] != _ZIP64_LOCATOR_SIGNATURE or locator[1] or locator[3] != 1:
            raise ZipLayoutError("a zip64 end record is missing or names several disks")
        record = _ZIP64_END.unpack(_read_exactly(handle, locator[2], _ZIP64_END.size))
        if record[0] != _ZIP64_END_SIGNATURE or record[1] != _ZIP64_END.size - 12 \
                or locator[2] + _ZIP64_END.size != locator_offset or record[4] or record[5] or record[6] != record[7]:
            raise ZipLayoutError("a zip64 end record that is not where, or what, it should be")
        return locator[2], record[7], record[8], record[9]
    return end_offset, entries, directory_size, directory_offset


def read_layout(path: Path) -> ZipLayout:
    """Read a zip's structure strictly (see the module's docstring); nothing is unpacked.

    :raises ZipLayoutError: when the file is not a zip at all, or its records contradict one another.
    """
    refused: list[str] = []
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        records_start, count, directory_size, directory_offset = _end_record(handle, size)
        if count > MAX_ENTRIES:
            raise ZipLayoutError(f"{count} entries: too many to unpack")
        if directory_offset + directory_size != records_start:
            # Python's zipfile tolerates this (it takes it for a self-extracting zip); other readers do not.
            raise ZipLayoutError("the central directory is not where the end record says: data was added before "
                                 "the first entry or between the directory and the end record")
        directory = _read_exactly(handle, directory_offset, directory_size)
        entries: list[ZipEntry] = []
        methods: list[int] = []
        position = 0
        for _ in range(count):
            if position + _CENTRAL.size > len(directory):
                raise ZipLayoutError("the central directory ends before its last entry")
            (signature, _made_by, _needed, flags, method, _time, _date, _crc, compressed, uncompressed, name_length,
             extra_length, comment_length, disk, _internal, external, offset) = _CENTRAL.unpack_from(directory,
                                                                                                     position)
            if signature != _CENTRAL_SIGNATURE or disk:
                raise ZipLayoutError("the central directory is damaged")
            start = position + _CENTRAL.size
            raw_name = directory[start:start + name_length]
            extra = directory[start + name_length:start + name_length + extra_length]
            position = start + name_length + extra_length + comment_length
            name = _decode_name(raw_name, flags)
            shown = _printable(name) if name is not None else raw_name.decode("ascii", "backslashreplace")
            if name is None:
                refused.append(f"{shown} (a name that is neither ASCII nor UTF-8 marked as such in the zip)")
                continue
            wanted = [uncompressed == _NEEDS_ZIP64_32, compressed == _NEEDS_ZIP64_32, offset == _NEEDS_ZIP64_32]
            wide = _zip64_values(extra, wanted)
            if wide is None:
                refused.append(f"{shown} (a zip64 size without its extra field)")
                continue
            values = iter(wide)
            uncompressed, compressed, offset = (next(values) if needs else value for needs, value in
                                                zip(wanted, (uncompressed, compressed, offset), strict=True))
            entry = ZipEntry(name, compressed, uncompressed, offset, external, flags)
            problem = _extra_problem(extra) or ("an entry comment" if comment_length else "") \
                or _entry_problem(name, entry, method)
            if problem:
                refused.append(f"{shown} ({problem})")
            entries.append(entry)
            methods.append(method)
        if position != len(directory):
            refused.append("data inside the central directory after its last entry")
        refused += _local_header_problems(handle, entries, methods, directory_offset)
    refused += _name_clashes(entries)
    if sum(entry.size for entry in entries) > MAX_TOTAL_BYTES:
        refused.append("too large to unpack (a zip bomb?)")
    return ZipLayout(tuple(entries), tuple(refused))


def _local_header_problems(handle: BinaryIO, entries: list[ZipEntry], methods: list[int],
                           directory_offset: int) -> list[str]:
    """Every local header must repeat its central entry and follow the one before it with no gap."""
    refused: list[str] = []
    expected = 0
    for entry, method in sorted(zip(entries, methods, strict=True), key=lambda pair: pair[0].offset):
        shown = _printable(entry.name)
        if entry.offset != expected:
            refused.append(f"{shown} (data before this entry that belongs to no entry)" if entry.offset > expected
                           else f"{shown} (overlaps the entry before it)")
        header = _LOCAL.unpack(_read_exactly(handle, entry.offset, _LOCAL.size))
        (signature, _needed, flags, local_method, _time, _date, _crc, compressed, uncompressed, name_length,
         extra_length) = header
        raw_name = _read_exactly(handle, entry.offset + _LOCAL.size, name_length)
        extra = _read_exactly(handle, entry.offset + _LOCAL.size + name_length, extra_length)
        local_name = _decode_name(raw_name, flags)
        problem = ""
        if signature != _LOCAL_SIGNATURE:
            problem = "no local header where the directory says"
        elif local_name != entry.name or flags != entry.flags or local_method != method:
            problem = "a local header that names or describes it differently from the central directory"
        elif _extra_problem(extra):
            problem = f"in its local header, {_extra_problem(extra)}"
        else:
            wanted = [uncompressed == _NEEDS_ZIP64_32, compressed == _NEEDS_ZIP64_32]
            wide = _zip64_values(extra, wanted)
            if wide is None:
                problem = "a zip64 size without its extra field in its local header"
            else:
                values = iter(wide)
                sizes = tuple(next(values) if needs else value
                              for needs, value in zip(wanted, (uncompressed, compressed), strict=True))
                if sizes != (entry.size, entry.compressed_size):
                    problem = "a local header whose sizes differ from the central directory's"
        if problem:
            refused.append(f"{shown} ({problem})")
        expected = entry.offset + _LOCAL.size + name_length + extra_length + entry.compressed_size
    if expected != directory_offset:
        refused.append("data between the last entry and the central directory" if expected < directory_offset
                       else "the last entry runs into the central directory")
    return refused


def _name_clashes(entries: list[ZipEntry]) -> list[str]:
    """Names that one disk or one unpacker would take for the same file (or for a file and a folder at once)."""
    refused: list[str] = []
    seen: dict[str, str] = {}
    folders: set[str] = set()
    files: dict[str, str] = {}
    for entry in entries:
        bare = entry.name.rstrip("/")
        key = unicodedata.normalize("NFC", bare).casefold()
        if key in seen:
            kind = "the same name" if seen[key] == bare else "names that differ only in case or Unicode form"
            refused.append(f"{_printable(entry.name)} (two entries with {kind})")
            continue
        seen[key] = bare
        parts = key.split("/")
        folders.update("/".join(parts[:index]) for index in range(1, len(parts)))
        if not entry.is_folder:
            files[key] = entry.name
    for key, name in files.items():
        if key in folders:
            refused.append(f"{_printable(name)} (a file and a folder with one name)")
    return refused
