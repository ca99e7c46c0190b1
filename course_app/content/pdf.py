"""PDF handouts that cannot run anything: the checks a lesson's PDF must pass before it is published.

A PDF is more than a printed page: it can carry JavaScript, a launch action that starts a
program, embedded files, forms that send data to an address, and actions that run as soon as
the file or a page is opened (one of them can make the reader's viewer request an address of
the attacker's choice, which tells them who opened it). A learner opens a handout outside the
site's Content-Security-Policy — from a mirror on a USB stick, in a phone's PDF viewer — so the
lesson tree, which is untrusted input, may publish only PDFs with none of these.

The check reads the file's own structure, not its text: every name outside the stream data, and
every name inside the compressed object streams where PDF 1.5 and later keep dictionaries, with
``#xx`` escapes decoded (``/J#61vaScript`` is ``/JavaScript``). What cannot be read is refused
rather than trusted: an encrypted file, an object stream in another compression than deflate,
a file too large to check.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

# A handout is a few megabytes; larger ones (or ones that inflate past the limit) are not checked but refused.
MAX_PDF_BYTES = 64 << 20
MAX_INFLATED_BYTES = 64 << 20
# Names that make a PDF run, start, send or fetch something, with what each means to an educator.
ACTIVE_NAMES = {
    b"JavaScript": "JavaScript",
    b"JS": "JavaScript",
    b"Launch": "a launch action (it starts a program)",
    b"EmbeddedFile": "an embedded file",
    b"EmbeddedFiles": "embedded files",
    b"FileAttachment": "an attached file",
    b"RichMedia": "embedded rich media",
    b"XFA": "an XFA form (it can run script)",
    b"SubmitForm": "a form that sends data to an address",
    b"ImportData": "a form that reads data from a file",
    b"GoToR": "a link that opens another file",
    b"GoToE": "a link into an embedded file",
    b"AA": "actions that run by themselves when a page or a field is opened",
    b"Rendition": "media that plays by itself",
    b"Movie": "a movie",
    b"Sound": "a sound",
}
_NAME = re.compile(rb"/([^\s()<>\[\]{}/%]*)")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM = re.compile(rb"stream(?:\r\n|\n|\r)")
_LENGTH = re.compile(rb"/Length\s+(\d+)(?!\s+\d+\s+R)")


class PdfRefused(Exception):
    """The PDF may not be published; the message says why, in an educator's words."""


def _decoded(name: bytes) -> bytes:
    """A PDF name with its ``#xx`` escapes decoded."""
    return _ESCAPE.sub(lambda match: bytes([int(match.group(1), 16)]), name)


def _skip_string(data: bytes, start: int) -> int:
    """The position after the literal string that opens at ``start`` (nested parentheses and escapes honoured)."""
    depth = 0
    position = start
    while position < len(data):
        char = data[position]
        if char == 0x5C:  # backslash: the next byte is escaped
            position += 2
            continue
        if char == 0x28:
            depth += 1
        elif char == 0x29:
            depth -= 1
            if depth == 0:
                return position + 1
        position += 1
    return position


@dataclass(frozen=True)
class _Scanned:
    """What one pass over a PDF's bytes found: every name outside stream data, and every stream."""

    names: list[tuple[bytes, int]]  # (decoded name, position after it)
    streams: list[tuple[bytes, bytes]]  # (the object's text before ``stream``, the stream's raw data)


def _line_end(data: bytes, position: int) -> int:
    ends = [index for index in (data.find(b"\n", position), data.find(b"\r", position)) if index >= 0]
    return min(ends, default=len(data))


def _scan(data: bytes) -> _Scanned:
    """Walk ``data`` as a PDF reader does: strings and comments skipped, stream data set aside by its length.

    A ``stream`` keyword inside a string or a comment is not one, so a forger cannot make the
    check skip what a viewer reads.
    :raises PdfRefused: when a stream never ends (the rest of the file could not be checked).
    """
    scanned = _Scanned([], [])
    position = 0
    object_start = 0
    length = len(data)
    while position < length:
        char = data[position]
        if char == 0x25:  # % comment, to the end of the line
            position = _line_end(data, position) + 1
        elif char == 0x28:
            position = _skip_string(data, position)
        elif char == 0x3C:
            if data[position + 1:position + 2] == b"<":  # a dictionary opens
                position += 2
                continue
            end = data.find(b">", position)  # a hex string
            position = length if end < 0 else end + 1
        elif char == 0x2F:
            match = _NAME.match(data, position)
            assert match is not None  # a slash always starts a (possibly empty) name
            scanned.names.append((_decoded(match.group(1)), match.end()))
            position = match.end()
        elif char in b"os" and (position == 0 or data[position - 1] in b" \t\r\n\f\x00>]"):
            if data.startswith(b"obj", position) and not data[position + 3:position + 4].isalnum():
                object_start = position + 3
                position += 3
            elif (stream := _STREAM.match(data, position)) is not None:
                position = _take_stream(data, object_start, position, stream.end(), scanned)
                object_start = position
            else:
                position += 1
        else:
            position += 1
    return scanned


