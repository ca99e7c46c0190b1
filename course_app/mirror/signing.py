"""Signed static mirrors: a SHA-256 line per file (``MANIFEST.sha256``), signed in minisign's format.

A reader who has the publisher's public key (from a channel they trust, never from the mirror
itself) can tell whether a copy was altered, with course-app (``course-app export verify DIR
--key KEY``) or with stock tools only (``minisign -Vm MANIFEST.sha256 -P KEY``, then
``sha256sum -c MANIFEST.sha256``). The invariants this module keeps:

- the key a reader gives is the key: key text is parsed, never looked up as a file name;
- every entry of a mirror that is not a regular file or a folder (a symbolic link, a FIFO, a
  device, a socket), at any depth, makes it unverified: nothing is followed, nothing skipped;
- only the manifest and its signature at the top are left out of the manifest; a file of
  the same name anywhere else is an ordinary file and must be listed;
- a zip is verified only with its own signature beside it and only if every common unpacker
  reads it the same way (zip_layout.py); only then is it unpacked, into a fresh temporary
  folder, and every entry must be accounted for by the signed manifest;
- every signature's trusted (signed) comment names the edition and the minute it was made,
  and editions made with one key only ever increase, so an old signed copy can be told apart.

The signatures are minisign's (https://jedisct1.github.io/minisign/), written and checked here
over ``cryptography`` with the publisher's existing Ed25519 key pair.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import io
import os
import re
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .zip_layout import ZipLayoutError, read_layout

MANIFEST = "MANIFEST.sha256"
MINISIG_SUFFIX = ".minisig"
SIGNATURE = MANIFEST + MINISIG_SUFFIX
# Only these names, and only at the top of a mirror, are not listed in the manifest.
RESERVED_AT_TOP = frozenset({MANIFEST, SIGNATURE})
PRIVATE_KEY_NAME = "mirror-signing.key"
PUBLIC_KEY_NAME = "mirror-signing.pub"
MINISIGN_PUBLIC_KEY_NAME = "mirror-signing.minisign.pub"
EDITIONS_SUFFIX = ".editions"

# minisign's algorithm tags: "Ed" on keys (and on legacy, not prehashed, signatures), "ED" on
# signatures of a file's BLAKE2b-512 hash, which is minisign 0.11's default and all we write or accept.
_KEY_ALGORITHM = b"Ed"
_PREHASHED_ALGORITHM = b"ED"
_KEYNUM_BYTES = 8
_UNTRUSTED_PREFIX = "untrusted comment: "
_TRUSTED_PREFIX = "trusted comment: "
_COMMENT_MAX_BYTES = 1024  # minisign's own limit
_TEXT_FILE_MAX_BYTES = 8192  # a key or a signature file is a few hundred bytes; refuse to read more
_MANIFEST_MAX_BYTES = 64 << 20
_EDITION_COMMENT = re.compile(r"course-app mirror edition (\d{1,18}), made (\d{4}-\d{2}-\d{2}T\d{2}:\d{2})Z")
_MANIFEST_LINE = re.compile(r"([0-9a-f]{64})  (.+)")
_KEY_FORMS = ("a public key is the 44-character text from mirror-signing.pub, or the minisign key "
              "(the line starting with RW… from mirror-signing.minisign.pub)")


class SigningError(Exception):
    """A key, a signature or a manifest cannot be used; the message says why."""


class KeyFormatError(SigningError):
    """The text given as a public key is neither of the two forms a publisher publishes."""


class SignatureMismatch(SigningError):
    """A signature is missing, malformed, made by another key, or not over these bytes."""


# -- keys --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PublicKey:
    """The publisher's public key with its minisign key id (8 bytes, as minisign stores them)."""

    key: Ed25519PublicKey
    keynum: bytes

    @classmethod
    def of(cls, key: Ed25519PublicKey) -> PublicKey:
        """The key with the key id derived from it, so one key pair always has one minisign key."""
        return cls(key, derive_keynum(_raw(key)))

    @property
    def key_id(self) -> str:
        """The key id as minisign prints it: the little-endian 64-bit number, in upper-case hex."""
        return self.keynum[::-1].hex().upper()

    @property
    def text(self) -> str:
        """The 44-character form (base64 of the raw key), as in ``mirror-signing.pub``."""
        return base64.b64encode(_raw(self.key)).decode("ascii")

    @property
    def minisign_line(self) -> str:
        """The ``RW…`` line that ``minisign -P`` takes."""
        return base64.b64encode(_KEY_ALGORITHM + self.keynum + _raw(self.key)).decode("ascii")

    @property
    def minisign_file(self) -> str:
        """A minisign public key file's text: its comment line, then the ``RW…`` line."""
        return f"{_UNTRUSTED_PREFIX}minisign public key {self.key_id}\n{self.minisign_line}\n"


