"""A mirror's zip is verified only as it will be unpacked: a zip that Python's zipfile and Info-ZIP unzip
would read differently is NOT VERIFIED, naming the entry, and so is a zip without its signature.

The forger's zip is built for real, and Debian's ``unzip`` shows what it would have written.
"""

from __future__ import annotations

import shutil
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from course_app.mirror.signing import load_private_key, sign_file
from tests.test_mirror_signing import FORGED_HTML, Publisher, publish, run_tool, verify

GENUINE_PAGE = "out/en/index.html"


@pytest.fixture(scope="module")
def publisher(tmp_path_factory: pytest.TempPathFactory) -> Publisher:
    """A key pair and one mirror with its zip (no videos: the zip's layout is what is tested)."""
    return publish(tmp_path_factory.mktemp("publisher"), "out", "--video", "none")


def unicode_path(stored_name: bytes, name_for_unzip: str) -> bytes:
    """An Info-ZIP Unicode-path extra field (0x7075): unzip uses its name when the CRC of the stored name matches."""
    body = b"\x01" + struct.pack("<I", zlib.crc32(stored_name)) + name_for_unzip.encode()
    return struct.pack("<HH", 0x7075, len(body)) + body


def rewritten(publisher: Publisher, target: Path, change: Callable[[zipfile.ZipInfo], None] | None = None,
              *, more: tuple[tuple[zipfile.ZipInfo, bytes], ...] = ()) -> Path:
    """The publisher's zip, entry by entry with the same bytes, each passed to ``change``; then ``more`` entries."""
    with zipfile.ZipFile(publisher.zip) as source, zipfile.ZipFile(target, "w") as archive:
        for info in source.infolist():
            copy = zipfile.ZipInfo(info.filename, info.date_time)
            copy.external_attr, copy.compress_type = info.external_attr, info.compress_type
            if change is not None:
                change(copy)
            archive.writestr(copy, source.read(info))
        for info, data in more:
            archive.writestr(info, data)
    return target


def forged_zip(publisher: Publisher, target: Path) -> Path:
    """The forgery: the genuine page renamed for unzip only, and a "folder" entry carrying the forged page's bytes."""
    def rename_genuine_for_unzip(info: zipfile.ZipInfo) -> None:
        if info.filename == GENUINE_PAGE:
            info.extra = unicode_path(GENUINE_PAGE.encode(), "out/en/index.original.html")

    folder = zipfile.ZipInfo("out/en/notes/", (2026, 12, 2, 10, 4, 0))
    folder.external_attr = 0o100644 << 16
    folder.extra = unicode_path(b"out/en/notes/", GENUINE_PAGE)
    return rewritten(publisher, target, rename_genuine_for_unzip, more=((folder, FORGED_HTML.encode()),))


def test_unzip_would_write_the_forged_page_and_verify_refuses_the_zip_naming_the_entries(
        publisher: Publisher, tmp_path: Path) -> None:
    """The acceptance case: no .minisig, a Unicode-path field renaming the genuine page, a "folder" with data."""
    forged = forged_zip(publisher, tmp_path / "mirror.zip")
    # What the reader who follows "unpack it" gets from Debian's unzip: the forged page in the real one's place.
    unpacked = tmp_path / "unpacked"
    unpacked.mkdir()
    unzipped = run_tool("unzip", "-q", str(forged), cwd=unpacked)
    assert unzipped.returncode == 0, unzipped.stderr
    assert (unpacked / GENUINE_PAGE).read_text() == FORGED_HTML
    # Python's zipfile sees the genuine page and an empty folder: the two readers disagree.
    with zipfile.ZipFile(forged) as archive:
        assert archive.read(GENUINE_PAGE) == (publisher.out / "en" / "index.html").read_bytes()
    result = verify(forged, "--key", publisher.text, cwd=tmp_path, env={"TMPDIR": str(tmp_path / "unpacked")})
    assert result.returncode == 1 and "verified:" not in result.stdout
    assert f"refused: {GENUINE_PAGE} (an extra field 0x7075 (Info-ZIP Unicode path" in result.stderr
    assert "refused: out/en/notes/ (an extra field 0x7075" in result.stderr
    assert "NOT VERIFIED: there is no mirror.zip.minisig beside mirror.zip" in result.stderr
    # The folder entry alone, without the extra field, is refused for carrying data.
    data_folder = zipfile.ZipInfo("out/en/notes/", (2026, 12, 2, 10, 4, 0))
    alone = rewritten(publisher, tmp_path / "alone.zip", more=((data_folder, FORGED_HTML.encode()),))
    refused = verify(alone, "--key", publisher.text, cwd=tmp_path)
    assert refused.returncode == 1
    assert "refused: out/en/notes/ (a folder entry (its name ends in '/') that carries" in refused.stderr


