"""The hub's secrets, kept in a key directory outside the database, so that a copy of the
database (a backup, a stolen dump, an administrator's query) can neither forge the audit log's
signed checkpoints nor reverse its pseudonyms.

``hub-signing.key`` is the Ed25519 (RFC 8032) key that signs checkpoints, the signed tree
heads of RFC 6962 section 3.5 / RFC 9162 section 4.10; ``hub-signing.pub`` beside it is what
partners are given to check them. ``pseudonym.key`` keys the pseudonyms of extracts. Each is
made on first use, readable by its owner only, and refused if anyone else may read it.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from joinedup.errors import GovernError

SIGNING_KEY = "hub-signing.key"
SIGNING_PUBLIC_KEY = "hub-signing.pub"
PSEUDONYM_KEY = "pseudonym.key"
PSEUDONYM_KEY_SIZE = 32
_OTHERS = 0o077  # group and world permission bits: a secret must have none of them


def signing_key(directory: Path) -> Ed25519PrivateKey:
    """The key that signs checkpoints, made on first use; its public half is kept in
    ``hub-signing.pub`` beside it, ready to hand to partners."""
    path = directory / SIGNING_KEY
    if not path.exists():
        _create_secret(path, Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
    try:
        key = serialization.load_pem_private_key(_read_secret(path), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise GovernError(_corrupt(path, "an unencrypted PEM (PKCS8) Ed25519 private key")) \
            from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise GovernError(_corrupt(path, "an Ed25519 private key"))
    _publish(directory / SIGNING_PUBLIC_KEY, _pem(key.public_key()))
    return key


def public_key_pem(directory: Path) -> bytes:
    """Derived from the private key, not read from ``hub-signing.pub``, which anyone who can
    write the directory could swap."""
    return _pem(signing_key(directory).public_key())


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short name for a key, so a checkpoint says which key signed it (after a rotation)."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def key_id_of_pem(public_key_pem: bytes) -> str:
    key = _public_key(public_key_pem)
    if key is None:
        raise GovernError("the public key is not a PEM Ed25519 public key")
    return key_id(key)


def sign(directory: Path, message: bytes) -> bytes:
    return signing_key(directory).sign(message)


def verify_signature(public_key_pem: bytes, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is the hub's on ``message``; False, never an exception, for a
    malformed key or signature, as both may come from a partner's copy or an attacker."""
    key = _public_key(public_key_pem)
    if key is None:
        return False
    try:
        key.verify(signature, message)
    except (InvalidSignature, TypeError, ValueError):
        return False
    return True


def pseudonym_key(directory: Path) -> bytes:
    """The secret behind pseudonyms, made on first use: without it, neither a recipient of an
    extract nor a copy of the database can recompute a pseudonym from a guessed identity."""
    path = directory / PSEUDONYM_KEY
    if not path.exists():
        _create_secret(path, secrets.token_bytes(PSEUDONYM_KEY_SIZE))
    key = _read_secret(path)
    if len(key) != PSEUDONYM_KEY_SIZE:
        raise GovernError(_corrupt(path, f"{PSEUDONYM_KEY_SIZE} random bytes"))
    return key


def _pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.PEM,
                                   serialization.PublicFormat.SubjectPublicKeyInfo)


def _public_key(public_key_pem: bytes) -> Ed25519PublicKey | None:
    try:
        key = serialization.load_pem_public_key(public_key_pem)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return None
    return key if isinstance(key, Ed25519PublicKey) else None


def _corrupt(path: Path, should_be: str) -> str:
    return (f"{path} is not {should_be}: it is damaged or was replaced. Restore it from the "
            "hub's key backup; deleting it makes a new key, and what the old one signed or "
            "pseudonymised can then no longer be checked or matched")


def _create_secret(path: Path, data: bytes) -> None:
    """Write a new secret, mode 0600 whatever the umask, all at once: it is written to a
    temporary file and hard-linked into place, which fails if another process got there
    first, so two processes starting at once share one key rather than each using its own."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = _temporary(path, data)
    except OSError as exc:
        raise GovernError(f"cannot create the key file {path}: {exc}") from exc
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass  # another process made it first: theirs is the key
    except OSError as exc:
        raise GovernError(f"cannot create the key file {path}: {exc}") from exc
    finally:
        Path(temporary).unlink(missing_ok=True)


def _temporary(path: Path, data: bytes) -> str:
    """A file beside ``path`` holding ``data`` durably, mode 0600 (``mkstemp``'s)."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
    except OSError:
        Path(temporary).unlink(missing_ok=True)
        raise
    return temporary


def _read_secret(path: Path) -> bytes:
    try:
        with path.open("rb") as file:
            mode = os.fstat(file.fileno()).st_mode & 0o777
            if os.name == "posix" and mode & _OTHERS:
                raise GovernError(
                    f"{path} has permissions {mode:o}, so other users on this machine may read "
                    f"or replace it; the hub will not use it until only its owner can: "
                    f"chmod 600 {path}")
            return file.read()
    except OSError as exc:
        raise GovernError(f"cannot read the key file {path}: {exc}") from exc


def _publish(path: Path, data: bytes) -> None:
    """Keep the public key file in step with the private key (rewritten if missing or
    changed), replaced atomically so a partner never fetches half a key."""
    try:
        if path.exists() and path.read_bytes() == data:
            return
        temporary = _temporary(path, data)
        try:
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
        finally:
            Path(temporary).unlink(missing_ok=True)
    except OSError as exc:
        raise GovernError(f"cannot write the public key file {path}: {exc}") from exc
