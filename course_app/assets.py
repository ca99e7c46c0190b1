"""Stylesheets and the one script, minified once when the app starts and put inside every page.

Nothing the site sends may stay in the browser's cache (S11): a stylesheet kept for a year would name
the site as surely as history does. So the style and the "leave quickly" script travel inside each
page, and the Content-Security-Policy allows exactly these blocks by their SHA-256 hashes — never
``'unsafe-inline'``. Learners on slow, metered connections pay for every byte: the CSS is written
readably in ``static/`` and sent without comments and indentation, and pages are gzipped.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import rcssmin
from flask import Flask, current_app
from markupsafe import Markup

from .web.headers import content_security_policy

STYLESHEETS = ("site.css", "forms.css", "staff.css")
SCRIPTS = ("leave.js",)


@dataclass(frozen=True)
class InlineBlock:
    """The text of a ``<style>`` or ``<script>`` element, and the CSP source that allows exactly it."""

    text: str

    @property
    def csp_source(self) -> str:
        digest = hashlib.sha256(self.text.encode("utf-8")).digest()
        return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def _minified_script(source: str) -> str:
    """The script without its comment lines and indentation (it has no strings that span lines)."""
    lines = (line.strip() for line in source.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//"))


def load_blocks(static_folder: Path) -> dict[str, InlineBlock]:
    """Every stylesheet and script, minified, by file name."""
    blocks = {}
    for name in STYLESHEETS:
        # rcssmin reads CSS as CSS (strings, escapes, comments): about 16% fewer bytes even after gzip.
        blocks[name] = InlineBlock(rcssmin.cssmin((static_folder / name).read_text(encoding="utf-8")))
    for name in SCRIPTS:
        blocks[name] = InlineBlock(_minified_script((static_folder / name).read_text(encoding="utf-8")))
    for name, block in blocks.items():
        if re.search(r"</(style|script)", block.text, re.IGNORECASE):
            raise ValueError(f"static/{name} would end its own element early")
    return blocks


def page_policy(blocks: dict[str, InlineBlock]) -> str:
    """The Content-Security-Policy of the app's pages: these blocks and this site's files, nothing else."""
    return content_security_policy(
        styles=tuple(blocks[name].csp_source for name in STYLESHEETS),
        scripts=tuple(blocks[name].csp_source for name in SCRIPTS))


def inline_style(name: str) -> Markup:
    """A stylesheet as a ``<style>`` element, for a page's head."""
    block: InlineBlock = current_app.extensions["course_app.inline_blocks"][name]
    return Markup(f"<style>{block.text}</style>")  # nosec B704 - the site's own minified CSS, checked at start


def inline_script(name: str) -> Markup:
    """A script as a ``<script>`` element (the only one: "leave quickly" with Shift three times)."""
    block: InlineBlock = current_app.extensions["course_app.inline_blocks"][name]
    return Markup(f"<script>{block.text}</script>")  # nosec B704 - the site's own script, checked at start


def init_app(app: Flask) -> None:
    blocks = load_blocks(Path(app.static_folder or ""))
    app.extensions["course_app.inline_blocks"] = blocks
    app.extensions["course_app.content_security_policy"] = page_policy(blocks)
