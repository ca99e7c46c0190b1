"""What the benchmarks need: generated lesson files, an app on a throwaway instance, a signed-in
coordinator, and the machine's description for the results."""

from __future__ import annotations

import os
import platform
import shutil
import time
from datetime import date
from pathlib import Path

import pyotp
from flask import Flask
from flask.testing import FlaskClient

from course_app import create_app
from course_app.db import get_session, upgrade_database
from course_app.domain.staff_accounts import add_staff, start_enrolment
from course_app.models import StaffRole

ROOT = Path(__file__).resolve().parent.parent
STARTER = ROOT / "lessons"
RESULTS = ROOT / "bench" / "results.md"
SECRETS = {"SECRET_KEY": "bench-secret-" + "x" * 40, "LEARNER_CODE_PEPPER": "bench-pepper-" + "y" * 40,
           "STAFF_TOTP_KEY": "bench-totp-key-" + "z" * 40}
PARAGRAPH = ("Workers who join together can negotiate wages, safety and working time, and defend each other. "
             "This paragraph is generated for benchmarks and repeats a plain sentence about trade unions. ")


def write_generated_course(root: Path, slug: str, lessons: int, languages: tuple[str, ...] = ("en", "ru", "be"),
                           paragraphs: int = 6) -> None:
    """A course of ``lessons`` lessons in every language, each with a short quiz, and the starter course's
    glossary (terms.yaml), so a load looks for the words to avoid in every file, as it does in a real course."""
    folder = root / slug
    folder.mkdir(parents=True, exist_ok=True)
    if set(languages) <= {"en", "ru", "be"}:
        shutil.copyfile(STARTER / "trade-unions" / "terms.yaml", folder / "terms.yaml")
    names = [f"lesson-{number:04d}" for number in range(1, lessons + 1)]
    titles = "\n".join(f"  {lang}: Generated course {slug} ({lang})" for lang in languages)
    modules = "\n".join(
        f"  - title:\n{chr(10).join(f'      {lang}: Part {index + 1}' for lang in languages)}\n    lessons:\n"
        + "\n".join(f"      - {name}" for name in names[index:index + 50])
        for index in range(0, lessons, 50))
    (folder / "course.yaml").write_text(
        f"title:\n{titles}\nsummary:\n{titles}\nlanguages: [{', '.join(languages)}]\nmodules:\n{modules}\n",
        encoding="utf-8")
    body = "\n\n".join(f"## Part {index}\n\n{PARAGRAPH * 3}" for index in range(1, paragraphs + 1))
    quiz = ("pass_mark: 60\nquestions:\n  - id: q1\n    type: single\n    text: Which is right?\n    choices:\n"
            "      - id: a\n        text: This one\n        correct: true\n        explain: Yes.\n"
            "      - id: b\n        text: That one\n        explain: No.\n")
    for number, name in enumerate(names, start=1):
        lesson = folder / name
        lesson.mkdir(exist_ok=True)
        for index, lang in enumerate(languages):
            revision = "revision: 1" if index == 0 else "translation_of: 1"
            (lesson / f"{lang}.md").write_text(
                f"---\ntitle: Lesson {number} ({lang})\nsummary: Generated lesson {number}.\n{revision}\n---\n\n"
                f"{body}\n\n## Sources\n\n- [ILO](https://www.ilo.org/)\n", encoding="utf-8")
            (lesson / f"quiz.{lang}.yaml").write_text(
                ("revision: 1\n" if index == 0 else "translation_of: 1\n") + quiz, encoding="utf-8")


def lessons_with_generated_course(root: Path, lessons: int) -> Path:
    """The starter course plus a generated one, in a fresh folder."""
    target = root / "lessons"
    shutil.copytree(STARTER, target)
    write_generated_course(target, "generated", lessons)
    return target


def make_app(instance: Path, **settings: object) -> Flask:
    app = create_app({"INSTANCE_PATH": str(instance), "RELOAD_LESSONS": False, **SECRETS, **settings})
    upgrade_database(app)
    return app


def signed_in_coordinator(app: Flask) -> FlaskClient:
    """A test client signed in as a freshly made coordinator (enrolled directly, then through the page)."""
    with app.app_context():
        session = get_session()
        member = add_staff(session, "bench", StaffRole.COORDINATOR, "benchmark password 123", (), date.today())
        secret = start_enrolment(session, member, "bench", SECRETS["STAFF_TOTP_KEY"]).secret
        member.totp_enrolled = True
        session.commit()
    client = app.test_client()
    page = client.get("/staff/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    response = client.post("/staff/login", data={"csrf_token": token, "name": "bench",
                                                 "password": "benchmark password 123",
                                                 "code": pyotp.TOTP(secret).at(time.time())})
    assert response.status_code == 303, response.status_code
    return client


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name"))
    except (OSError, StopIteration):
        model = cpu
    memory = ""
    try:
        kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")))
        memory = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} × {model}{memory}, Python {platform.python_version()}, {platform.system()}"


def replace_section(heading: str, section: str) -> None:
    """Put ``section`` (which starts with ``heading``) in bench/results.md in place of the section of that heading,
    up to the next "## " heading; at the end if there is none. Every other section stays as it is."""
    previous = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    before, found, after = previous.partition(heading)
    rest = after.split("\n## ", 1)[1] if found and "\n## " in after else ""
    RESULTS.write_text(before.rstrip() + "\n\n" + section.rstrip() + "\n" + ("\n## " + rest if rest else ""),
                       encoding="utf-8")