def _raw(key: Ed25519PublicKey) -> bytes:
    """The 32 bytes of a public key, as both forms carry them."""
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def derive_keynum(raw_public_key: bytes) -> bytes:
    """The 8-byte minisign key id of a key made by course-app: the start of BLAKE2b-256 of the key."""
    return hashlib.blake2b(raw_public_key, digest_size=32).digest()[:_KEYNUM_BYTES]


def public_key_text(key: Ed25519PublicKey) -> str:
    """The 44-character form of a public key."""
    return PublicKey.of(key).text


def generate_keys(folder: Path) -> tuple[Path, Path]:
    """Write a new Ed25519 key pair: the private key readable by its owner only, the public key to publish.

    Also writes ``mirror-signing.minisign.pub`` (the same public key in minisign's form).
    :returns: the private key's path and the 44-character public key's path.
    :raises SigningError: if a key is already there (a mirror key is made once and kept).
    """
    private_path = folder / PRIVATE_KEY_NAME
    for path in (private_path, folder / PUBLIC_KEY_NAME, folder / MINISIGN_PUBLIC_KEY_NAME):
        if os.path.lexists(path):
            raise SigningError(f"{path} already exists: a mirror key is made once and kept")
    folder.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    public_path, _minisign_path = write_public_keys(key, folder)
    return private_path, public_path


