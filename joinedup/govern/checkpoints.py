"""Signed checkpoints of the audit log and the proofs partners check against them.

A checkpoint is the log's size and Merkle root, signed with the hub's Ed25519 key. An inclusion
proof shows one event is in the log a checkpoint signed; a consistency proof shows a later log
extends an earlier one unchanged (RFC 6962 section 2.1; RFC 9162 section 2.1.3-2.1.4). The
``check_*`` functions are what a partner runs, offline, trusting only the hub's public key; they
never raise on a malformed or hostile document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from joinedup.errors import BadInput, GovernError
from joinedup.govern import keys, merkle
from joinedup.govern.audit import LEAF_COLUMNS, leaf_bytes
from joinedup.store.schema import audit_checkpoint, audit_event

CHECKPOINT_HEADER = "joinedup audit checkpoint v1"


@dataclass(frozen=True)
class Checkpoint:
    """A signed tree head, as stored and as handed to partners."""

    tree_size: int
    root_hash: str
    signed_at: str
    key_id: str
    signature: str

    def message(self) -> bytes:
        return checkpoint_message(self.tree_size, self.root_hash, self.signed_at)

    def as_dict(self) -> dict[str, Any]:
        return {"tree_size": self.tree_size, "root_hash": self.root_hash,
                "signed_at": self.signed_at, "key_id": self.key_id,
                "signature": self.signature}


def checkpoint_message(tree_size: int, root_hash: str, signed_at: str) -> bytes:
    return f"{CHECKPOINT_HEADER}\n{tree_size}\n{root_hash}\n{signed_at}\n".encode()


def stored_checkpoints(connection: Connection) -> list[Checkpoint]:
    rows = connection.execute(select(audit_checkpoint).order_by(audit_checkpoint.c.tree_size,
                                                                audit_checkpoint.c.id))
    return [Checkpoint(r.tree_size, r.root_hash, r.signed_at, r.key_id, r.signature)
            for r in rows]


def leaf_hashes(connection: Connection, tree_size: int) -> list[bytes]:
    """The stored leaf hashes of the first ``tree_size`` events (proofs are built from these;
    whoever checks a proof checks it against a signed root, so they need not be trusted)."""
    with connection.execute(select(audit_event.c.leaf_hash)
                            .where(audit_event.c.seq <= tree_size).order_by(audit_event.c.seq)
                            .execution_options(yield_per=100_000)) as rows:
        hashes = [bytes.fromhex(h) for (h,) in rows]
    if len(hashes) != tree_size:
        raise GovernError(f"the log holds {len(hashes)} events, not {tree_size}")
    return hashes


def latest_checkpoint(connection: Connection) -> Checkpoint:
    cps = stored_checkpoints(connection)
    if not cps:
        raise GovernError("no checkpoint has been signed yet; run: joinedup audit checkpoint")
    return cps[-1]


def inclusion(connection: Connection, seq: int, tree_size: int) -> dict[str, Any]:
    """Proof that event ``seq`` is in the log of ``tree_size`` events, with the event itself
    (its personal details withheld: only their commitment is in the leaf)."""
    if not 1 <= seq <= tree_size:
        raise BadInput(f"event {seq} is not within a log of {tree_size} events")
    hashes = leaf_hashes(connection, tree_size)
    row = connection.execute(select(*(audit_event.c[c] for c in LEAF_COLUMNS))
                             .where(audit_event.c.seq == seq)).one()
    return {"kind": "inclusion", "seq": seq, "tree_size": tree_size,
            "event": dict(zip(LEAF_COLUMNS, row, strict=True)),
            "proof": [h.hex() for h in merkle.inclusion_proof(hashes, seq - 1)]}


def consistency(connection: Connection, old_size: int, new_size: int) -> dict[str, Any]:
    """Proof that the log of ``new_size`` events extends the one of ``old_size`` unchanged."""
    if not 0 < old_size <= new_size:
        raise BadInput(f"a consistency proof needs 0 < old size <= new size, got {old_size} "
                       f"and {new_size}")
    hashes = leaf_hashes(connection, new_size)
    return {"kind": "consistency", "old_size": old_size, "new_size": new_size,
            "proof": [h.hex() for h in merkle.consistency_proof(hashes, old_size)]}


def _hex_list(values: Any) -> list[bytes] | None:
    try:
        return [bytes.fromhex(v) for v in values]
    except (TypeError, ValueError):
        return None


def check_inclusion(proof: dict[str, Any], checkpoint: dict[str, Any], public_key_pem: bytes
                    ) -> str | None:
    """Check a proof as a partner would, offline, trusting only the hub's public key: None if
    it holds, else why not. Never raises on a malformed or hostile document."""
    problem = check_checkpoint(checkpoint, public_key_pem)
    if problem:
        return problem
    try:
        event = proof["event"]
        values = [event[c] for c in LEAF_COLUMNS]
        seq, size = int(proof["seq"]), int(proof["tree_size"])
        path = _hex_list(proof["proof"])
    except (KeyError, TypeError, ValueError):
        return "the proof document is malformed"
    if path is None or int(event["seq"]) != seq:
        return "the proof document is malformed"
    if size != checkpoint["tree_size"]:
        return (f"the proof is for a log of {size} events, the checkpoint for "
                f"{checkpoint['tree_size']}")
    leaf = merkle.leaf_hash(leaf_bytes(values))
    if not merkle.verify_inclusion(leaf, seq - 1, size, path,
                                   bytes.fromhex(checkpoint["root_hash"])):
        return f"event {seq} is not in the log the checkpoint signed"
    return None


def check_consistency(proof: dict[str, Any], old: dict[str, Any], new: dict[str, Any],
                      public_key_pem: bytes) -> str | None:
    """Check that checkpoint ``new`` extends checkpoint ``old``: None if so, else why not."""
    for cp in (old, new):
        problem = check_checkpoint(cp, public_key_pem)
        if problem:
            return problem
    path = _hex_list(proof.get("proof"))
    if path is None or proof.get("old_size") != old["tree_size"] \
            or proof.get("new_size") != new["tree_size"]:
        return "the proof does not match these checkpoints' sizes"
    if not merkle.verify_consistency(old["tree_size"], new["tree_size"],
                                     bytes.fromhex(old["root_hash"]),
                                     bytes.fromhex(new["root_hash"]), path):
        return "the later log does not extend the earlier one: history was rewritten"
    return None


def check_checkpoint(checkpoint: dict[str, Any], public_key_pem: bytes) -> str | None:
    try:
        cp = Checkpoint(int(checkpoint["tree_size"]), str(checkpoint["root_hash"]),
                        str(checkpoint["signed_at"]), str(checkpoint["key_id"]),
                        str(checkpoint["signature"]))
        bytes.fromhex(cp.root_hash)
        signature = bytes.fromhex(cp.signature)
    except (KeyError, TypeError, ValueError):
        return "the checkpoint document is malformed"
    if not keys.verify_signature(public_key_pem, cp.message(), signature):
        return "the checkpoint's signature does not verify with the hub's public key"
    return None
