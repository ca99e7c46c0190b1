"""Small builders for lesson folders used by tests: a course, lessons, quizzes, as real files."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import yaml


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def make_course(root: Path, slug: str = "demo", *, languages: tuple[str, ...] = ("en", "ru", "be"),
                lessons: tuple[str, ...] = ("one", "two"), order: int | None = None) -> Path:
    """A course with one module and simple lessons in every language; returns its folder."""
    folder = root / slug
    data: dict[str, object] = {
        "title": {lang: f"{slug} course ({lang})" for lang in languages},
        "summary": {lang: f"About {slug} ({lang})" for lang in languages},
        "languages": list(languages),
        "modules": [{"title": {lang: f"Module ({lang})" for lang in languages}, "lessons": list(lessons)}],
    }
    if order is not None:
        data["order"] = order
    write(folder / "course.yaml", yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    for slug_ in lessons:
        for lang in languages:
            make_lesson_text(folder / slug_, lang, original=lang == languages[0])
    return folder


def make_lesson_text(folder: Path, lang: str, *, original: bool, title: str | None = None, body: str | None = None,
                     extra: str = "") -> Path:
    revision = "revision: 1" if original else "translation_of: 1"
    title = title or f"{folder.name} ({lang})"
    if body is None:
        body = f"## First part\n\nText of {folder.name} in {lang}.\n\n## Sources\n\n- A source\n"
    front_matter = f"---\ntitle: {title}\nsummary: Summary in {lang}\n{revision}\n{extra}---\n"
    return write(folder / f"{lang}.md", front_matter + body)


def edit_front_matter(path: Path, **changes: object) -> Path:
    """Set keys in an existing lesson file's front matter (``revision=3``, ``draft=True``), keeping the rest."""
    head, sep, body = path.read_text(encoding="utf-8").removeprefix("---\n").partition("\n---\n")
    assert sep, f"{path} has no front matter"
    lines = [line for line in head.splitlines() if line.split(":", 1)[0] not in changes]
    lines += [f"{key}: {yaml.safe_dump(value).splitlines()[0]}" for key, value in changes.items()]
    path.write_text("---\n" + "\n".join(lines) + "\n---\n" + body, encoding="utf-8")
    return path


def front_matter_value(path: Path, key: str) -> object:
    head = path.read_text(encoding="utf-8").removeprefix("---\n").partition("\n---\n")[0]
    return yaml.safe_load(head)[key]


def pdf_of(objects: list[bytes], *, head: bytes = b"%PDF-1.7\n", trailer_extra: bytes = b"") -> bytes:
    """A PDF file of ``objects`` (numbered from 1; the first is the catalogue), with its cross-reference table."""
    out = head
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, trailer_extra, xref)


def plain_pdf() -> bytes:
    """A small, well-formed PDF of one page with a link: what a lesson may publish as a handout."""
    return pdf_of([b"<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /Fit] >>",
                   b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                   b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
                   b"<< /Length 38 >>\nstream\nBT /F1 12 Tf (Join a union) Tj ET\n\nendstream"])


BOMB_LEVELS = "abcdefghi"


def alias_bomb() -> list[str]:
    """Nine levels of aliased lists: 9**9 (387 million) items from 400 bytes, if anything builds them."""
    lines = ['bomb_a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip(BOMB_LEVELS, BOMB_LEVELS[1:], strict=False):
        lines.append(f"bomb_{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    return lines


def bombed_course_yaml(course_yaml: Path) -> int:
    """Put the bomb into course.yaml, its last level in the first module's lessons; returns the bomb's first line."""
    text = course_yaml.read_text(encoding="utf-8")
    lines = text.split("\n")
    first = next(number for number, line in enumerate(lines, start=1) if line.startswith("modules:"))
    bomb = "\n".join(alias_bomb())
    course_yaml.write_text(text.replace("modules:\n", bomb + "\nmodules:\n", 1)
                           .replace("    lessons:\n      - study-safely", "    lessons: [*i, study-safely]", 1),
                           encoding="utf-8")
    return first