def write_public_keys(key: Ed25519PrivateKey, folder: Path) -> tuple[Path, Path]:
    """Write both public forms of ``key`` into ``folder`` where missing; never replace a different key.

    :returns: the paths of ``mirror-signing.pub`` and ``mirror-signing.minisign.pub``.
    :raises SigningError: if one of them exists and holds anything else.
    """
    public = PublicKey.of(key.public_key())
    wanted = ((folder / PUBLIC_KEY_NAME, public.text + "\n"), (folder / MINISIGN_PUBLIC_KEY_NAME, public.minisign_file))
    for path, text in wanted:
        if os.path.lexists(path):
            try:
                found = parse_public_key(_read_small_text(path))
                same = (found.text, found.keynum) == (public.text, public.keynum)
            except (OSError, UnicodeDecodeError, SigningError):
                same = False
            if not same:
                raise SigningError(f"{path} holds another key than this private key: move it away and run this again")
            continue
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
            with os.fdopen(descriptor, "w", encoding="ascii") as handle:
                handle.write(text)
        except OSError as error:
            raise SigningError(f"{path}: cannot write the public key ({error.strerror})") from None
    return wanted[0][0], wanted[1][0]


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The publisher's private key from its PEM file.

    :raises SigningError: if it cannot be read or is not an Ed25519 key.
    """
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        raise SigningError(f"{path}: not a usable private key ({error})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError(f"{path}: not an Ed25519 key")
    return key


def parse_public_key(text: str) -> PublicKey:
    """A public key from its text: the 44 characters, the minisign ``RW…`` line, or a minisign key file's two lines.

    The text is only ever parsed: a key text is never taken for the name of a file, so no file
    (say, one a forger put beside the mirror under the key's name) can stand in for the key.
    :raises KeyFormatError: if the text is neither form.
    """
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if len(lines) == 2 and lines[0].startswith(_UNTRUSTED_PREFIX.strip()):
        lines = lines[1:]  # the comment of a minisign key file is not signed: ignore what it says
    if len(lines) != 1:
        raise KeyFormatError(_KEY_FORMS)
    try:
        raw = base64.b64decode(lines[0], validate=True)
    except (binascii.Error, ValueError):
        raise KeyFormatError(_KEY_FORMS) from None
    if len(raw) == 32:
        keynum, key_bytes = derive_keynum(raw), raw
    elif len(raw) == 2 + _KEYNUM_BYTES + 32 and raw[:2] == _KEY_ALGORITHM:
        keynum, key_bytes = raw[2:2 + _KEYNUM_BYTES], raw[2 + _KEYNUM_BYTES:]
    else:
        raise KeyFormatError(_KEY_FORMS)
    try:
        return PublicKey(Ed25519PublicKey.from_public_bytes(key_bytes), keynum)
    except ValueError:
        raise KeyFormatError(_KEY_FORMS) from None


def load_public_key_file(path: Path) -> PublicKey:
    """A public key from a file the reader names explicitly (``--key-file``).

    :raises SigningError: if the file cannot be read or does not hold a key.
    """
    try:
        text = _read_small_text(path)
    except (OSError, UnicodeDecodeError, SigningError) as error:
        raise SigningError(f"{path}: cannot read a key from it ({error})") from None
    try:
        return parse_public_key(text)
    except KeyFormatError as error:
        raise KeyFormatError(f"{path}: {error}") from None


def _read_small_text(path: Path) -> str:
    """A short text file's content, refused if it is a link, not a regular file, or too long."""
    with _open_regular(path) as handle:
        data = handle.read(_TEXT_FILE_MAX_BYTES + 1)
    if len(data) > _TEXT_FILE_MAX_BYTES:
        raise SigningError(f"{path}: too long for a key or a signature")
    return data.decode("utf-8")


class _NotRegular(OSError):
    """A path that should be a regular file is a link, a FIFO, a device or something else."""


def _open_regular(path: Path) -> io.BufferedReader:
    """Open a regular file for reading without following a link and without blocking on a FIFO."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise _NotRegular(f"{path} is not a regular file")
    return os.fdopen(descriptor, "rb")


# -- editions ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Edition:
    """Which export of one key a mirror is, and when (UTC, to the minute) it was made."""

    number: int
    made: datetime

    @property
    def trusted_comment(self) -> str:
        """The signed comment that carries the edition: ``course-app mirror edition 7, made 2026-12-02T10:04Z``."""
        return f"course-app mirror edition {self.number}, made {self.made:%Y-%m-%dT%H:%M}Z"

    @property
    def described(self) -> str:
        """How ``export verify`` names it: ``edition 7, made 2026-12-02 10:04 UTC``."""
        return f"edition {self.number}, made {self.made:%Y-%m-%d %H:%M} UTC"

    @classmethod
    def from_trusted_comment(cls, comment: str) -> Edition | None:
        """The edition a trusted comment names, or None if it is not one course-app wrote."""
        match = _EDITION_COMMENT.fullmatch(comment)
        if match is None:
            return None
        made = datetime.strptime(match.group(2), "%Y-%m-%dT%H:%M").replace(tzinfo=UTC)
        return cls(int(match.group(1)), made)


def editions_path(private_key_path: Path) -> Path:
    """Where the edition counter of a private key is kept: beside it, ``<key>.editions``."""
    return private_key_path.with_name(private_key_path.name + EDITIONS_SUFFIX)


def reserve_edition(private_key_path: Path, now: datetime) -> Edition:
    """Take the next edition number of this key (1 for the first export) and record it.

    The number is recorded before the export is written, so a failed export leaves a gap
    rather than letting two published copies share a number.
    :raises SigningError: if the counter cannot be read or written (it is never silently reset:
        a reset would let a newer copy carry a lower edition than an older one).
    """
    made = now.astimezone(UTC).replace(second=0, microsecond=0)
    counter = editions_path(private_key_path)
    try:
        key_descriptor = os.open(private_key_path, os.O_RDONLY)
    except OSError as error:
        raise SigningError(f"{private_key_path}: cannot open the private key ({error.strerror})") from None
    try:
        # Two exports at once with the same key would otherwise read the same number.
        fcntl.flock(key_descriptor, fcntl.LOCK_EX)
        number = _read_edition(counter) + 1
        _write_atomically(counter, f"{number}\n".encode("ascii"))
    finally:
        os.close(key_descriptor)
    return Edition(number, made)


def _read_edition(counter: Path) -> int:
    """The last edition recorded in ``counter`` (0 if there is none yet)."""
    if not os.path.lexists(counter):
        return 0
    try:
        text = _read_small_text(counter).strip()
    except (OSError, UnicodeDecodeError, SigningError) as error:
        raise SigningError(f"{counter}: cannot read the edition counter ({error})") from None
    if not text.isdigit() or len(text) > 18:
        raise SigningError(f"{counter}: the edition counter should hold one whole number, not {text[:40]!r}")
    return int(text)


def _write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step, readable and writable by the owner only."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise SigningError(f"{path}: cannot write the edition counter ({error.strerror})") from None
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # so the new number survives a crash right after the export
    finally:
        os.close(directory)


# -- minisign signatures -----------------------------------------------------------------------

@dataclass(frozen=True)
class SignatureCheck:
    """What checking one ``.minisig`` found: valid or not (and why), and its signed comment."""

    valid: bool
    problem: str = ""
    trusted_comment: str = ""

    @property
    def edition(self) -> Edition | None:
        """The edition the signed comment names (only from a valid signature)."""
        return Edition.from_trusted_comment(self.trusted_comment) if self.valid else None

    @property
    def described(self) -> str:
        """The edition and date for people, or the signed comment if course-app did not write it."""
        edition = self.edition
        return edition.described if edition else f"trusted comment: {self.trusted_comment}"


def _blake2b_512(path: Path) -> bytes:
    """The BLAKE2b-512 hash of a regular file, which is what a prehashed minisign signature signs."""
    digest = hashlib.blake2b(digest_size=64)
    with _open_regular(path) as handle:
        for block in _blocks(handle):
            digest.update(block)
    return digest.digest()


def sign_file(path: Path, key: Ed25519PrivateKey, edition: Edition) -> Path:
    """Write ``path.minisig``: a minisign signature of the file, its trusted comment naming the edition.

    :returns: the signature's path.
    """
    public = PublicKey.of(key.public_key())
    trusted = edition.trusted_comment
    signature = key.sign(_blake2b_512(path))
    global_signature = key.sign(signature + trusted.encode("utf-8"))
    text = (f"{_UNTRUSTED_PREFIX}signature from course-app mirror key {public.key_id}\n"
            f"{base64.b64encode(_PREHASHED_ALGORITHM + public.keynum + signature).decode('ascii')}\n"
            f"{_TRUSTED_PREFIX}{trusted}\n"
            f"{base64.b64encode(global_signature).decode('ascii')}\n")
    target = path.with_name(path.name + MINISIG_SUFFIX)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(text)
    return target


def check_signature(path: Path, signature_path: Path, key: PublicKey) -> SignatureCheck:
    """Check a minisign signature (prehashed, as minisign 0.11 writes by default) of the file at ``path``."""
    try:
        digest = _blake2b_512(path)
    except FileNotFoundError:
        return SignatureCheck(False, f"{path.name} is missing")
    except OSError:
        return SignatureCheck(False, f"{path.name} cannot be read as a regular file")
    return check_signature_of_digest(digest, path.name, signature_path, key)


def check_signature_of_digest(digest: bytes, name: str, signature_path: Path, key: PublicKey) -> SignatureCheck:
    """Check a minisign signature of the bytes whose BLAKE2b-512 is ``digest`` (``name`` says whose, in messages).

    Taking the digest lets a caller check and then use the very bytes it read, not a second
    read of a file that could have been swapped in between.
    """
    try:
        return SignatureCheck(True, trusted_comment=_checked_trusted_comment(digest, name, signature_path, key))
    except SignatureMismatch as mismatch:
        return SignatureCheck(False, str(mismatch))


def _checked_trusted_comment(digest: bytes, name: str, signature_path: Path, key: PublicKey) -> str:
    """The trusted comment of a signature that holds for ``digest`` and ``key``.

    :raises SignatureMismatch: for a signature that is missing, malformed, by another key or not over these bytes.
    """
    try:
        lines = _read_small_text(signature_path).splitlines()
    except FileNotFoundError:
        raise SignatureMismatch(f"{signature_path.name} is missing") from None
    except (OSError, UnicodeDecodeError, SigningError):
        raise SignatureMismatch(f"{signature_path.name} cannot be read as a signature file") from None
    if len(lines) != 4 or not lines[0].startswith(_UNTRUSTED_PREFIX) or not lines[2].startswith(_TRUSTED_PREFIX):
        raise SignatureMismatch(f"{signature_path.name} is not a minisign signature")
    trusted = lines[2][len(_TRUSTED_PREFIX):]
    try:
        packed = base64.b64decode(lines[1], validate=True)
        global_signature = base64.b64decode(lines[3], validate=True)
    except (binascii.Error, ValueError):
        raise SignatureMismatch(f"{signature_path.name} is not a minisign signature") from None
    if len(packed) != 2 + _KEYNUM_BYTES + 64 or len(global_signature) != 64 \
            or len(trusted.encode("utf-8")) > _COMMENT_MAX_BYTES:
        raise SignatureMismatch(f"{signature_path.name} is not a minisign signature")
    if packed[:2] != _PREHASHED_ALGORITHM:
        # A legacy signature covers the whole file instead of its hash; nothing course-app or a
        # current minisign writes is one, so it can only be an old or hand-made file.
        raise SignatureMismatch(f"{signature_path.name} is a legacy (not prehashed) signature, not accepted")
    keynum, signature = packed[2:2 + _KEYNUM_BYTES], packed[2 + _KEYNUM_BYTES:]
    if keynum != key.keynum:
        raise SignatureMismatch(f"the signature does not match this key: {signature_path.name} was made by "
                                f"key {keynum[::-1].hex().upper()}, not {key.key_id}")
    try:
        key.key.verify(signature, digest)
    except InvalidSignature:
        raise SignatureMismatch(f"the signature does not match this key and {name}: "
                                "altered, or signed by another key") from None
    try:
        key.key.verify(global_signature, signature + trusted.encode("utf-8"))
    except InvalidSignature:
        raise SignatureMismatch(f"the trusted comment of {signature_path.name} was altered") from None
    return trusted


# -- manifests and folders ---------------------------------------------------------------------

@dataclass(frozen=True)
class MirrorEntries:
    """A mirror's contents as found on disk: its regular files, and everything that is not one."""

    files: tuple[str, ...]
    special: tuple[str, ...]  # "path (kind)" of each link, FIFO, device, socket …


def _kind(mode: int) -> str:
    """A non-regular entry's kind, in words a reader understands."""
    for test, name in ((stat.S_ISLNK, "symbolic link"), (stat.S_ISFIFO, "FIFO"), (stat.S_ISSOCK, "socket"),
                       (stat.S_ISBLK, "block device"), (stat.S_ISCHR, "character device")):
        if test(mode):
            return name
    return "not a regular file"


def shown_name(name: str) -> str:
    """A file name safe to print on one line: control characters and undecodable bytes escaped."""
    escaped = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in escaped)


