"""The hub's keys live outside the database, readable by their owner only: made once, reused,
refused when others could read them or when damaged, and signatures check only what was
signed, by whom it was signed."""

from __future__ import annotations

import hashlib
import os
import re
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from joinedup.errors import GovernError
from joinedup.govern import keys

POSIX = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def raw(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())


@pytest.fixture
def key_dir(tmp_path: Path) -> Path:
    return tmp_path / "keys"  # not there yet: the hub makes it


@POSIX
def test_keys_are_made_on_first_use_readable_by_their_owner_only(key_dir: Path) -> None:
    old_umask = os.umask(0)  # the most permissive umask must not leak into the modes
    try:
        keys.signing_key(key_dir)
        keys.pseudonym_key(key_dir)
    finally:
        os.umask(old_umask)
    assert mode(key_dir) == 0o700
    assert mode(key_dir / keys.SIGNING_KEY) == 0o600
    assert mode(key_dir / keys.PSEUDONYM_KEY) == 0o600
    assert mode(key_dir / keys.SIGNING_PUBLIC_KEY) == 0o644
    assert sorted(p.name for p in key_dir.iterdir()) == sorted(
        [keys.SIGNING_KEY, keys.SIGNING_PUBLIC_KEY, keys.PSEUDONYM_KEY])  # no temporary left


def test_the_signing_key_is_unencrypted_pkcs8_pem_with_its_public_half_beside_it(
        key_dir: Path) -> None:
    key = keys.signing_key(key_dir)
    private = (key_dir / keys.SIGNING_KEY).read_bytes()
    assert private.startswith(b"-----BEGIN PRIVATE KEY-----\n")
    loaded = serialization.load_pem_private_key(private, password=None)
    assert isinstance(loaded, Ed25519PrivateKey) and raw(loaded) == raw(key)
    public = (key_dir / keys.SIGNING_PUBLIC_KEY).read_bytes()
    assert public.startswith(b"-----BEGIN PUBLIC KEY-----\n")
    assert public == keys.public_key_pem(key_dir)


def test_keys_are_reused_not_remade(key_dir: Path) -> None:
    first, pseudonym = keys.signing_key(key_dir), keys.pseudonym_key(key_dir)
    files = {p.name: p.read_bytes() for p in key_dir.iterdir()}
    assert raw(keys.signing_key(key_dir)) == raw(first)
    assert keys.pseudonym_key(key_dir) == pseudonym
    assert len(pseudonym) == keys.PSEUDONYM_KEY_SIZE
    assert {p.name: p.read_bytes() for p in key_dir.iterdir()} == files