def test_the_exporters_zip_meets_every_rule(publisher: Publisher) -> None:
    from course_app.mirror.zip_layout import read_layout

    layout = read_layout(publisher.zip)
    assert layout.refused == () and layout.entries
    with zipfile.ZipFile(publisher.zip) as archive:
        assert archive.comment == b"" and all(info.extra == b"" and not info.is_dir() for info in archive.infolist())


def _case_twin(info: zipfile.ZipInfo) -> tuple[tuple[zipfile.ZipInfo, bytes], ...]:
    return ((zipfile.ZipInfo("out/en/Index.html", info.date_time), FORGED_HTML.encode()),)


def _with_extra(field_id: int) -> Callable[[zipfile.ZipInfo], None]:
    def change(info: zipfile.ZipInfo) -> None:
        if info.filename == GENUINE_PAGE:
            info.extra = struct.pack("<HH", field_id, 5) + b"\x01abcd"
    return change


@pytest.mark.parametrize(("extra_id", "reason"), [
    (0x5455, "an extra field 0x5455 (extended timestamp)"),
    (0x7875, "an extra field 0x7875 (Info-ZIP Unix owner)"),
    (0x9999, "an extra field 0x9999, which the exporter never writes"),
])
def test_an_extra_field_the_exporter_never_writes_is_refused(publisher: Publisher, tmp_path: Path, extra_id: int,
                                                             reason: str) -> None:
    target = rewritten(publisher, tmp_path / "out.zip", _with_extra(extra_id))
    shutil.copy(publisher.zip.with_name("out.zip.minisig"), tmp_path)
    result = verify(target, "--key", publisher.text, cwd=tmp_path)
    assert result.returncode == 1 and f"refused: {GENUINE_PAGE} ({reason}" in result.stderr


def test_names_that_differ_only_in_case_are_refused(publisher: Publisher, tmp_path: Path) -> None:
    target = rewritten(publisher, tmp_path / "out.zip",
                       more=_case_twin(zipfile.ZipInfo(GENUINE_PAGE, (2026, 12, 2, 10, 4, 0))))
    result = verify(target, "--key", publisher.text, cwd=tmp_path)
    assert result.returncode == 1
    assert "refused: out/en/Index.html (two entries with names that differ only in case" in result.stderr


def _raw_replace(path: Path, old: bytes, new: bytes, count: int = -1) -> None:
    data = path.read_bytes()
    assert old in data and len(old) == len(new)
    path.write_bytes(data.replace(old, new, count))


def test_a_name_neither_ascii_nor_marked_utf8_is_refused(publisher: Publisher, tmp_path: Path) -> None:
    marker = zipfile.ZipInfo("out/en/cafX.html", (2026, 12, 2, 10, 4, 0))
    target = rewritten(publisher, tmp_path / "out.zip", more=((marker, b"<p>cafe</p>"),))
    _raw_replace(target, b"out/en/cafX.html", b"out/en/caf\x82.html")  # cp437 "é" with no UTF-8 flag
    result = verify(target, "--key", publisher.text, cwd=tmp_path)
    assert result.returncode == 1
    assert "(a name that is neither ASCII nor UTF-8 marked as such in the zip)" in result.stderr


