"""The README's screenshots are made by a script from the current code; it runs here, in CI."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

from tests.conftest import PROJECT_DIR


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def test_screenshot_script_takes_every_page_at_both_widths(tmp_path: Path) -> None:
    script = PROJECT_DIR / "docs" / "screenshots" / "take_screenshots.py"
    # A process of its own: the script drives its own Playwright, apart from the test's browser.
    result = subprocess.run([sys.executable, str(script), str(tmp_path)], cwd=PROJECT_DIR, capture_output=True,
                            text=True, timeout=300, check=False, env={**os.environ, "PYTHONPATH": str(PROJECT_DIR)})
    assert result.returncode == 0, result.stderr
    written = [Path(line) for line in result.stdout.split()]
    sys.path.insert(0, str(script.parent))
    try:
        from take_screenshots import PAGES, STAFF_LANGUAGES, STAFF_PAGES, WIDTHS
    finally:
        sys.path.pop(0)
    assert len(written) == (len(PAGES) + len(STAFF_PAGES) * len(STAFF_LANGUAGES)) * len(WIDTHS)
    for path in written:
        width, height = png_size(path)
        expected_width = WIDTHS[path.stem.rsplit("-", 1)[1]][0]
        assert width == expected_width and height > 300, path
    readme = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    for name in ("lesson-phone.png", "course-desktop.png"):
        assert f"docs/screenshots/{name}" in readme and (PROJECT_DIR / "docs" / "screenshots" / name).is_file()
