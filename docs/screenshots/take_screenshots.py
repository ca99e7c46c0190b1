"""Take the README's screenshots from the current code: main pages at phone and desktop widths, and the
staff statistics and question insights over synthetic learners, in English and Russian.

    make screenshots            # writes docs/screenshots/*.png
    python docs/screenshots/take_screenshots.py OUTDIR

Starts the app on 127.0.0.1 with a throwaway instance folder and drives Debian's Chromium: its
headless shell (package chromium-headless-shell, as the browser tests use) where installed, else the
full browser (package chromium). Both draw a page the same way.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import pyotp
from flask import Flask
from playwright.sync_api import Page, sync_playwright
from werkzeug.serving import make_server

from course_app import create_app
from course_app.content import current_catalogue
from course_app.db import get_session, upgrade_database
from course_app.domain.periods import fix_closed_periods
from course_app.domain.staff_accounts import add_staff
from course_app.domain.synthetic import generate_progress
from course_app.models import StaffRole

HERE = Path(__file__).resolve().parent
CHROMIUM = shutil.which("chromium-headless-shell") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic", "--hide-scrollbars"]
PAGES = {
    "catalogue": "/en/",
    "course": "/ru/trade-unions/",
    "lesson": "/be/trade-unions/what-is-a-union",
}
WIDTHS = {"phone": (360, 740), "desktop": (1280, 860)}
# Staff pages over synthetic learners, in two languages: the top of each page, up to this height.
STAFF_PAGES = {"dashboard": "/staff/", "insights": "/staff/insights"}
STAFF_LANGUAGES = {"en": "en-GB", "ru": "ru-RU"}
STAFF_HEIGHT = 2600
STAFF_PASSWORD = "screenshots need a password"


def staff_data(app: Flask) -> None:
    """Synthetic learners over four months, their ended periods fixed, and a coordinator-admin account."""
    with app.app_context():
        session = get_session()
        generate_progress(session, current_catalogue().courses, learners=1500, lesson_rows=9000,
                          today=date.today(), days=120, seed=7)
        fix_closed_periods(session, current_catalogue(), app.config["LANGUAGES"], date.today())
        add_staff(session, "coordinator", StaffRole.ADMIN, STAFF_PASSWORD, (), date.today())
        session.commit()


def sign_in(page: Page, base: str, secret: str | None) -> str:
    """Sign in: the first time, enrol the authenticator on the spot; later, with the next step's code
    (each code signs in once). Returns the authenticator's secret."""
    page.goto(base + "/staff/login")
    page.fill("input[name=name]", "coordinator")
    page.fill("input[name=password]", STAFF_PASSWORD)
    if secret is not None:
        page.fill("input[name=code]", pyotp.TOTP(secret).at(time.time() + 30))
    page.locator("main form button[type=submit]").click()
    if secret is None:
        secret = page.locator("#totp-secret").inner_text().strip()
        page.fill("input[name=code]", pyotp.TOTP(secret).now())
        page.locator("main form button[type=submit]").click()
    return secret


def take(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as instance:
        app = create_app(INSTANCE_PATH=instance, RELOAD_LESSONS=False, DATABASE_URL="")
        upgrade_database(app)
        staff_data(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        written = []
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
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
                secret = None
                for lang, locale in STAFF_LANGUAGES.items():
                    context = browser.new_context(viewport={"width": 1280, "height": 860}, device_scale_factor=1,
                                                  color_scheme="light", locale=locale)
                    page = context.new_page()
                    secret = sign_in(page, base, secret)
                    for width_name, (width, height) in WIDTHS.items():
                        page.set_viewport_size({"width": width, "height": height})
                        for page_name, path in STAFF_PAGES.items():
                            page.goto(base + path)
                            full = page.evaluate("document.documentElement.scrollHeight")
                            target = out / f"staff-{page_name}-{lang}-{width_name}.png"
                            page.screenshot(path=str(target), full_page=True,
                                            clip={"x": 0, "y": 0, "width": width, "height": min(full, STAFF_HEIGHT)})
                            written.append(target)
                    context.close()
                browser.close()
        finally:
            server.shutdown()
    return written


if __name__ == "__main__":
    for path in take(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(path)
