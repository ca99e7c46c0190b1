"""The stylesheets and the one script travel inside the pages: minified as what they are (CSS strings left
alone), each allowed by the hash of exactly the text sent, and never able to close their own element."""

from __future__ import annotations

import base64
import hashlib
import shutil
from pathlib import Path

import pytest

from course_app.assets import SCRIPTS, STYLESHEETS, InlineBlock, load_blocks

STATIC = Path(__file__).resolve().parent.parent / "course_app" / "static"


def static_copy(tmp_path: Path, **changed: str) -> Path:
    for name in (*STYLESHEETS, *SCRIPTS):
        shutil.copy(STATIC / name, tmp_path / name)
    for name, text in changed.items():
        (tmp_path / name.replace("_", ".")).write_text(text, encoding="utf-8")
    return tmp_path


def test_minified_stylesheets_keep_strings_and_drop_comments(tmp_path: Path) -> None:
    css = """/* The layout. */
.quote::before {
    content: "a  /* not a comment */  b";   /* a comment */
    margin : 0 auto ;
}
"""
    blocks = load_blocks(static_copy(tmp_path, site_css=css))
    assert blocks["site.css"].text == '.quote::before{content:"a  /* not a comment */  b";margin:0 auto}'


def test_the_real_stylesheets_and_script_shrink_and_keep_every_rule() -> None:
    for name, block in load_blocks(STATIC).items():
        source = (STATIC / name).read_text(encoding="utf-8")
        assert len(block.text) < 0.9 * len(source)
        assert block.text.count("{") == source.count("{")  # every rule kept (no comment holds a brace)


def test_a_block_is_allowed_by_the_hash_of_exactly_its_text() -> None:
    text = "body{margin:0}"
    expected = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    assert InlineBlock(text).csp_source == f"'sha256-{expected}'"
    assert InlineBlock(text + " ").csp_source != InlineBlock(text).csp_source


@pytest.mark.parametrize(("name", "text"), [("site_css", "a::after{content:'</style>'}"),
                                             ("leave_js", "var s = '</SCRIPT>';")])
def test_a_file_that_would_close_its_own_element_stops_the_start(tmp_path: Path, name: str, text: str) -> None:
    with pytest.raises(ValueError, match="would end its own element early"):
        load_blocks(static_copy(tmp_path, **{name: text}))
