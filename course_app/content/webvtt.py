"""WebVTT subtitle files: a small, strict parser, and the transcript made from their cues.

Only what subtitles for short lesson videos need: the ``WEBVTT`` header, cues with an
optional identifier and a ``start --> end`` timing line, and NOTE/STYLE/REGION blocks, which
are skipped. Every problem is reported with its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .problems import ProblemList

TIMESTAMP = r"(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
TIMING = re.compile(rf"^{TIMESTAMP}[ \t]+-->[ \t]+{TIMESTAMP}(?:[ \t]+.*)?$")
LOOKS_LIKE_TIME = re.compile(r"\d+:\d\d")
TAG = re.compile(r"<[^>]*>")
ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&nbsp;": " ", "&lrm;": "", "&rlm;": ""}
PARAGRAPH_GAP = 1.5
PARAGRAPH_CUES = 5


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str
    line: int


def _seconds(hours: str | None, minutes: str, seconds: str, millis: str) -> float:
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000


def _plain(text: str) -> str:
    text = TAG.sub("", text)
    for entity, char in ENTITIES.items():
        text = text.replace(entity, char)
    return " ".join(text.split())


def parse_webvtt(text: str, path: Path, problems: ProblemList, *, first_line: int = 1) -> list[Cue]:
    """The cues of a WebVTT file, reporting every malformed part into ``problems``."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not lines or not re.match(r"^\ufeff?WEBVTT(?:[ \t].*)?$", lines[0]):
        problems.error(path, first_line, "a WebVTT file starts with the line 'WEBVTT'", rule="media")
        return []
    cues: list[Cue] = []
    index = 1
    # Skip the header block (everything up to the first blank line).
    while index < len(lines) and lines[index].strip():
        index += 1
    while index < len(lines):
        while index < len(lines) and not lines[index].strip():
            index += 1
        if index >= len(lines):
            break
        block_start = index
        block: list[str] = []
        while index < len(lines) and lines[index].strip():
            block.append(lines[index])
            index += 1
        if block[0].startswith(("NOTE", "STYLE", "REGION")):
            continue
        timing_offset = 0 if "-->" in block[0] or LOOKS_LIKE_TIME.search(block[0]) else 1
        if timing_offset >= len(block) or not ("-->" in block[timing_offset]
                                               or LOOKS_LIKE_TIME.search(block[timing_offset])):
            problems.error(path, block_start + first_line,
                           "expected a timing line like '00:00:01.000 --> 00:00:04.000'", rule="media")
            continue
        timing_line = block_start + timing_offset + first_line
        match = TIMING.match(block[timing_offset].strip())
        if not match:
            problems.error(path, timing_line, f"malformed timing '{block[timing_offset].strip()}': "
                           "write it as '00:00:01.000 --> 00:00:04.000'", rule="media")
            continue
        start = _seconds(*match.groups()[:4])
        end = _seconds(*match.groups()[4:])
        if end <= start:
            problems.error(path, timing_line, "a cue must end after it starts", rule="media")
            continue
        if cues and start < cues[-1].start:
            problems.error(path, timing_line, "cues must be in time order", rule="media")
            continue
        payload = _plain(" ".join(block[timing_offset + 1:]))
        if not payload:
            problems.error(path, timing_line, "this cue has no text", rule="media")
            continue
        cues.append(Cue(start, end, payload, timing_line))
    if not cues and not problems.has_errors_in(path):
        problems.error(path, first_line, "this WebVTT file has no cues", rule="media")
    return cues


def transcript_paragraphs(cues: list[Cue]) -> tuple[str, ...]:
    """The cues' text as readable paragraphs: a new paragraph after a pause or every few cues."""
    paragraphs: list[list[str]] = []
    previous_end = None
    for cue in cues:
        new_paragraph = (
            not paragraphs
            or (previous_end is not None and cue.start - previous_end >= PARAGRAPH_GAP)
            or len(paragraphs[-1]) >= PARAGRAPH_CUES
        )
        if new_paragraph:
            paragraphs.append([])
        paragraphs[-1].append(cue.text)
        previous_end = cue.end
    return tuple(" ".join(parts) for parts in paragraphs)
