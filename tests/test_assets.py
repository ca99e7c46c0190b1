"""Stylesheets are minified as CSS: smaller, with strings and what they mean left alone."""

from __future__ import annotations

from pathlib import Path

from course_app.assets import STYLESHEETS, load_assets


def test_minified_stylesheets_keep_strings_and_drop_comments(tmp_path: Path) -> None:
    css = """/* The layout. */
.quote::before {
    content: "a  /* not a comment */  b";   /* a comment */
    margin : 0 auto ;
}
"""
    for name in STYLESHEETS:
        (tmp_path / name).write_text(css, encoding="utf-8")
    body = load_assets(tmp_path)["site.css"].body.decode()
    assert body == '.quote::before{content:"a  /* not a comment */  b";margin:0 auto}'


def test_the_real_stylesheets_shrink_and_keep_every_rule() -> None:
    static = Path(__file__).resolve().parent.parent / "course_app" / "static"
    for name, asset in load_assets(static).items():
        source = (static / name).read_text(encoding="utf-8")
        assert len(asset.body) < 0.9 * len(source.encode())
        assert asset.body.count(b"{") == source.count("{")  # every rule kept (no comment holds a brace)