def _take_stream(data: bytes, object_start: int, keyword: int, start: int, scanned: _Scanned) -> int:
    """Set one stream's data aside; returns the position after it.

    Its end is where ``/Length`` says when ``endstream`` follows there, else the first ``endstream``.
    """
    dictionary = data[object_start:keyword]
    declared = _LENGTH.search(dictionary)
    end = start + int(declared.group(1)) if declared else -1
    if end < 0 or not data[end:end + 32].lstrip().startswith(b"endstream"):
        end = data.find(b"endstream", start)
        if end < 0:
            raise PdfRefused("is damaged: a stream never ends, so the rest of the file cannot be checked")
    scanned.streams.append((dictionary, data[start:end]))
    return end + len(b"endstream")


def _active_parts(names: list[tuple[bytes, int]], data: bytes) -> list[str]:
    """What the names found in ``data`` would make a viewer run, start, send or fetch."""
    found: list[str] = []
    for name, after in names:
        meaning = ACTIVE_NAMES.get(name)
        if meaning is None and name == b"OpenAction" and data[after:after + 64].lstrip()[:1] != b"[":
            # A destination (an array) only chooses the page shown first; anything else is an action.
            meaning = "an action that runs when the file is opened"
        if meaning is not None and meaning not in found:
            found.append(meaning)
    return found


def _object_streams(streams: list[tuple[bytes, bytes]]) -> Iterator[bytes]:
    """The inflated contents of every object stream (where PDF 1.5+ keeps dictionaries).

    :raises PdfRefused: when one cannot be read (another compression, damaged, or too large).
    """
    inflated_total = 0
    for dictionary, raw in streams:
        plain = _decoded(dictionary)
        # A viewer may take a stream with /N and /First for an object stream whatever its /Type says.
        if not (re.search(rb"/Type\s*/ObjStm\b", plain)
                or (re.search(rb"/N\b", plain) and re.search(rb"/First\b", plain))):
            continue
        filters = re.findall(rb"/(\w+Decode)\b", plain)
        if re.search(rb"/(DecodeParms|DP)\b", plain):
            # A predictor turns the inflated bytes into differences between rows: the names read here would not be
            # the names a viewer reads.
            raise PdfRefused("keeps part of its structure in a form that cannot be checked (a predictor); save it "
                             "again as a plain PDF")
        if filters not in ([], [b"FlateDecode"]):
            raise PdfRefused("keeps part of its structure in a compression that cannot be checked "
                             f"({', '.join(name.decode('ascii', 'replace') for name in filters)}); "
                             "save it again as a plain PDF")
        if not filters:
            yield raw
            continue
        try:
            contents = zlib.decompressobj().decompress(raw, MAX_INFLATED_BYTES - inflated_total + 1)
        except zlib.error:
            raise PdfRefused("is damaged: part of its structure cannot be read") from None
        inflated_total += len(contents)
        if inflated_total > MAX_INFLATED_BYTES:
            raise PdfRefused("holds too much compressed structure to check")
        yield contents


def check_pdf(handle: BinaryIO) -> None:
    """Refuse a PDF that could run, start, send or fetch anything, or that cannot be checked.

    :param handle: the file, open for reading (``boundary.open_examined``).
    :raises PdfRefused: with the reason, in an educator's words.
    :raises OSError: when the file cannot be read.
    """
    data = handle.read(MAX_PDF_BYTES + 1)
    if len(data) > MAX_PDF_BYTES:
        raise PdfRefused(f"is larger than {MAX_PDF_BYTES >> 20} MB, too large to check: split it into smaller files")
    if b"%PDF-" not in data[:1024]:
        raise PdfRefused("is not a PDF file (it does not start as one)")
    scanned = _scan(data)
    if any(name == b"Encrypt" for name, _after in scanned.names):
        raise PdfRefused("is encrypted, so it cannot be checked: save it again without a password")
    found = _active_parts(scanned.names, data)
    for contents in _object_streams(scanned.streams):
        inner = _scan(contents)
        found += [part for part in _active_parts(inner.names, contents) if part not in found]
    if found:
        raise PdfRefused(f"holds {', '.join(found)}: a handout may hold only pages; print it to a new PDF "
                         "(\"Save as PDF\") and use that")
