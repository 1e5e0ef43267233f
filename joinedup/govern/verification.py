"""``verify``: recompute the whole audit log and every signed checkpoint, naming the first bad
event; ``sign_checkpoint``: verify, then sign.

It catches an edited event (its leaf no longer matches), a deleted or inserted one (a gap or a
repeat in the sequence), reordering (seq is inside the leaf), personal details changed or
removed without an erasure, and, through the signed checkpoints, a log rewritten wholesale with
fresh hashes, or cut short.

Ten million events must verify within a minute, so the log is cut into chunks of 2^k events,
each the leaves of one complete subtree, walked by a process per core. Every chunk reports its
subtree root (and the roots of its prefixes that checkpoints end in); RFC 6962's tree above the
chunks is then rebuilt from those roots, since its split points all fall on chunk boundaries.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Text, cast, func, literal, select

from joinedup.errors import GovernError
from joinedup.govern import keys, merkle
from joinedup.govern.audit import LEAF_COLUMNS, SEPARATOR, commitment, timestamp
from joinedup.govern.checkpoints import Checkpoint, checkpoint_message, stored_checkpoints
from joinedup.store.database import create_store_engine
from joinedup.store.schema import audit_checkpoint, audit_event, audit_redaction, audit_subject

BATCH = 50_000
MIN_CHUNK_BITS = 18
"""Chunks of at least 262,144 events: below that a process costs more than it saves."""


@dataclass
class Verification:
    events: int = 0
    redacted: int = 0
    checkpoints: int = 0
    root_hash: str = merkle.root([]).hex()
    problem: str | None = None
    bad_seq: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass
class Chunk:
    """What walking the events ``first``..``last`` found."""

    first: int
    last: int
    seen: int = 0
    root: bytes = b""
    prefixes: dict[int, bytes] = field(default_factory=dict)
    """Checkpoint sizes inside the chunk -> the root of the chunk's events up to that size."""
    cited: dict[int, int] = field(default_factory=dict)
    """Erasure seqs that redacted events cite -> the first citing event."""
    erasures: set[int] = field(default_factory=set)
    redacted: int = 0
    problem: str | None = None
    bad_seq: int | None = None


def _event_sql(connection: Connection, first: int, last: int) -> str:
    """Each leaf's bytes built by the database (text joined by the separator, NULL as empty),
    so Python only hashes and compares."""
    separator = literal(SEPARATOR, Text)
    parts = [func.coalesce(cast(audit_event.c[c], Text), "") for c in LEAF_COLUMNS]
    leaf: Any = parts[0]
    for part in parts[1:]:
        leaf = leaf + separator + part
    query = (select(audit_event.c.seq, leaf, audit_event.c.leaf_hash, audit_event.c.action,
                    audit_event.c.subject_commitment, audit_subject.c.person_id,
                    audit_subject.c.detail, audit_subject.c.salt, audit_redaction.c.erasure_seq)
             .outerjoin(audit_subject, audit_subject.c.seq == audit_event.c.seq)
             .outerjoin(audit_redaction, audit_redaction.c.seq == audit_event.c.seq)
             .where(audit_event.c.seq.between(first, last))
             .order_by(audit_event.c.seq))
    return str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))


def _stream(connection: Connection, sql: str) -> Iterator[Any]:
    """Rows straight from the driver in batches: ten million Row objects would cost more than
    the hashing."""
    raw: Any = connection.connection.dbapi_connection
    cursor = raw.cursor(name="audit_verify") if connection.dialect.name == "postgresql" \
        else raw.cursor()
    try:
        cursor.execute(sql)
        while batch := cursor.fetchmany(BATCH):
            yield from batch
    finally:
        cursor.close()


def _walk(rows: Iterable[Any], chunk: Chunk, sizes: set[int]) -> Chunk:
    builder = merkle.TreeBuilder()
    append, sha256 = builder.append, hashlib.sha256
    expected = chunk.first
    for seq, leaf, stored, action, commit, person_id, detail, salt, erasure in rows:
        if seq != expected:
            what = "is missing (deleted)" if seq > expected else "appears twice (inserted)"
            return _bad(chunk, expected, f"event {expected} {what}")
        digest = sha256(b"\x00" + leaf.encode()).digest()
        if digest.hex() != stored:
            return _bad(chunk, seq, f"event {seq} was altered after it was written")
        if commit is not None or salt is not None:
            problem = _subject_problem(seq, commit, person_id, detail, salt, erasure)
            if problem:
                return _bad(chunk, seq, f"event {seq}: {problem}")
            if erasure is not None:
                chunk.cited.setdefault(erasure, seq)
                chunk.redacted += 1
        if action == "erase":
            chunk.erasures.add(seq)
        append(digest)
        expected += 1
        if seq in sizes:
            chunk.prefixes[seq] = builder.root()
    chunk.seen = expected - chunk.first
    if expected <= chunk.last:
        return _bad(chunk, expected, f"event {expected} is missing (deleted)")
    chunk.root = builder.root()
    return chunk


def _subject_problem(seq: int, commit: str | None, person_id: int | None, detail: str | None,
                     salt: str | None, erasure: int | None) -> str | None:
    if salt is not None:
        if commit is None or commitment(salt, person_id, detail) != commit:
            return "its personal details were altered"
        return None
    if erasure is None:
        return "its personal details were removed without a recorded erasure"
    if erasure <= seq:
        return f"its personal details cite event {erasure}, written before it, as their erasure"
    return None


