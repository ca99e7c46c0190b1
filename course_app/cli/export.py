"""``course-app export``: static mirrors of the courses, signed so readers can tell a copy was not altered."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..clock import clock
from ..mirror.export import MirrorError, export_static
from ..mirror.signing import (
    MINISIGN_PUBLIC_KEY_NAME,
    PRIVATE_KEY_NAME,
    KeyFormatError,
    PublicKey,
    SigningError,
    Verification,
    generate_keys,
    load_private_key,
    load_public_key_file,
    parse_public_key,
    reserve_edition,
    shown_name,
    verify_folder,
    verify_zip,
    write_public_keys,
)
from .app_context import EXIT_ERRORS


@click.group("export")
def export_group() -> None:
    """Static mirrors of the courses, signed so readers can tell a copy was not altered."""


def _default_key_folder() -> Path:
    return Path(current_app.instance_path)


@export_group.command("keygen")
@click.option("--out", "folder", type=click.Path(file_okay=False, path_type=Path),
              help="Where to write the key pair (default: the instance folder).")
@with_appcontext
def export_keygen(folder: Path | None) -> None:
    """Make the Ed25519 key pair that signs mirrors (once; keep the private key safe)."""
    try:
        private, public = generate_keys(folder or _default_key_folder())
        key = PublicKey.of(load_private_key(private).public_key())
    except SigningError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"private key: {private} (readable only by you; back it up, never publish it)")
    _echo_public_key(key, public, public.with_name(MINISIGN_PUBLIC_KEY_NAME))


def _echo_public_key(key: PublicKey, public: Path, minisign_public: Path) -> None:
    """Show both forms of the public key, which readers must get from the publisher, never from a mirror."""
    click.echo(f"public key:  {public} and {minisign_public} — publish this where readers can trust it:")
    click.echo(f"  for course-app export verify --key:  {key.text}")
    click.echo(f"  for minisign -P:                     {key.minisign_line}")


@export_group.command("pubkey")
@click.option("--key", "key_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Private signing key (default: mirror-signing.key in the instance folder).")
@with_appcontext
def export_pubkey(key_path: Path | None) -> None:
    """Print the public key of a private signing key in both forms, and write the .pub files beside it if missing."""
    key_path = key_path or _default_key_folder() / PRIVATE_KEY_NAME
    if not key_path.is_file():
        raise click.ClickException(f"no signing key at {key_path}: make one with 'course-app export keygen'")
    try:
        private = load_private_key(key_path)
        # Written beside the key, so a key made before the minisign form existed gains that file.
        public, minisign_public = write_public_keys(private, key_path.parent)
    except SigningError as error:
        raise click.ClickException(str(error)) from None
    _echo_public_key(PublicKey.of(private.public_key()), public, minisign_public)


@export_group.command("static")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--course", "courses", multiple=True, help="Only this course (repeat for several).")
@click.option("--lang", "languages", multiple=True, help="Only this language (repeat for several).")
@click.option("--video", default="240p", show_default=True, type=click.Choice(["240p", "360p", "audio", "none"]),
              help="Which size of each video the copy carries.")
@click.option("--key", "key_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Private signing key (default: mirror-signing.key in the instance folder).")
@click.option("--zip", "make_zip", is_flag=True, help="Also pack the copy into OUT.zip.")
@with_appcontext
def export_static_command(out: Path, courses: tuple[str, ...], languages: tuple[str, ...], video: str,
                          key_path: Path | None, make_zip: bool) -> None:
    """Write a complete, JavaScript-free copy of the courses into OUT, with a signed manifest."""
    key_path = key_path or _default_key_folder() / PRIVATE_KEY_NAME
    if not key_path.is_file():
        raise click.ClickException(f"no signing key at {key_path}: make one with 'course-app export keygen'")
    try:
        key = load_private_key(key_path)
        # Taken once every check has passed, before writing (every page states it): a refused export takes none.
        result = export_static(current_app, out, courses=courses, languages=languages, video=video,
                               signing_key=key, edition=lambda: reserve_edition(key_path, clock().now()),
                               make_zip=make_zip)
    except (MirrorError, SigningError) as error:
        raise click.ClickException(str(error)) from None
    except OSError as error:
        raise click.ClickException(f"{out}: the copy could not be written ({error.strerror or error})") from None
    described = result.edition.described if result.edition else "unsigned"
    if result.replaced:
        click.echo(f"{out}: replaced the earlier export in it")
    click.echo(f"{out}: {result.pages} files written, {result.media_files} media files, "
               f"languages {', '.join(result.languages)}; manifest signed ({described})")
    if result.zip_path:
        click.echo(f"{result.zip_path}: the same, as one file, signed in {result.zip_signature}")


@export_group.command("verify")
@click.argument("mirror", metavar="FOLDER_OR_ZIP", type=click.Path(exists=True, path_type=Path))
@click.option("--key", "key_text", metavar="TEXT",
              help="The publisher's public key itself: the 44 characters, or the minisign line RW….")
@click.option("--key-file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="A file holding the publisher's public key (mirror-signing.pub or mirror-signing.minisign.pub).")
def export_verify(mirror: Path, key_text: str | None, key_file: Path | None) -> None:
    """Tell whether a mirror (its folder or its .zip) is exactly what its publisher signed (exit 0) or not (exit 1)."""
    key = _reader_key(key_text, key_file, mirror)
    if mirror.is_dir():
        ok, edition = _report_folder(verify_folder(mirror, key))
        if not ok:
            sys.exit(EXIT_ERRORS)
        click.echo(f"verified: every file is exactly as the publisher signed it ({edition})")
        return
    result = verify_zip(mirror, key)
    signature_name = f"{mirror.name}.minisig"
    if result.whole.valid:
        click.echo(f"zip: {mirror.name} is exactly as the publisher signed it ({result.whole.described})")
    elif os.path.lexists(mirror.with_name(signature_name)):
        click.echo(f"NOT VERIFIED: {mirror.name} does not match {signature_name}: {result.whole.problem}", err=True)
    else:
        click.echo(f"NOT VERIFIED: there is no {signature_name} beside {mirror.name}, and a zip is verified only "
                   f"with its signature. Get {signature_name} from the same place, or unpack the zip with unzip "
                   "into a new empty folder and check that folder with export verify.", err=True)
    for refusal in result.refused:
        click.echo(f"refused: {refusal}", err=True)
    if result.refused:
        click.echo("NOT VERIFIED: the zip holds entries that unpackers could read differently, or that are not "
                   "plain files and folders; nothing was unpacked", err=True)
    if result.problem:
        click.echo(f"NOT VERIFIED: {result.problem}", err=True)
    for folder in result.unlisted:
        click.echo(f"not in the manifest: {folder}", err=True)
    ok, edition = _report_folder(result.contents) if result.contents is not None else (False, "")
    if result.unlisted:
        click.echo("NOT VERIFIED: the zip holds entries the signed manifest does not account for", err=True)
    if not (ok and result.ok):
        sys.exit(EXIT_ERRORS)
    click.echo(f"verified: every file is exactly as the publisher signed it ({edition})")


def _reader_key(key_text: str | None, key_file: Path | None, mirror: Path) -> PublicKey:
    """The key the reader gave: parsed from --key's text (never opened as a file), or read from --key-file."""
    if (key_text is None) == (key_file is None):
        raise click.UsageError("give the publisher's public key once: --key TEXT (the 44 characters or the "
                               "RW… line) or --key-file PATH")
    if key_file is None:
        try:
            return parse_public_key(key_text or "")
        except KeyFormatError as error:
            raise click.UsageError(f"--key takes the key itself, never a file name: {error}; "
                                   "for a file, use --key-file PATH") from None
    if mirror.is_dir() and key_file.resolve().is_relative_to(mirror.resolve()):
        # A key that travels with a copy proves nothing: a forger would put their own key there.
        raise click.UsageError(f"{key_file} is inside the mirror: use the key the publisher published elsewhere")
    try:
        return load_public_key_file(key_file)
    except SigningError as error:
        raise click.UsageError(str(error)) from None


def _report_folder(result: Verification) -> tuple[bool, str]:
    """Print on stderr everything that keeps a mirror folder from being verified; its verdict and edition."""
    for entry in result.special:
        click.echo(f"not a regular file: {shown_name(entry)}", err=True)
    if result.unreadable:
        click.echo(f"NOT VERIFIED: {result.unreadable}", err=True)
        return False, ""
    if not result.signature_valid:
        click.echo("NOT VERIFIED: the manifest is missing, or its signature does not match this key "
                   f"({result.signature.problem})", err=True)
        return False, ""
    for label, names in (("changed", result.changed), ("missing", result.missing), ("added", result.extra)):
        for name in names:
            click.echo(f"{label}: {shown_name(name)}", err=True)
    if result.special:
        click.echo("NOT VERIFIED: the copy holds links or other entries that are not regular files", err=True)
    if result.changed or result.missing or result.extra:
        click.echo("NOT VERIFIED: files differ from what the publisher signed", err=True)
    return result.ok, result.signature.described