def _raise(error: OSError) -> None:
    """Stop a walk at a folder it cannot read (``os.walk`` would otherwise pass over it in silence)."""
    raise error


def list_entries(folder: Path) -> MirrorEntries:
    """Every regular file under ``folder`` except the manifest and signature at its top, and every other entry.

    Nothing is followed: a symbolic link (to a folder or to a file) is reported, not walked,
    and a folder that cannot be read stops the walk rather than being passed over.
    :raises OSError: if a folder cannot be read.
    """
    files: list[str] = []
    special: list[str] = []
    for directory, dirnames, filenames in os.walk(folder, followlinks=False, onerror=_raise):
        relative = PurePosixPath(Path(directory).relative_to(folder).as_posix())
        walked: list[str] = []
        for name in sorted(dirnames + filenames):
            mode = os.lstat(os.path.join(directory, name)).st_mode
            path = (relative / name).as_posix() if relative.parts else name
            if stat.S_ISDIR(mode):
                walked.append(name)
            elif not stat.S_ISREG(mode):
                special.append(f"{path} ({_kind(mode)})")
            elif relative.parts or name not in RESERVED_AT_TOP:
                files.append(path)
        dirnames[:] = [name for name in dirnames if name in walked]
    return MirrorEntries(tuple(sorted(files)), tuple(sorted(special)))


