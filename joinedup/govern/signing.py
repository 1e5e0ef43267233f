"""Signed exports: a responder handed ``OUT.csv`` can check, offline, that the hub made it and
nothing has changed since, with the same Ed25519 key that signs the audit log's checkpoints.

Beside ``OUT.csv`` the hub writes ``OUT.csv.sig``, a JSON document naming the file's size and
SHA-256, when and why it left the hub (the audit event that recorded the export, the purpose,
the actor) and the signature over all of it; and ``OUT.csv.pub``, the hub's public key. A key
that travels with the file proves nothing on its own (whoever altered the file could replace
both), so a check with it says so, and asks for the key the hub publishes, or its key id.

``verify_export`` returns a verdict for what a responder can be shown (the file changed, the
signature does not verify, another key signed it) and raises ``BadInput`` for what they cannot
check at all (a missing or malformed signature or key file), so the CLI exits 0, 1 or 2.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any, get_type_hints

from joinedup.errors import BadInput, GovernError
from joinedup.govern import keys
from joinedup.govern.audit import timestamp

SIGNATURE_FORMAT = "joinedup export signature v1"
SIGNATURE_SUFFIX = ".sig"
PUBLIC_KEY_SUFFIX = ".pub"


@dataclass(frozen=True)
class ExportSignature:
    """What a ``.sig`` file says: every field but ``signature`` is signed."""

    format: str
    file: str
    size: int
    sha256: str
    signed_at: str
    key_id: str
    audit_seq: int
    purpose: str
    actor: str
    description: str
    signature: str

    def message(self) -> bytes:
        """Canonical JSON (sorted keys, no spaces, UTF-8): free text such as the description
        may hold any character, so no separator could make a line format unambiguous."""
        signed = {k: v for k, v in asdict(self).items() if k != "signature"}
        return json.dumps(signed, sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False).encode()

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Signed:
    metadata: ExportSignature
    signature_path: Path
    public_key_path: Path


@dataclass(frozen=True)
class Verified:
    """The verdict on an export: ``reasons`` says why it fails (empty when ``ok``); ``notes``
    are what the responder should still know when it passes, such as that the key used came
    with the file."""

    ok: bool
    reasons: tuple[str, ...]
    notes: tuple[str, ...]
    metadata: ExportSignature
    key_id: str
    """The id of the key the signature was checked with, to compare with the hub's."""


_FIELD_TYPES = get_type_hints(ExportSignature)


def signature_path(path: Path) -> Path:
    return path.with_name(path.name + SIGNATURE_SUFFIX)


def public_key_path(path: Path) -> Path:
    return path.with_name(path.name + PUBLIC_KEY_SUFFIX)


def sign_export(path: Path, key_dir: Path, *, audit_seq: int, purpose: str, actor: str,
                now: datetime, description: str) -> Signed:
    """Sign the export at ``path`` as it is now, writing its ``.sig`` and ``.pub`` beside it.

    Both are written to temporary files and renamed into place, the signature last, so a
    signature never sits beside an export half-written or without its key.
    """
    size, sha256 = _digest(path)
    public = keys.public_key_pem(key_dir)
    unsigned = ExportSignature(
        format=SIGNATURE_FORMAT, file=path.name, size=size, sha256=sha256,
        signed_at=timestamp(now), key_id=keys.key_id_of_pem(public), audit_seq=audit_seq,
        purpose=purpose, actor=actor, description=description, signature="")
    metadata = ExportSignature(**{**unsigned.as_dict(),
                                  "signature": keys.sign(key_dir, unsigned.message()).hex()})
    document = (json.dumps(metadata.as_dict(), indent=2, sort_keys=True, ensure_ascii=False)
                + "\n").encode()
    sig, pub = signature_path(path), public_key_path(path)
    mode = stat.S_IMODE(path.stat().st_mode)  # as readable as the export, no more
    _replace(pub, public, mode)
    _replace(sig, document, mode)
    return Signed(metadata, sig, pub)


