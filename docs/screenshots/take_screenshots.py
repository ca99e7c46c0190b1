"""Take the README's screenshots from the current code: main pages at phone and desktop widths.

    make screenshots            # writes docs/screenshots/*.png
    python docs/screenshots/take_screenshots.py OUTDIR

Starts the app on 127.0.0.1 with a throwaway instance folder and drives Debian's Chromium.
"""

from __future__ import annotations

import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from course_app import create_app
from course_app.db import upgrade_database

HERE = Path(__file__).resolve().parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic", "--hide-scrollbars"]
PAGES = {
    "catalogue": "/en/",
    "course": "/ru/trade-unions/",
    "lesson": "/be/trade-unions/what-is-a-union",
}
WIDTHS = {"phone": (360, 740), "desktop": (1280, 860)}


def take(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as instance:
        app = create_app(INSTANCE_PATH=instance, RELOAD_LESSONS=False, DATABASE_URL="")
        upgrade_database(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        written = []
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                for width_name, (width, height) in WIDTHS.items():
                    context = browser.new_context(viewport={"width": width, "height": height},
                                                  device_scale_factor=1, color_scheme="light")
                    page = context.new_page()
                    for page_name, path in PAGES.items():
                        page.goto(base + path)
                        target = out / f"{page_name}-{width_name}.png"
                        page.screenshot(path=str(target))
                        written.append(target)
                    context.close()
                browser.close()
        finally:
            server.shutdown()
    return written


if __name__ == "__main__":
    for path in take(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(path)
