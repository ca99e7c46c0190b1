"""Signed manifests for static mirrors: a SHA-256 line per file, signed with Ed25519.

A reader who has the publisher's public key (from a channel they trust, never from the mirror
itself) can tell whether a copy was altered: ``course-app export verify DIR --key KEY``.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

MANIFEST = "MANIFEST.sha256"
SIGNATURE = "MANIFEST.sig"
PRIVATE_KEY_NAME = "mirror-signing.key"
PUBLIC_KEY_NAME = "mirror-signing.pub"


class SigningError(Exception):
    """A key or a manifest cannot be used; the message says why."""


@dataclass(frozen=True)
class Verification:
    signature_valid: bool
    changed: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.signature_valid and not (self.changed or self.missing or self.extra)


def generate_keys(folder: Path) -> tuple[Path, Path]:
    """Write a new Ed25519 key pair: the private key readable by its owner only, the public key to publish."""
    private_path, public_path = folder / PRIVATE_KEY_NAME, folder / PUBLIC_KEY_NAME
    if private_path.exists() or public_path.exists():
        raise SigningError(f"{private_path} already exists: a mirror key is made once and kept")
    folder.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    public_path.write_text(public_key_text(key.public_key()) + "\n", encoding="ascii")
    return private_path, public_path


def public_key_text(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as error:
        raise SigningError(f"{path}: not a usable private key ({error})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError(f"{path}: not an Ed25519 key")
    return key


def load_public_key(text_or_path: str) -> Ed25519PublicKey:
    """A public key given as its base64 text, or as a file holding it."""
    candidate = Path(text_or_path)
    text = candidate.read_text(encoding="ascii").strip() if candidate.is_file() else text_or_path.strip()
    try:
        raw = base64.b64decode(text, validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (ValueError, TypeError):
        raise SigningError("the public key must be the 44-character text from mirror-signing.pub") from None


def _files(folder: Path) -> list[str]:
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*")
                  if path.is_file() and path.name not in (MANIFEST, SIGNATURE))


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(folder: Path, key: Ed25519PrivateKey) -> Path:
    """List every file with its SHA-256, and sign the list."""
    manifest = "".join(f"{_digest(folder / name)}  {name}\n" for name in _files(folder)).encode("utf-8")
    (folder / MANIFEST).write_bytes(manifest)
    (folder / SIGNATURE).write_text(base64.b64encode(key.sign(manifest)).decode("ascii") + "\n", encoding="ascii")
    return folder / MANIFEST


def verify_folder(folder: Path, key: Ed25519PublicKey) -> Verification:
    """Check the signature, then every file against the manifest; report what differs."""
    try:
        manifest = (folder / MANIFEST).read_bytes()
        signature = base64.b64decode((folder / SIGNATURE).read_text(encoding="ascii").strip(), validate=True)
        key.verify(signature, manifest)
    except (OSError, ValueError, InvalidSignature):
        return Verification(False)
    listed: dict[str, str] = {}
    for line in manifest.decode("utf-8").splitlines():
        digest, _, name = line.partition("  ")
        listed[name] = digest
    present = set(_files(folder))
    changed = tuple(sorted(name for name in listed if name in present and _digest(folder / name) != listed[name]))
    missing = tuple(sorted(name for name in listed if name not in present))
    extra = tuple(sorted(present - set(listed)))
    return Verification(True, changed, missing, extra)