def _sha256(path: Path) -> str:
    """A regular file's SHA-256 in hex, as ``sha256sum`` writes it."""
    digest = hashlib.sha256()
    with _open_regular(path) as handle:
        for block in _blocks(handle):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(folder: Path, key: Ed25519PrivateKey, edition: Edition) -> Path:
    """List every file with its SHA-256 (``sha256sum`` format), and sign the list.

    :returns: the manifest's path (its signature is beside it, ``MANIFEST.sha256.minisig``).
    :raises SigningError: if the folder holds anything but regular files and folders, or a name
        ``sha256sum -c`` would need escaped (none of the export's own names are like that).
    """
    entries = list_entries(folder)
    if entries.special:
        raise SigningError(f"{folder} holds entries that are not regular files: {', '.join(entries.special)}")
    for name in entries.files:
        if "\\" in name or not name.isprintable():
            raise SigningError(f"{folder}: the file name {shown_name(name)!r} cannot be listed in a manifest")
    if any(os.path.lexists(folder / name) for name in RESERVED_AT_TOP):
        raise SigningError(f"{folder} already holds a manifest: export into a new folder")
    manifest = "".join(f"{_sha256(folder / name)}  {name}\n" for name in entries.files).encode("utf-8")
    descriptor = os.open(folder / MANIFEST, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(manifest)
    sign_file(folder / MANIFEST, key, edition)
    return folder / MANIFEST


@dataclass(frozen=True)
class Verification:
    """What checking a mirror folder found; ``ok`` only if the signature holds and nothing differs."""

    signature: SignatureCheck
    changed: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    special: tuple[str, ...] = ()
    unreadable: str = ""
    listed: tuple[str, ...] = ()  # every name the signed manifest lists (empty unless its signature holds)

    @property
    def signature_valid(self) -> bool:
        """Whether the manifest's signature holds for the reader's key."""
        return self.signature.valid

    @property
    def ok(self) -> bool:
        """Whether the folder is exactly what the publisher signed."""
        return (self.signature.valid and not self.unreadable
                and not (self.changed or self.missing or self.extra or self.special))


def _parse_manifest(manifest: bytes) -> dict[str, str]:
    """The signed manifest's name → SHA-256.

    :raises SignatureMismatch: if a line is not ``<sha256>  <relative name>`` (only a publisher
        could have written it, but a name climbing out of the folder is never opened).
    """
    listed: dict[str, str] = {}
    try:
        lines = manifest.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        raise SignatureMismatch(f"{MANIFEST} is not UTF-8 text") from None
    for number, line in enumerate(lines[:-1] if lines and lines[-1] == "" else lines, start=1):
        match = _MANIFEST_LINE.fullmatch(line)
        parts = PurePosixPath(match.group(2)).parts if match else ()
        if match is None or match.group(2) in listed or not parts or parts[0] == "/" or ".." in parts \
                or match.group(2) != PurePosixPath(match.group(2)).as_posix():
            raise SignatureMismatch(f"{MANIFEST}:{number}: not a line this export writes")
        listed[match.group(2)] = match.group(1)
    return listed


def verify_folder(folder: Path, key: PublicKey) -> Verification:
    """Check every entry, the manifest's signature, then every file against the manifest; report what differs."""
    try:
        entries = list_entries(folder)
    except OSError as error:
        return Verification(SignatureCheck(False, "not checked"),
                            unreadable=f"{shown_name(str(error.filename or folder))} cannot be read")
    try:
        with _open_regular(folder / MANIFEST) as handle:
            manifest = handle.read(_MANIFEST_MAX_BYTES + 1)
    except FileNotFoundError:
        return Verification(SignatureCheck(False, f"{MANIFEST} is missing"), special=entries.special)
    except OSError:
        return Verification(SignatureCheck(False, f"{MANIFEST} cannot be read as a regular file"),
                            special=entries.special)
    if len(manifest) > _MANIFEST_MAX_BYTES:
        return Verification(SignatureCheck(False, f"{MANIFEST} is too large"), special=entries.special)
    # The bytes checked against the signature are the bytes then compared with the files.
    signature = check_signature_of_digest(hashlib.blake2b(manifest, digest_size=64).digest(), MANIFEST,
                                          folder / SIGNATURE, key)
    if not signature.valid:
        return Verification(signature, special=entries.special)
    try:
        listed = _parse_manifest(manifest)
    except SignatureMismatch as error:
        return Verification(SignatureCheck(False, str(error)), special=entries.special)
    present = set(entries.files)
    changed: list[str] = []
    for name in sorted(present & set(listed)):
        try:
            if _sha256(folder / name) != listed[name]:
                changed.append(name)
        except OSError:  # replaced by something else since it was listed
            changed.append(name)
    missing = tuple(sorted(name for name in listed if name not in present))
    extra = tuple(sorted(present - set(listed)))
    return Verification(signature, tuple(changed), missing, extra, entries.special, listed=tuple(sorted(listed)))


# -- zips --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ZipVerification:
    """What checking a mirror's zip found: its whole-zip signature, refused entries, and the contents."""

    whole: SignatureCheck  # the ``.zip.minisig`` beside the zip; a zip without one is never verified
    refused: tuple[str, ...] = ()
    contents: Verification | None = None  # None: not unpacked (refused entries, or no valid signature)
    unlisted: tuple[str, ...] = ()  # folder entries that hold no file the manifest lists
    problem: str = ""

    @property
    def ok(self) -> bool:
        """Whether the zip is exactly what the publisher signed: as a whole, entry by entry, and file by file."""
        return (self.whole.valid and not self.refused and not self.problem and not self.unlisted
                and self.contents is not None and self.contents.ok)


def verify_zip(archive_path: Path, key: PublicKey) -> ZipVerification:
    """Check a mirror's zip: its signature as a whole, then every entry strictly, then its unpacked files.

    A zip is verified only as it will be unpacked: the signature ``ZIP.minisig`` must be beside it
    and hold, and the zip must be one that every common unpacker reads the same way (see
    zip_layout.py), or nothing is unpacked. Entries are checked even without a signature, so that
    a forged zip is named for what it is. A zip that passes is unpacked into a fresh temporary
    folder that is removed afterwards, and its files checked against the signed manifest inside
    it; nothing is written anywhere else.
    """
    signature_path = archive_path.with_name(archive_path.name + MINISIG_SUFFIX)
    if os.path.lexists(signature_path):
        whole = check_signature(archive_path, signature_path, key)
    else:
        whole = SignatureCheck(False, f"there is no {signature_path.name} beside {archive_path.name}")
    try:
        layout = read_layout(archive_path)
    except (ZipLayoutError, OSError) as error:
        return ZipVerification(whole, problem=f"{archive_path.name} cannot be read as a zip ({error})")
    if layout.refused:
        return ZipVerification(whole, tuple(shown_name(reason) for reason in layout.refused))
    # A zip every unpacker reads alike is safe to unpack into a fresh folder even unsigned: what
    # differs from the signed manifest inside is then reported too (the verdict stays NOT VERIFIED).
    try:
        with zipfile.ZipFile(archive_path) as archive, \
                tempfile.TemporaryDirectory(prefix="course-app-verify-") as temporary:
            infos = archive.infolist()
            root = Path(temporary) / "unpacked"
            root.mkdir(mode=0o700)
            _unpack(archive, infos, root)
            tops = {info.filename.split("/", 1)[0] for info in infos}
            # The export zips the folder itself; a zip of the folder's contents is checked as it is.
            nested = len(tops) == 1 and all("/" in info.filename for info in infos)
            only = root / tops.pop() if nested else root
            contents = verify_folder(only, key)
            return ZipVerification(whole, (), contents, _unlisted_folders(infos, contents, nested))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as error:
        return ZipVerification(whole, problem=f"{archive_path.name} cannot be unpacked safely ({error})")


def _unlisted_folders(infos: list[zipfile.ZipInfo], contents: Verification, nested: bool) -> tuple[str, ...]:
    """Folder entries that hold no file the signed manifest lists (every entry must be accounted for)."""
    listed = {*contents.listed, *RESERVED_AT_TOP}
    unlisted = []
    for info in infos:
        if not info.is_dir():
            continue
        folder = info.filename.split("/", 1)[1] if nested else info.filename
        if folder and not any(name.startswith(folder) for name in listed):
            unlisted.append(shown_name(info.filename))
    return tuple(unlisted)


def _unpack(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], root: Path) -> None:
    """Write each (already vetted) entry under ``root``: new files only, never through a link, no bigger than declared.

    :raises OSError: if an entry cannot be written as declared (a file where a folder should be,
        more bytes than the entry declares).
    """
    for info in infos:
        target = root.joinpath(*info.filename.rstrip("/").split("/"))
        if info.is_dir():
            target.mkdir(mode=0o700, parents=True, exist_ok=True)
            continue
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(descriptor, "wb") as destination, archive.open(info) as source:
            written = 0
            for block in _blocks(source):
                written += len(block)
                if written > info.file_size:
                    raise OSError(f"{shown_name(info.filename)} holds more than it declares")
                destination.write(block)


def _blocks(source: IO[bytes]) -> Iterator[bytes]:
    """A file's content in 64 KiB blocks, so a large video is never read whole into memory."""
    return iter(lambda: source.read(1 << 16), b"")

