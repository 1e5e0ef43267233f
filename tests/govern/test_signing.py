"""A signed export checks out untouched, and fails, saying why, when a byte of it, its
signature file or the key that signed it is not what the hub wrote."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from joinedup.errors import BadInput, GovernError
from joinedup.govern import keys
from joinedup.govern.signing import (
    SIGNATURE_FORMAT,
    Signed,
    public_key_path,
    sign_export,
    signature_path,
    verify_export,
)

NOW = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)
ROWS = ("uprn,name,need\n100012345678,Ada Example,power\n"
        "100012345679,Bea Sample & Co <Flat 2>,mobility\n")


@pytest.fixture
def key_dir(tmp_path: Path) -> Path:
    return tmp_path / "keys"


@pytest.fixture
def export(tmp_path: Path) -> Path:
    path = tmp_path / "out" / "flood-zone.csv"
    path.parent.mkdir()
    path.write_text(ROWS, encoding="utf-8")
    return path


def sign(export: Path, key_dir: Path, *, audit_seq: int = 42) -> Signed:
    return sign_export(export, key_dir, audit_seq=audit_seq, purpose="emergency_response",
                       actor="planner@county.example", now=NOW,
                       description="Vulnerable households in flood zone 3: Riverside, café")


def edit_signature(export: Path, **changes: object) -> None:
    path = signature_path(export)
    document = json.loads(path.read_text(encoding="utf-8"))
    document.update(changes)
    path.write_text(json.dumps(document), encoding="utf-8")


def test_a_signed_export_verifies_and_shows_what_was_signed(export: Path,
                                                            key_dir: Path) -> None:
    signed = sign(export, key_dir)
    assert signed.signature_path == export.with_name("flood-zone.csv.sig")
    assert signed.public_key_path == export.with_name("flood-zone.csv.pub")
    assert signed.public_key_path.read_bytes() == keys.public_key_pem(key_dir)
    document = json.loads(signed.signature_path.read_text(encoding="utf-8"))
    assert document == signed.metadata.as_dict()
    assert document["format"] == SIGNATURE_FORMAT
    assert document["file"] == "flood-zone.csv"
    assert document["size"] == len(ROWS.encode())
    assert document["signed_at"] == "2025-03-14T09:26:53.000000Z"
    assert document["key_id"] == keys.key_id_of_pem(keys.public_key_pem(key_dir))
    assert document["audit_seq"] == 42

    verdict = verify_export(export)
    assert verdict.ok, verdict.reasons
    assert verdict.reasons == ()
    assert verdict.metadata == signed.metadata
    assert verdict.metadata.description.endswith("café")
    assert verdict.key_id == document["key_id"]


def test_checking_with_the_key_beside_the_file_says_it_proves_nothing_alone(
        export: Path, key_dir: Path) -> None:
    sign(export, key_dir)
    notes = verify_export(export).notes
    assert len(notes) == 1
    assert "proves nothing on its own" in notes[0]
    assert keys.key_id_of_pem(keys.public_key_pem(key_dir)) in notes[0]


@pytest.mark.parametrize("given", ["file", "bytes"])
def test_a_key_obtained_separately_verifies_without_the_caveat(
        export: Path, key_dir: Path, tmp_path: Path, given: str) -> None:
    sign(export, key_dir)
    public_key_path(export).unlink()  # the responder has only the hub's published key
    kept = tmp_path / "hub.pub"
    kept.write_bytes(keys.public_key_pem(key_dir))
    verdict = verify_export(export, public_key=kept if given == "file" else kept.read_bytes())
    assert verdict.ok, verdict.reasons
    assert verdict.notes == ()


def test_one_changed_byte_fails_as_a_changed_file(export: Path, key_dir: Path) -> None:
    sign(export, key_dir)
    data = bytearray(export.read_bytes())
    data[data.index(b"power")] = ord("P")
    export.write_bytes(bytes(data))
    verdict = verify_export(export)
    assert not verdict.ok
    assert len(verdict.reasons) == 1
    assert "has changed since it was signed" in verdict.reasons[0]
    assert str(export) in verdict.reasons[0]


def test_an_appended_line_fails(export: Path, key_dir: Path) -> None:
    sign(export, key_dir)
    with export.open("a", encoding="utf-8") as file:
        file.write("100012345680,Extra Person,other\n")
    verdict = verify_export(export)
    assert not verdict.ok
    assert f"the signature is for {len(ROWS.encode()):,} bytes" in verdict.reasons[0]


@pytest.mark.parametrize("field, value", [("purpose", "marketing"), ("audit_seq", 43),
                                          ("description", "nothing to see"),
                                          ("signed_at", "2030-01-01T00:00:00.000000Z")])
def test_an_edited_signature_file_fails(export: Path, key_dir: Path, field: str,
                                        value: object) -> None:
    sign(export, key_dir)
    edit_signature(export, **{field: value})
    verdict = verify_export(export)
    assert not verdict.ok
    assert verdict.reasons == (f"the signature in {signature_path(export)} does not verify: "
                               "the signature file was edited after signing",)


def test_a_file_re_signed_with_another_key_fails_against_the_hubs_key(
        export: Path, key_dir: Path, tmp_path: Path) -> None:
    hub_key = keys.public_key_pem(key_dir)
    export.write_text(ROWS + "100012345680,Forged Person,other\n", encoding="utf-8")
    impostor = sign(export, tmp_path / "impostor-keys")
    assert verify_export(export).ok  # consistent with the key that came with it...
    verdict = verify_export(export, public_key=hub_key)  # ...but not the hub's
    assert not verdict.ok
    assert verdict.reasons == (
        f"{signature_path(export)} was signed by key {impostor.metadata.key_id}, not by the "
        f"key given ({keys.key_id_of_pem(hub_key)}): it was not signed by this hub, or the "
        "hub's key has since changed",)


def test_a_missing_signature_file_is_bad_input_naming_it(export: Path) -> None:
    with pytest.raises(BadInput, match=r"flood-zone\.csv\.sig is missing"):
        verify_export(export)


def test_a_missing_public_key_asks_for_one(export: Path, key_dir: Path) -> None:
    sign(export, key_dir)
    public_key_path(export).unlink()
    with pytest.raises(BadInput, match=r"flood-zone\.csv\.pub is missing: pass the hub's "
                                       r"public key with --key"):
        verify_export(export)


def test_a_public_key_that_is_not_one_is_bad_input(export: Path, key_dir: Path,
                                                   tmp_path: Path) -> None:
    sign(export, key_dir)
    wrong = tmp_path / "not-a-key.pub"
    wrong.write_text("hello", encoding="utf-8")
    with pytest.raises(BadInput, match=r"not-a-key\.pub is not a PEM Ed25519 public key"):
        verify_export(export, public_key=wrong)


def test_a_missing_export_is_bad_input(export: Path, key_dir: Path) -> None:
    sign(export, key_dir)
    export.unlink()
    with pytest.raises(BadInput, match=r"cannot read the export .*flood-zone\.csv"):
        verify_export(export)


@pytest.mark.parametrize("text, message", [
    ("{not json", r"cannot read it as JSON"),
    ("[1, 2]", r"expected a JSON object"),
    (json.dumps({"format": "something else v9"}), r"its format is 'something else v9'"),
])
def test_a_malformed_signature_file_is_bad_input_naming_it(
        export: Path, key_dir: Path, text: str, message: str) -> None:
    sign(export, key_dir)
    signature_path(export).write_text(text, encoding="utf-8")
    with pytest.raises(BadInput, match=rf"flood-zone\.csv\.sig is not a .*{message}"):
        verify_export(export)


def test_a_signature_file_with_wrong_fields_lists_every_problem(export: Path,
                                                                key_dir: Path) -> None:
    sign(export, key_dir)
    document = json.loads(signature_path(export).read_text(encoding="utf-8"))
    del document["purpose"]
    document.update(size="117", signature="not hex", audit_seq=True)
    signature_path(export).write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(BadInput) as caught:
        verify_export(export)
    assert caught.value.message.endswith(
        "is not a valid signature file: size should be a whole number; audit_seq should be "
        "a whole number; purpose is missing; signature should be hexadecimal")


def test_a_signature_file_may_be_given_elsewhere_and_the_export_renamed(
        export: Path, key_dir: Path, tmp_path: Path) -> None:
    sign(export, key_dir)
    moved = tmp_path / "renamed.csv"
    export.rename(moved)
    verdict = verify_export(moved, signature=signature_path(export),
                            public_key=public_key_path(export))
    assert verdict.ok, verdict.reasons
    assert verdict.notes == ("the file was signed under the name flood-zone.csv",)


def test_a_signing_failure_leaves_no_signature_beside_the_export(export: Path,
                                                                 key_dir: Path) -> None:
    public_key_path(export).mkdir()  # a directory where the key should go cannot be replaced
    with pytest.raises(GovernError, match=r"cannot write .*flood-zone\.csv\.pub, so the "
                                          r"export is not signed"):
        sign(export, key_dir)
    assert sorted(p.name for p in export.parent.iterdir()) == ["flood-zone.csv",
                                                               "flood-zone.csv.pub"]


def test_signing_a_missing_export_is_bad_input_and_writes_nothing(export: Path,
                                                                  key_dir: Path) -> None:
    export.unlink()
    with pytest.raises(BadInput, match="cannot read the export"):
        sign(export, key_dir)
    assert list(export.parent.iterdir()) == []


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_signature_files_are_no_more_readable_than_the_export(export: Path,
                                                              key_dir: Path) -> None:
    export.chmod(0o640)
    signed = sign(export, key_dir)
    for path in (signed.signature_path, signed.public_key_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_re_signing_replaces_the_old_signature(export: Path, key_dir: Path) -> None:
    sign(export, key_dir)
    export.write_text(ROWS + "100012345680,New Person,age\n", encoding="utf-8")
    assert not verify_export(export).ok
    sign(export, key_dir, audit_seq=43)
    verdict = verify_export(export)
    assert verdict.ok, verdict.reasons
    assert verdict.metadata.audit_seq == 43
