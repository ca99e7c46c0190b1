"""Signed mirrors against the forger of mirrors: minisign's format checked by Debian's minisign,
the key given is the key, no link or special file passes, reserved names only at the top, zips
unpacked safely, and an edition and a date on every copy.

Everything runs for real: the ``course-app`` console script, ``/usr/bin/minisign`` and
``sha256sum``, on real files.
"""

from __future__ import annotations

import builtins
import io
import os
import re
import shutil
import stat
import subprocess
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.dates import format_date

from course_app.mirror.signing import (
    Edition,
    check_signature,
    load_private_key,
    parse_public_key,
    reserve_edition,
    write_manifest,
)
from tests.conftest import STARTER_LESSON_COUNT
from tests.test_cli import invoke_course_app, run_course_app

REAL_PAGE = "ru/trade-unions/wages.html"
FORGED_HTML = "<!doctype html><p>The union was never dissolved; meet us at the square at noon.</p>"


def run_tool(name: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a stock tool a reader would use; fail (never skip) when it is not installed."""
    tool = shutil.which(name)
    if tool is None:
        pytest.fail(f"{name} is needed for these tests (Debian: apt-get install {name}); it is not on PATH")
    return subprocess.run([tool, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


@dataclass(frozen=True)
class Publisher:
    """A key pair made by ``export keygen`` and one mirror exported with it (``--zip``)."""

    instance: Path
    out: Path

    @property
    def env(self) -> dict[str, str]:
        """The environment that points course-app at this publisher's instance folder."""
        return {"INSTANCE_PATH": str(self.instance)}

    @property
    def zip(self) -> Path:
        """The zip ``--zip`` wrote beside the folder."""
        return self.out.with_name(self.out.name + ".zip")

    @property
    def pub(self) -> Path:
        """The 44-character public key file."""
        return self.instance / "mirror-signing.pub"

    @property
    def minisign_pub(self) -> Path:
        """The minisign public key file."""
        return self.instance / "mirror-signing.minisign.pub"

    @property
    def text(self) -> str:
        """The public key's 44 characters."""
        return self.pub.read_text().strip()

    @property
    def minisign_line(self) -> str:
        """The public key's minisign ``RW…`` line."""
        return self.minisign_pub.read_text().splitlines()[1]

    def edition(self, out: Path | None = None) -> Edition:
        """The edition named by the signed comment of a copy's manifest signature."""
        comment = ((out or self.out) / "MANIFEST.sha256.minisig").read_text().splitlines()[2]
        edition = Edition.from_trusted_comment(comment.removeprefix("trusted comment: "))
        assert edition is not None, comment
        return edition


def publish(work: Path, name: str, *extra: str) -> Publisher:
    """Make a key pair whose text can name a file in ``work`` (not starting with '/'), then export with it."""
    for attempt in range(50):
        instance = work / f"{name}-instance-{attempt}"
        keygen = run_course_app("export", "keygen", cwd=work, env={"INSTANCE_PATH": str(instance)})
        assert keygen.returncode == 0, keygen.stderr
        if not (instance / "mirror-signing.pub").read_text().startswith("/"):
            break
    publisher = Publisher(instance, work / name)
    result = run_course_app("export", "static", str(publisher.out), "--zip", *extra, cwd=work, env=publisher.env,
                            timeout=180)
    assert result.returncode == 0, result.stderr
    return publisher


@pytest.fixture(scope="module")
def publisher(tmp_path_factory: pytest.TempPathFactory) -> Publisher:
    """The real publisher: a key pair and one complete mirror with its zip."""
    return publish(tmp_path_factory.mktemp("publisher"), "out")


@pytest.fixture(scope="module")
def forger(tmp_path_factory: pytest.TempPathFactory) -> Publisher:
    """The forger of mirrors: a key pair of their own and a copy signed with it (made by the same tool)."""
    return publish(tmp_path_factory.mktemp("forger"), "mirror", "--video", "none", "--lang", "ru")


def verify(target: Path, *key: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``course-app export verify TARGET`` with the key options given, as a reader would."""
    return invoke_course_app("export", "verify", str(target), *key, cwd=cwd, env=env)


def copy_of(publisher: Publisher, tmp_path: Path) -> Path:
    """A copy of the publisher's mirror folder to tamper with."""
    copy = tmp_path / "copy"
    shutil.copytree(publisher.out, copy, symlinks=True)
    return copy


def tree(folder: Path) -> set[str]:
    """Every entry under ``folder`` (links not followed), to prove nothing else was written."""
    return {str(path.relative_to(folder)) for path in folder.rglob("*")}


# -- stock tools and both key forms -------------------------------------------------------------

def test_stock_minisign_and_sha256sum_accept_the_zip_and_the_manifest(publisher: Publisher) -> None:
    whole = run_tool("minisign", "-Vm", str(publisher.zip), "-P", publisher.minisign_line, cwd=publisher.out.parent)
    assert whole.returncode == 0, whole.stderr
    assert f"Trusted comment: {publisher.edition().trusted_comment}" in whole.stdout
    # -H: minisign insists on the prehashed signature (its default since 0.11), which is all we write.
    manifest = run_tool("minisign", "-H", "-Vm", "MANIFEST.sha256", "-P", publisher.minisign_line, cwd=publisher.out)
    assert manifest.returncode == 0, manifest.stderr
    with_file = run_tool("minisign", "-Vm", "MANIFEST.sha256", "-p", str(publisher.minisign_pub), cwd=publisher.out)
    assert with_file.returncode == 0, with_file.stderr
    sums = run_tool("sha256sum", "-c", "--strict", "MANIFEST.sha256", cwd=publisher.out)
    assert sums.returncode == 0, sums.stdout + sums.stderr
    assert f"{REAL_PAGE}: OK" in sums.stdout


def test_course_app_verifies_the_folder_and_the_zip_with_either_key_form(publisher: Publisher, tmp_path: Path) -> None:
    described = f"({publisher.edition().described})"
    keys = (("--key", publisher.text), ("--key", publisher.minisign_line), ("--key-file", str(publisher.pub)),
            ("--key-file", str(publisher.minisign_pub)))
    for target in (publisher.out, publisher.zip):
        for key in keys:
            result = verify(target, *key, cwd=tmp_path,
                            env={"TMPDIR": str(tmp_path), "INSTANCE_PATH": str(tmp_path / "instance")})
            assert result.returncode == 0, (target, key, result.stderr)
            assert f"verified: every file is exactly as the publisher signed it {described}" in result.stdout
    zipped = verify(publisher.zip, "--key", publisher.text, cwd=tmp_path)
    assert f"zip: out.zip is exactly as the publisher signed it {described}" in zipped.stdout
    # The temporary folder the zip was unpacked into is gone, and a reader's check made no instance
    # folder or secrets: verifying needs no app.
    assert list(tmp_path.iterdir()) == []


def test_our_verifier_accepts_what_minisign_signs_and_minisign_reads_our_key(tmp_path: Path) -> None:
    made = run_tool("minisign", "-G", "-W", "-p", "minisign.pub", "-s", "minisign.key", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    document = tmp_path / "document.bin"
    document.write_bytes(os.urandom(200_000))
    signed = run_tool("minisign", "-S", "-s", "minisign.key", "-m", "document.bin", "-t", "a comment it signed",
                      cwd=tmp_path)
    assert signed.returncode == 0, signed.stderr
    for key_text in ((tmp_path / "minisign.pub").read_text(), (tmp_path / "minisign.pub").read_text().splitlines()[1]):
        check = check_signature(document, tmp_path / "document.bin.minisig", parse_public_key(key_text))
        assert check.valid and check.trusted_comment == "a comment it signed", check.problem
    key = parse_public_key((tmp_path / "minisign.pub").read_text())
    signature = tmp_path / "document.bin.minisig"
    lines = signature.read_text().splitlines()
    signature.write_text("\n".join([*lines[:2], "trusted comment: a comment it did not sign", lines[3]]) + "\n")
    tampered_comment = check_signature(document, signature, key)
    assert not tampered_comment.valid and "trusted comment" in tampered_comment.problem
    signature.write_text("\n".join(lines) + "\n")
    changed = bytearray(document.read_bytes())
    changed[-1] ^= 1  # always a change (a byte set to a constant could already be that byte)
    document.write_bytes(bytes(changed))
    assert not check_signature(document, signature, key).valid
    legacy = run_tool("minisign", "-S", "-l", "-s", "minisign.key", "-m", "document.bin", "-x", "legacy.minisig",
                      cwd=tmp_path)
    assert legacy.returncode == 0, legacy.stderr
    refused = check_signature(document, tmp_path / "legacy.minisig", key)
    assert not refused.valid and "legacy" in refused.problem


def test_keygen_and_pubkey_show_both_forms_and_the_same_key_always_has_the_same_minisign_key(tmp_path: Path) -> None:
    env = {"INSTANCE_PATH": str(tmp_path / "instance")}
    keygen = invoke_course_app("export", "keygen", cwd=tmp_path, env=env)
    assert keygen.returncode == 0, keygen.stderr
    text = (tmp_path / "instance" / "mirror-signing.pub").read_text().strip()
    minisign_file = (tmp_path / "instance" / "mirror-signing.minisign.pub").read_text()
    comment, line = minisign_file.splitlines()
    assert len(text) == 44 and line.startswith("RW") and text in keygen.stdout and line in keygen.stdout
    key = parse_public_key(text)
    assert comment == f"untrusted comment: minisign public key {key.key_id}" and key.minisign_line == line
    # A publisher whose key predates the minisign form: pubkey writes it again, identical.
    (tmp_path / "instance" / "mirror-signing.minisign.pub").unlink()
    pubkey = invoke_course_app("export", "pubkey", cwd=tmp_path, env=env)
    assert pubkey.returncode == 0, pubkey.stderr
    assert text in pubkey.stdout and line in pubkey.stdout
    assert (tmp_path / "instance" / "mirror-signing.minisign.pub").read_text() == minisign_file
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    shutil.copy(tmp_path / "instance" / "mirror-signing.key", moved / "publisher.key")
    elsewhere = invoke_course_app("export", "pubkey", "--key", str(moved / "publisher.key"), cwd=tmp_path)
    assert elsewhere.returncode == 0 and line in elsewhere.stdout
    assert (moved / "mirror-signing.minisign.pub").read_text() == minisign_file
    # A .pub beside the key that holds another key is reported, never overwritten.
    (moved / "mirror-signing.pub").write_text("Miggdvn5uPLIKmFDTCEB/TOC9FYxh3EdeV8UqiHKQeA=\n")
    clash = invoke_course_app("export", "pubkey", "--key", str(moved / "publisher.key"), cwd=tmp_path)
    assert clash.returncode == 1 and "holds another key" in clash.stderr
    assert (moved / "mirror-signing.pub").read_text() == "Miggdvn5uPLIKmFDTCEB/TOC9FYxh3EdeV8UqiHKQeA=\n"


def test_verify_is_used_wrongly_exit_2(publisher: Publisher, tmp_path: Path) -> None:
    for args in ((), ("--key", publisher.text, "--key-file", str(publisher.pub)), ("--key", "not a key"),
                 ("--key", str(publisher.pub)), ("--key", publisher.text[:-2])):
        result = verify(publisher.out, *args, cwd=tmp_path)
        assert result.returncode == 2, (args, result.stderr)
    as_path = verify(publisher.out, "--key", str(publisher.pub), cwd=tmp_path)
    assert "--key takes the key itself, never a file name" in as_path.stderr and "--key-file" in as_path.stderr
    missing = invoke_course_app("export", "verify", str(tmp_path / "nothing"), "--key", publisher.text, cwd=tmp_path)
    assert missing.returncode == 2


# -- the forger of mirrors ----------------------------------------------------------------------

def test_key_text_is_parsed_and_never_opened_as_a_file(publisher: Publisher, forger: Publisher, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    texts = (publisher.text, publisher.minisign_line)
    monkeypatch.chdir(tmp_path)
    for name in texts:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(forger.text + "\n")

    def refuse(*args: object, **kwargs: object) -> None:
        """Fail the test at any attempt to touch a file."""
        raise AssertionError(f"a key text was used as a file name: {args!r}")

    with monkeypatch.context() as no_files:
        for module, name in ((builtins, "open"), (io, "open"), (os, "open"), (os, "stat"), (os, "lstat"),
                             (os.path, "exists"), (os.path, "isfile"), (os.path, "lexists")):
            no_files.setattr(module, name, refuse)
        keys = [parse_public_key(text) for text in texts]
    assert {key.text for key in keys} == {publisher.text}


def test_a_decoy_key_file_named_like_the_real_key_changes_nothing(publisher: Publisher, forger: Publisher,
                                                                  tmp_path: Path) -> None:
    """A forged zip unpacks to the forger's signed mirror plus files named like the real key, holding the forger's."""
    reader = tmp_path / "unpacked"
    shutil.copytree(forger.out, reader / "mirror")
    for name, decoy in ((publisher.text, forger.text), (publisher.minisign_line, forger.minisign_line),
                        ("mirror-signing.pub", forger.text),
                        ("mirror-signing.minisign.pub", forger.minisign_pub.read_text())):
        (reader / name).parent.mkdir(parents=True, exist_ok=True)
        (reader / name).write_text(decoy + "\n")
    assert verify(reader / "mirror", "--key", forger.text, cwd=reader).returncode == 0  # a well-made forgery
    for key in (publisher.text, publisher.minisign_line):
        forged = verify(Path("mirror"), "--key", key, cwd=reader)
        assert forged.returncode == 1, forged.stdout
        assert "NOT VERIFIED" in forged.stderr and "signature does not match" in forged.stderr
    named_like_the_file = verify(Path("mirror"), "--key", "mirror-signing.pub", cwd=reader)
    assert named_like_the_file.returncode == 2 and "never a file name" in named_like_the_file.stderr

    # The forger signs decoys into the mirror itself, and the reader checks from inside it.
    inside = reader / "mirror"
    for name in ("MANIFEST.sha256", "MANIFEST.sha256.minisig"):
        (inside / name).unlink()
    for name, decoy in ((publisher.text, forger.text), ("mirror-signing.pub", forger.text)):
        (inside / name).parent.mkdir(parents=True, exist_ok=True)
        (inside / name).write_text(decoy + "\n")
    forger_key = forger.instance / "mirror-signing.key"
    write_manifest(inside, load_private_key(forger_key), reserve_edition(forger_key, datetime.now(UTC)))
    assert verify(Path("."), "--key", forger.text, cwd=inside).returncode == 0
    from_inside = verify(Path("."), "--key", publisher.text, cwd=inside)
    assert from_inside.returncode == 1 and "signature does not match" in from_inside.stderr
    key_file_inside = verify(Path("."), "--key-file", "mirror-signing.pub", cwd=inside)
    assert key_file_inside.returncode == 2 and "inside the mirror" in key_file_inside.stderr


def test_a_symlinked_folder_or_file_is_not_verified(publisher: Publisher, tmp_path: Path) -> None:
    copy = copy_of(publisher, tmp_path)
    payload = tmp_path / "payload"
    payload.mkdir()
    (payload / "index.html").write_text(FORGED_HTML)
    (copy / "en" / "news").symlink_to("../../payload")  # ln -s ../../payload out/en/news
    folder_link = verify(copy, "--key", publisher.text, cwd=tmp_path)
    assert folder_link.returncode == 1
    assert "not a regular file: en/news (symbolic link)" in folder_link.stderr and "NOT VERIFIED" in folder_link.stderr

    (copy / "en" / "news").unlink()
    page = copy / REAL_PAGE
    shutil.move(page, tmp_path / "wages.html")
    page.symlink_to(tmp_path / "wages.html")  # the very same bytes, through a link
    sums = run_tool("sha256sum", "-c", "MANIFEST.sha256", cwd=copy)
    assert sums.returncode == 0  # what the docs warn about: sha256sum follows links
    file_link = verify(copy, "--key", publisher.text, cwd=tmp_path)
    assert file_link.returncode == 1 and f"not a regular file: {REAL_PAGE} (symbolic link)" in file_link.stderr

    page.unlink()
    shutil.move(tmp_path / "wages.html", page)
    (copy / "static").rename(tmp_path / "static")
    (copy / "static").symlink_to(tmp_path / "static")
    top_link = verify(copy, "--key", publisher.text, cwd=tmp_path)
    assert top_link.returncode == 1 and "not a regular file: static (symbolic link)" in top_link.stderr


@pytest.mark.parametrize("name", ["MANIFEST.sha256.minisig", "MANIFEST.sig", "MANIFEST.sha256"])
def test_a_reserved_name_below_the_top_is_an_ordinary_file(publisher: Publisher, tmp_path: Path, name: str) -> None:
    copy = copy_of(publisher, tmp_path)
    (copy / "en" / name).write_text(FORGED_HTML)
    result = verify(copy, "--key", publisher.text, cwd=tmp_path)
    assert result.returncode == 1 and f"added: en/{name}" in result.stderr and "NOT VERIFIED" in result.stderr


def test_a_copy_in_the_old_format_is_not_verified(publisher: Publisher, tmp_path: Path) -> None:
    copy = copy_of(publisher, tmp_path)
    (copy / "MANIFEST.sha256.minisig").rename(copy / "MANIFEST.sig")
    result = verify(copy, "--key", publisher.text, cwd=tmp_path)
    assert result.returncode == 1 and "MANIFEST.sha256.minisig is missing" in result.stderr


def test_a_fifo_is_not_verified_and_does_not_hang_the_check(publisher: Publisher, tmp_path: Path) -> None:
    copy = copy_of(publisher, tmp_path)
    os.mkfifo(copy / "en" / "news.html")
    nested = verify(copy, "--key", publisher.text, cwd=tmp_path)
    assert nested.returncode == 1 and "not a regular file: en/news.html (FIFO)" in nested.stderr
    (copy / "en" / "news.html").unlink()
    (copy / "MANIFEST.sha256").unlink()
    os.mkfifo(copy / "MANIFEST.sha256")  # nobody writes to it: reading it would wait for ever
    top = verify(copy, "--key", publisher.text, cwd=tmp_path)
    assert top.returncode == 1 and "not a regular file: MANIFEST.sha256 (FIFO)" in top.stderr


def test_a_repacked_zip_fails_minisign_and_verify(publisher: Publisher, tmp_path: Path) -> None:
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(publisher.zip) as archive:
        archive.extractall(unpacked)  # our own zip, from our own export
    (unpacked / "out" / REAL_PAGE).write_text(FORGED_HTML)
    repacked = tmp_path / "out.zip"
    with zipfile.ZipFile(repacked, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in unpacked.rglob("*") if p.is_file()):
            archive.write(path, path.relative_to(unpacked).as_posix())
    shutil.copy(publisher.zip.with_name("out.zip.minisig"), tmp_path / "out.zip.minisig")
    stock = run_tool("minisign", "-Vm", "out.zip", "-P", publisher.minisign_line, cwd=tmp_path)
    assert stock.returncode != 0 and "Signature verification failed" in stock.stderr
    ours = verify(repacked, "--key", publisher.text, cwd=tmp_path)
    assert ours.returncode == 1
    assert "NOT VERIFIED: out.zip does not match out.zip.minisig" in ours.stderr
    assert f"changed: {REAL_PAGE}" in ours.stderr
    (tmp_path / "out.zip.minisig").unlink()
    unsigned = verify(repacked, "--key", publisher.text, cwd=tmp_path)
    assert unsigned.returncode == 1 and "NOT VERIFIED: there is no out.zip.minisig beside out.zip" in unsigned.stderr
    assert "verified:" not in unsigned.stdout


def forged_zip(publisher: Publisher, target: Path, name: str, data: bytes, mode: int) -> Path:
    """The publisher's zip with one more entry added by hand (what a forger's zip tool can write)."""
    shutil.copy(publisher.zip, target)
    with zipfile.ZipFile(target, "a") as archive:
        entry = zipfile.ZipInfo(name, date_time=(2026, 12, 2, 10, 4, 0))
        entry.create_system = 3
        entry.external_attr = mode << 16
        archive.writestr(entry, data)
    return target


@pytest.mark.parametrize(("name", "mode", "reason"), [
    ("out/en/news", stat.S_IFLNK | 0o777, "a symbolic link"),
    ("out/../../escaped.html", stat.S_IFREG | 0o644, "a name with '..'"),
    ("../escaped.html", stat.S_IFREG | 0o644, "a name with '..'"),
    ("/tmp/escaped.html", stat.S_IFREG | 0o644, "an absolute name"),
    ("out/en/pipe", stat.S_IFIFO | 0o644, "not a regular file or folder"),
])
def test_a_zip_with_a_link_or_a_climbing_name_is_refused_and_nothing_is_written(
        publisher: Publisher, tmp_path: Path, name: str, mode: int, reason: str) -> None:
    reader = tmp_path / "reader" / "deep"
    temporary = tmp_path / "tmp"
    reader.mkdir(parents=True)
    temporary.mkdir()
    data = b"../../../../escaped.html" if stat.S_ISLNK(mode) else FORGED_HTML.encode()
    target = forged_zip(publisher, reader / "out.zip", name, data, mode)
    before = tree(tmp_path)
    result = verify(target, "--key", publisher.text, cwd=reader, env={"TMPDIR": str(temporary)})
    assert result.returncode == 1
    assert f"refused: {name} ({reason})" in result.stderr and "nothing was unpacked" in result.stderr
    assert tree(tmp_path) == before and list(temporary.iterdir()) == []
    assert not Path("/tmp/escaped.html").exists()


def test_a_zip_with_two_entries_of_one_name_is_refused(publisher: Publisher, tmp_path: Path) -> None:
    """Unpackers disagree on which of two same-named entries wins; the check must not pick one."""
    target = tmp_path / "out.zip"
    shutil.copy(publisher.zip, target)
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(target, "a") as archive:
        archive.writestr(f"out/{REAL_PAGE}", FORGED_HTML)
    result = verify(target, "--key", publisher.text, cwd=tmp_path, env={"TMPDIR": str(tmp_path)})
    assert result.returncode == 1
    assert f"refused: out/{REAL_PAGE} (two entries with the same name)" in result.stderr


def test_a_zip_repacked_by_the_stock_zip_tool_is_not_verified_but_its_folder_is(publisher: Publisher,
                                                                               tmp_path: Path) -> None:
    """Info-ZIP's zip writes extra fields (times, owners) that the exporter never writes: such a zip, and one
    without its signature, is NOT VERIFIED; unpacked into a folder, the copy is checked as a folder."""
    copy = copy_of(publisher, tmp_path)
    made = run_tool("zip", "-q", "-r", "repacked.zip", copy.name, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    repacked = verify(tmp_path / "repacked.zip", "--key", publisher.text, cwd=tmp_path,
                      env={"TMPDIR": str(tmp_path)})
    assert repacked.returncode == 1 and "verified:" not in repacked.stdout
    assert "NOT VERIFIED: there is no repacked.zip.minisig" in repacked.stderr
    assert re.search(r"refused: copy/\S+ \(an extra field 0x5455 \(extended timestamp\)", repacked.stderr)
    unpacked = tmp_path / "unpacked"
    unpacked.mkdir()
    assert run_tool("unzip", "-q", "../repacked.zip", cwd=unpacked).returncode == 0
    folder = verify(unpacked / "copy", "--key", publisher.text, cwd=tmp_path)
    assert folder.returncode == 0 and "verified: every file" in folder.stdout
    (copy / "en" / "news").symlink_to("../../payload")
    linked = run_tool("zip", "-q", "-r", "--symlinks", "linked.zip", copy.name, cwd=tmp_path)
    assert linked.returncode == 0, linked.stderr
    refused = verify(tmp_path / "linked.zip", "--key", publisher.text, cwd=tmp_path, env={"TMPDIR": str(tmp_path)})
    assert refused.returncode == 1 and "refused: copy/en/news (" in refused.stderr


# -- editions -----------------------------------------------------------------------------------

def test_editions_increase_and_every_page_and_verify_state_them(publisher: Publisher, tmp_path: Path) -> None:
    first = publisher.edition()
    again = tmp_path / "again"
    result = invoke_course_app("export", "static", str(again), "--video", "none", cwd=tmp_path, env=publisher.env)
    assert result.returncode == 0, result.stderr
    second = publisher.edition(again)
    assert second.number == first.number + 1 and second.made >= first.made
    assert second.made.second == 0 and abs(datetime.now(UTC) - second.made).total_seconds() < 600
    counter = publisher.instance / "mirror-signing.key.editions"
    assert counter.read_text().strip() == str(second.number)
    assert stat.S_IMODE(counter.stat().st_mode) == 0o600
    assert f"({second.described})" in result.stdout

    pages = sorted(again.rglob("*.html"))
    # The choice of language; per language: courses, how to check, the course, its glossary, its lessons.
    assert len(pages) == 1 + 3 * (4 + STARTER_LESSON_COUNT)
    wording = {"en": "edition", "ru": "выпуск", "be": "выпуск"}
    for page in pages:
        html = page.read_text(encoding="utf-8")
        lang = re.search(r'<html lang="(\w+)"', html).group(1)  # type: ignore[union-attr]  # every page has one
        footer = html.split('<footer class="site-footer">', 1)[1]
        made_on = format_date(second.made.date(), format="long", locale=lang)
        assert f"{made_on} ({wording[lang]} {second.number})" in footer, page
        link = re.search(r'<a href="([^"]+)">', footer.split(f"{wording[lang]} {second.number})", 1)[1])
        assert link and (page.parent / link.group(1)).resolve() == (again / lang / "check.html").resolve(), page
        assert "<script" not in html, page
    check_page = (again / "be" / "check.html").read_text(encoding="utf-8")
    assert "minisign -Vm MANIFEST.sha256 -P RW" in check_page and "sha256sum -c MANIFEST.sha256" in check_page

    checked = verify(again, "--key", publisher.minisign_line, cwd=tmp_path)
    assert checked.returncode == 0
    assert checked.stdout.strip() == ("verified: every file is exactly as the publisher signed it "
                                      f"(edition {second.number}, made {second.made:%Y-%m-%d %H:%M} UTC)")


def test_a_broken_edition_counter_stops_the_export_rather_than_starting_again(tmp_path: Path) -> None:
    env = {"INSTANCE_PATH": str(tmp_path / "instance")}
    assert invoke_course_app("export", "keygen", cwd=tmp_path, env=env).returncode == 0
    (tmp_path / "instance" / "mirror-signing.key.editions").write_text("seven\n")
    result = invoke_course_app("export", "static", str(tmp_path / "out"), "--video", "none", cwd=tmp_path, env=env)
    assert result.returncode == 1 and "edition counter" in result.stderr
    assert not (tmp_path / "out").exists()


def test_export_refuses_to_leave_an_old_zip_or_signature_beside_a_new_copy(publisher: Publisher,
                                                                            tmp_path: Path) -> None:
    (tmp_path / "out.zip.minisig").write_text("from an earlier export\n")
    result = invoke_course_app("export", "static", str(tmp_path / "out"), "--zip", "--video", "none", cwd=tmp_path,
                               env=publisher.env)
    assert result.returncode == 1 and "out.zip.minisig already exists" in result.stderr
    assert not (tmp_path / "out.zip").exists()