def _bad(chunk: Chunk, seq: int, problem: str) -> Chunk:
    chunk.problem, chunk.bad_seq = problem, seq
    return chunk


def _walk_in_process(url: str, first: int, last: int, sizes: set[int]) -> Chunk:
    engine = create_store_engine(url)
    try:
        with engine.connect() as connection:
            return _walk(_stream(connection, _event_sql(connection, first, last)),
                         Chunk(first, last), sizes)
    finally:
        engine.dispose()


def _combine(roots: list[bytes]) -> bytes:
    """RFC 6962's tree over complete subtrees' roots, split as it splits leaves."""
    if len(roots) == 1:
        return roots[0]
    k = 1 << ((len(roots) - 1).bit_length() - 1)
    return merkle.node_hash(_combine(roots[:k]), _combine(roots[k:]))


def verify(connection: Connection, public_key_pem: bytes, *, workers: int | None = None,
           chunk_bits: int | None = None, progress: Callable[[int], None] | None = None
           ) -> Verification:
    """Verify the whole log; stop at the first problem (the earliest bad event)."""
    result = Verification()
    checkpoints = stored_checkpoints(connection)
    for cp in checkpoints:
        if not keys.verify_signature(public_key_pem, cp.message(), bytes.fromhex(cp.signature)):
            result.problem = (f"checkpoint of size {cp.tree_size} signed {cp.signed_at} has a "
                              "bad signature: it was not signed by this hub's key")
            return result
    last = int(connection.execute(select(func.max(audit_event.c.seq))).scalar() or 0)
    workers = workers or os.cpu_count() or 1
    if chunk_bits is None:
        # At most a quarter of each worker's share, rounded down to a power of two, so the
        # last chunks do not leave a core idle.
        chunk_bits = max(MIN_CHUNK_BITS, (last // (4 * workers)).bit_length() - 1)
    size = 1 << chunk_bits
    bounds = [(first, min(first + size - 1, last)) for first in range(1, last + 1, size)]
    sizes = {cp.tree_size for cp in checkpoints}
    chunks = _chunks(connection, bounds, sizes, workers, progress)
    return _conclude(result, chunks, checkpoints, last)


def _chunks(connection: Connection, bounds: list[tuple[int, int]], sizes: set[int],
            workers: int, progress: Callable[[int], None] | None) -> list[Chunk]:
    if workers == 1 or len(bounds) <= 1:
        found = []
        for first, last in bounds:
            found.append(_walk(_stream(connection, _event_sql(connection, first, last)),
                               Chunk(first, last), sizes))
            if progress is not None:
                progress(last)
        return found
    url = connection.engine.url.render_as_string(hide_password=False)
    # Spawned, not forked: a forked child would share the parent's database connections.
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(_walk_in_process, url, first, last, sizes)
                   for first, last in bounds]
        found = []
        for future in futures:
            found.append(future.result())
            if progress is not None:
                progress(found[-1].last)
        return found


def _conclude(result: Verification, chunks: list[Chunk], checkpoints: list[Checkpoint],
              last: int) -> Verification:
    problems = [(c.bad_seq or 0, c.problem) for c in chunks if c.problem]
    erasures = {s for c in chunks for s in c.erasures}
    for c in chunks:
        for erasure, citing in c.cited.items():
            if erasure not in erasures:
                what = "does not exist" if erasure > last else "is no erasure"
                problems.append((citing, f"event {citing}: its personal details cite erasure "
                                         f"event {erasure}, which {what}"))
    if problems:
        result.bad_seq, result.problem = min(problems)
        return result
    result.events = last
    result.redacted = sum(c.redacted for c in chunks)
    roots = [c.root for c in chunks]
    for cp in checkpoints:
        if cp.tree_size > last:
            result.bad_seq = last + 1
            result.problem = (f"the log ends at event {last} but a checkpoint signed "
                              f"{cp.signed_at} covers {cp.tree_size}: events {last + 1} to "
                              f"{cp.tree_size} were deleted")
            return result
        whole = [c for c in chunks if c.last <= cp.tree_size]
        partial = [c.prefixes[cp.tree_size] for c in chunks
                   if c.first <= cp.tree_size < c.last]
        root = _combine([c.root for c in whole] + partial) if cp.tree_size else merkle.root([])
        if root.hex() != cp.root_hash:
            result.problem = (f"the first {cp.tree_size} events no longer match the "
                              f"checkpoint signed {cp.signed_at}: they were rewritten")
            return result
        result.checkpoints += 1
    result.root_hash = (_combine(roots) if roots else merkle.root([])).hex()
    return result


def sign_checkpoint(connection: Connection, key_dir: Path, *, now: datetime | None = None,
                    progress: Callable[[int], None] | None = None) -> Checkpoint:
    """Verify the whole log, then sign its size and root: a hub never signs a root it has
    not just checked."""
    public = keys.public_key_pem(key_dir)
    result = verify(connection, public, progress=progress)
    if not result.ok:
        raise GovernError(f"the audit log fails verification, so no checkpoint was signed: "
                          f"{result.problem}")
    signed_at = timestamp(now or datetime.now(UTC))
    signature = keys.sign(key_dir, checkpoint_message(result.events, result.root_hash,
                                                       signed_at))
    cp = Checkpoint(result.events, result.root_hash, signed_at, keys.key_id_of_pem(public),
                    signature.hex())
    connection.execute(audit_checkpoint.insert(), [cp.as_dict()])
    return cp