def test_a_local_header_naming_the_entry_differently_is_refused(publisher: Publisher, tmp_path: Path) -> None:
    target = rewritten(publisher, tmp_path / "out.zip")
    _raw_replace(target, GENUINE_PAGE.encode(), b"out/en/evil!.html", count=1)  # the local header comes first
    result = verify(target, "--key", publisher.text, cwd=tmp_path)
    assert result.returncode == 1
    assert f"refused: {GENUINE_PAGE} (a local header that names or describes it differently" in result.stderr


@pytest.mark.parametrize("where", ["comment", "after", "before", "between"])
def test_a_comment_or_data_outside_the_entries_is_refused(publisher: Publisher, tmp_path: Path, where: str) -> None:
    target = tmp_path / "out.zip"
    if where == "comment":
        rewritten(publisher, target)
        with zipfile.ZipFile(target, "a") as archive:
            archive.comment = b"see https://example.org"
    elif where == "after":
        rewritten(publisher, target)
        target.write_bytes(target.read_bytes() + FORGED_HTML.encode())
    elif where == "before":
        rewritten(publisher, target)
        target.write_bytes(FORGED_HTML.encode() + target.read_bytes())  # Python's zipfile still reads this
        with zipfile.ZipFile(target) as archive:
            assert archive.testzip() is None
    else:
        with zipfile.ZipFile(publisher.zip) as source, zipfile.ZipFile(target, "w") as archive:
            for number, info in enumerate(source.infolist()):
                archive.writestr(info, source.read(info))
                if number == 0:
                    archive.fp.write(FORGED_HTML.encode())  # type: ignore[union-attr]  # bytes no entry owns
                    archive.start_dir = archive.fp.tell()  # type: ignore[union-attr]
    shutil.copy(publisher.zip.with_name("out.zip.minisig"), tmp_path)
    result = verify(target, "--key", publisher.text, cwd=tmp_path)
    assert result.returncode == 1 and "verified:" not in result.stdout
    expected = {"comment": "has a comment or data after its end record", "after": "data after its end record",
                "before": "data was added before the first entry", "between": "(data before this entry"}[where]
    assert expected in result.stderr, result.stderr


def test_an_entry_the_signed_manifest_does_not_account_for_is_refused(publisher: Publisher, tmp_path: Path) -> None:
    """An empty folder entry passes every layout rule, yet the manifest inside does not account for it: even a
    zip signed as a whole with the publisher's key (say, re-packed by hand) is refused for it."""
    target = rewritten(publisher, tmp_path / "out.zip",
                       more=((zipfile.ZipInfo("out/en/unsigned/", (2026, 12, 2, 10, 4, 0)), b""),))
    sign_file(target, load_private_key(publisher.instance / "mirror-signing.key"), publisher.edition())
    result = verify(target, "--key", publisher.text, cwd=tmp_path)
    assert result.returncode == 1 and "not in the manifest: out/en/unsigned/" in result.stderr


def test_a_signed_zip_is_verified_and_the_same_zip_without_its_signature_is_not(publisher: Publisher,
                                                                               tmp_path: Path) -> None:
    signed = verify(publisher.zip, "--key", publisher.text, cwd=tmp_path)
    assert signed.returncode == 0 and "verified: every file is exactly as the publisher signed it" in signed.stdout
    shutil.copy(publisher.zip, tmp_path / "out.zip")
    unsigned = verify(tmp_path / "out.zip", "--key", publisher.text, cwd=tmp_path)
    assert unsigned.returncode == 1 and "verified:" not in unsigned.stdout
    assert "NOT VERIFIED: there is no out.zip.minisig beside out.zip" in unsigned.stderr


def test_the_exporter_refuses_to_zip_names_that_differ_only_in_case(tmp_path: Path) -> None:
    """Two files one disk would take for one: the export stops, naming them, and leaves no zip behind."""
    from course_app.mirror.export import MirrorError, _zip

    folder = tmp_path / "out"
    (folder / "media").mkdir(parents=True)
    (folder / "media" / "Photo.jpg").write_bytes(b"one")
    (folder / "media" / "photo.jpg").write_bytes(b"two")
    with pytest.raises(MirrorError, match=r"out/media/photo\.jpg \(two entries with names that differ only in case"):
        _zip(folder, tmp_path / "out.zip", top="out")
    assert not (tmp_path / "out.zip").exists()