def verify_export(path: Path, *, signature: Path | None = None,
                  public_key: Path | bytes | None = None) -> Verified:
    """Check ``path`` against its signature (default: ``path`` + ``.sig``) with the hub's key:
    ``public_key`` as a file or PEM bytes obtained from the hub, else the ``.pub`` beside."""
    sig = signature or signature_path(path)
    metadata = _read_signature(sig)
    pem, key_note = _key(path, public_key)
    checked_with = _key_id(pem, key_note)
    size, sha256 = _digest(path)
    reasons: list[str] = []
    if size != metadata.size or sha256 != metadata.sha256:
        reasons.append(f"{path} has changed since it was signed: it is {size:,} bytes with "
                       f"SHA-256 {sha256}, the signature is for {metadata.size:,} bytes with "
                       f"SHA-256 {metadata.sha256}")
    if checked_with != metadata.key_id:
        reasons.append(f"{sig} was signed by key {metadata.key_id}, not by the key given "
                       f"({checked_with}): it was not signed by this hub, or the hub's key "
                       "has since changed")
    elif not keys.verify_signature(pem, metadata.message(),
                                   bytes.fromhex(metadata.signature)):
        reasons.append(f"the signature in {sig} does not verify: the signature file was "
                       "edited after signing")
    notes = []
    if metadata.file != path.name:
        notes.append(f"the file was signed under the name {metadata.file}")
    if public_key is None:
        notes.append(f"checked with the key that came with the file ({key_note}), which "
                     f"proves nothing on its own: compare its key id {checked_with} with the "
                     "one the hub publishes, or check with a copy of the hub's key obtained "
                     "separately")
    return Verified(not reasons, tuple(reasons), tuple(notes), metadata, checked_with)


def _digest(path: Path) -> tuple[int, str]:
    """Size and SHA-256 from one open file, read in chunks: exports may be large."""
    try:
        with path.open("rb") as file:
            size = os.fstat(file.fileno()).st_size
            return size, hashlib.file_digest(file, "sha256").hexdigest()
    except OSError as exc:
        raise BadInput(f"cannot read the export {path}: {exc}") from exc


def _replace(path: Path, data: bytes, mode: int) -> None:
    try:
        temporary = keys._temporary(path, data)  # durable, beside the target
        try:
            os.chmod(temporary, mode)
            os.replace(temporary, path)
        finally:
            Path(temporary).unlink(missing_ok=True)
    except OSError as exc:
        raise GovernError(f"cannot write {path}, so the export is not signed: {exc}") from exc


def _read_signature(path: Path) -> ExportSignature:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BadInput(f"{path} is missing: an export is checked against the signature file "
                       "the hub wrote beside it; ask the sender for it") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInput(f"{path} is not a signature file: cannot read it as JSON: {exc}") \
            from exc
    if not isinstance(document, dict):
        raise BadInput(f"{path} is not a signature file: expected a JSON object")
    if document.get("format") != SIGNATURE_FORMAT:
        raise BadInput(f"{path} is not a signature file this version can check: its format "
                       f"is {document.get('format')!r}, not {SIGNATURE_FORMAT!r}")
    problems = [_field_problem(document, f.name) for f in fields(ExportSignature)]
    wrong = [p for p in problems if p]
    if wrong:
        raise BadInput(f"{path} is not a valid signature file: {'; '.join(wrong)}")
    return ExportSignature(**{f.name: document[f.name] for f in fields(ExportSignature)})


def _field_problem(document: dict[str, Any], name: str) -> str | None:
    if name not in document:
        return f"{name} is missing"
    expected, value = _FIELD_TYPES[name], document[name]
    if not isinstance(value, expected) or isinstance(value, bool):
        return f"{name} should be {'a whole number' if expected is int else 'text'}"
    if name in ("sha256", "signature"):
        try:
            bytes.fromhex(value)
        except ValueError:
            return f"{name} should be hexadecimal"
    return None


def _key(path: Path, public_key: Path | bytes | None) -> tuple[bytes, str]:
    """The key's PEM and where it came from, for messages."""
    if isinstance(public_key, bytes):
        return public_key, "the key given"
    source = public_key or public_key_path(path)
    try:
        return source.read_bytes(), str(source)
    except FileNotFoundError as exc:
        raise BadInput(f"{source} is missing: pass the hub's public key with --key") from exc
    except OSError as exc:
        raise BadInput(f"cannot read the public key {source}: {exc}") from exc


def _key_id(pem: bytes, source: str) -> str:
    try:
        return keys.key_id_of_pem(pem)
    except GovernError as exc:
        raise BadInput(f"{source} is not a PEM Ed25519 public key") from exc