def test_each_hub_has_its_own_keys(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert raw(keys.signing_key(a)) != raw(keys.signing_key(b))
    assert keys.pseudonym_key(a) != keys.pseudonym_key(b)
    assert keys.pseudonym_key(a) not in (a / keys.SIGNING_KEY).read_bytes()


def test_processes_starting_together_share_one_key(key_dir: Path) -> None:
    barrier = threading.Barrier(8)
    found: list[bytes] = []

    def start() -> None:
        barrier.wait()
        found.append(keys.public_key_pem(key_dir) + keys.pseudonym_key(key_dir))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 8 and len(set(found)) == 1


def test_a_missing_or_altered_public_key_file_is_rewritten(key_dir: Path) -> None:
    public = keys.public_key_pem(key_dir)
    (key_dir / keys.SIGNING_PUBLIC_KEY).unlink()
    keys.signing_key(key_dir)
    assert (key_dir / keys.SIGNING_PUBLIC_KEY).read_bytes() == public
    other = Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    (key_dir / keys.SIGNING_PUBLIC_KEY).write_bytes(other)
    assert keys.public_key_pem(key_dir) == public  # the private key decides, not the file
    assert (key_dir / keys.SIGNING_PUBLIC_KEY).read_bytes() == public


def test_key_id_is_the_start_of_the_raw_public_key_hash(key_dir: Path) -> None:
    public_key = keys.signing_key(key_dir).public_key()
    raw_public = public_key.public_bytes(serialization.Encoding.Raw,
                                         serialization.PublicFormat.Raw)
    expected = hashlib.sha256(raw_public).hexdigest()[:16]
    assert keys.key_id(public_key) == expected
    assert keys.key_id_of_pem(keys.public_key_pem(key_dir)) == expected
    with pytest.raises(GovernError, match="not a PEM Ed25519 public key"):
        keys.key_id_of_pem(b"not a key")


# -- signatures ------------------------------------------------------------------------------

def test_a_signature_verifies_and_nothing_altered_does(tmp_path: Path) -> None:
    hub, other = tmp_path / "hub", tmp_path / "other"
    message = b"joinedup audit checkpoint v1\n10\nabc\n"
    signature = keys.sign(hub, message)
    public = keys.public_key_pem(hub)
    assert keys.verify_signature(public, message, signature)
    assert not keys.verify_signature(public, message + b"x", signature)
    assert not keys.verify_signature(public, message.replace(b"10", b"11"), signature)
    for i in (0, 31, 63):
        forged = bytearray(signature)
        forged[i] ^= 1
        assert not keys.verify_signature(public, message, bytes(forged))
    assert not keys.verify_signature(public, message, signature[:-1])
    assert not keys.verify_signature(public, message, signature + b"\x00")
    assert not keys.verify_signature(public, message, b"")
    assert not keys.verify_signature(keys.public_key_pem(other), message, signature)
    assert not keys.verify_signature(public, message, keys.sign(other, message))


def test_a_malformed_key_or_signature_is_false_not_an_exception(key_dir: Path) -> None:
    message = b"m"
    signature = keys.sign(key_dir, message)
    public = keys.public_key_pem(key_dir)
    ec_public = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    bad_keys: list[Any] = [b"", b"garbage", public[:40], public.replace(b"A", b"B", 1),
                           (key_dir / keys.SIGNING_KEY).read_bytes(), ec_public,
                           public.decode(), None]
    for bad in bad_keys:
        assert not keys.verify_signature(bad, message, signature)
    bad_signatures: list[Any] = [None, signature.hex(), 12, bytearray(64)]
    for bad in bad_signatures:
        assert not keys.verify_signature(public, message, bad)


@given(st.binary(max_size=200), st.binary(max_size=100))
def test_random_keys_and_signatures_never_verify_or_raise(pem: bytes, signature: bytes) -> None:
    assert not keys.verify_signature(b"-----BEGIN PUBLIC KEY-----\n" + pem, b"m", signature)
    assert not keys.verify_signature(pem, b"m", signature)


# -- unsafe and damaged key files are refused ------------------------------------------------

@POSIX
@pytest.mark.parametrize("name", [keys.SIGNING_KEY, keys.PSEUDONYM_KEY])
@pytest.mark.parametrize("wide", [0o640, 0o604, 0o644, 0o660, 0o666, 0o777])
def test_a_key_file_others_may_read_is_refused(key_dir: Path, name: str, wide: int) -> None:
    keys.signing_key(key_dir)
    keys.pseudonym_key(key_dir)
    path = key_dir / name
    path.chmod(wide)
    shown = re.escape(str(path))
    with pytest.raises(GovernError, match=f"{shown} has permissions {wide:o},.*chmod 600 {shown}"):
        keys.signing_key(key_dir) if name == keys.SIGNING_KEY else keys.pseudonym_key(key_dir)
    if name == keys.SIGNING_KEY:
        with pytest.raises(GovernError, match="chmod 600"):
            keys.sign(key_dir, b"m")
    path.chmod(0o600)
    keys.signing_key(key_dir)
    keys.pseudonym_key(key_dir)
    path.chmod(0o400)  # narrower is fine
    keys.signing_key(key_dir)
    keys.pseudonym_key(key_dir)


def pkcs8(key: Any, encryption: Any = None) -> bytes:
    return bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   encryption or serialization.NoEncryption()))


@pytest.mark.parametrize("content", [
    b"",
    b"not a key at all",
    b"-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n",
    pkcs8(Ed25519PrivateKey.generate())[:60],
    pkcs8(ec.generate_private_key(ec.SECP256R1())),
    pkcs8(Ed25519PrivateKey.generate(), serialization.BestAvailableEncryption(b"secret")),
], ids=["empty", "text", "bad base64", "truncated", "not Ed25519", "encrypted"])
def test_a_damaged_signing_key_is_refused_by_name(key_dir: Path, content: bytes) -> None:
    keys.signing_key(key_dir)
    path = key_dir / keys.SIGNING_KEY
    path.write_bytes(content)
    shown = re.escape(str(path))
    with pytest.raises(GovernError, match=f"{shown} is not .*Restore it from the hub's key backup"):
        keys.public_key_pem(key_dir)


@pytest.mark.parametrize("size", [0, 16, 31, 33, 64])
def test_a_damaged_pseudonym_key_is_refused_by_name(key_dir: Path, size: int) -> None:
    keys.pseudonym_key(key_dir)
    path = key_dir / keys.PSEUDONYM_KEY
    path.write_bytes(b"k" * size)
    with pytest.raises(GovernError, match=f"{re.escape(str(path))} is not 32 random bytes"):
        keys.pseudonym_key(key_dir)


def test_a_key_directory_that_cannot_be_made_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(GovernError, match=r"cannot create the key file .*file"):
        keys.signing_key(blocker / "keys")
