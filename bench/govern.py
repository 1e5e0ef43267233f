"""Audited access decisions per second, and audit verification over ten million events.

    python bench/govern.py                          # SQLite, and PostgreSQL if it answers
    python bench/govern.py --people 2000 --events 1000000    # a quick look

1. Decisions: a synthetic county is loaded and linked into a fresh store (SQLite, then a fresh
   PostgreSQL schema), its sharing agreements loaded, and a social worker whose team holds real
   involvements asks for random persons (all field groups, so relationships are checked).
   Three ways: one decision per transaction (a person opened); a page of 25 decisions per
   transaction (a search result, a caseload); 200 per transaction (households in an area).
   Every decision writes its audit event, committed with it. Then the subject access packs of
   the ten persons with most records are built and timed.
2. Verification: ``--events`` audit events (default 10,000,000) are written straight into a
   SQLite store (with their leaf hashes and salted commitments, as ``audit.append`` would), a
   checkpoint is signed, and ``verification.verify`` (``joinedup audit verify``) is timed.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import secrets
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from multiprocessing import get_context
from pathlib import Path

from sqlalchemy import Engine, create_engine, func, select, text

from joinedup.govern import audit, keys, merkle, verification
from joinedup.govern.agreements import read_directory
from joinedup.govern.decide import decide, decide_many
from joinedup.govern.register import load_agreements, register
from joinedup.govern.sar import subject_access
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import Actor, Role
from joinedup.link.run import link
from joinedup.sources.ingest import ingest
from joinedup.sources.manifest import load_manifest
from joinedup.store.database import open_store
from joinedup.store.schema import agency, involvement, person_link, source
from joinedup.synth import generate_county

PG = os.environ.get("JOINEDUP_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def cached_store_url(backend: str, name: str, out: Path, *, rebuild: bool) -> str:
    """A benchmark's store kept between runs (``out/NAME.db``, or the PostgreSQL schema
    NAME), emptied first if ``rebuild``: building a million-row store takes minutes."""
    if backend == "sqlite":
        path = out / f"{name}.db"
        if rebuild:
            for stale in out.glob(f"{path.name}*"):
                stale.unlink()
        return f"sqlite:///{path}"
    admin = create_engine(PG)
    with admin.begin() as c:
        if rebuild:
            c.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
        c.execute(text(f"CREATE SCHEMA IF NOT EXISTS {name}"))
    admin.dispose()
    return f"{PG}?options=-csearch_path%3D{name}"


def build_store(url: str, county: Path) -> None:
    with open_store(url) as engine:
        with engine.begin() as c:
            load_agreements(c, read_directory(county / "agreements"), operator="bench",
                            now=datetime.now())
        for item in load_manifest(county / "manifest.yaml"):
            ingest(definition=item.definition, path=item.data, engine=engine, operator="bench")
        link(engine, operator="bench")


def social_worker(engine: Engine) -> Actor:
    """A social worker in the team holding the most involvements, so relationships are real."""
    with engine.connect() as c:
        team, agency_name = c.execute(
            select(involvement.table.c.team, agency.c.name)
            .join(source, source.c.id == involvement.table.c.source_id)
            .join(agency, agency.c.id == source.c.agency_id)
            .group_by(involvement.table.c.team, agency.c.name)
            .order_by(func.count().desc()).limit(1)).one()
    return Actor("bench.worker", agency_name, Role.SOCIAL_WORKER, team)


def time_decisions(engine: Engine, page: int, total: int, seed: int = 7) -> float:
    with engine.connect() as c:
        persons = list(c.execute(select(person_link.c.person_id).distinct()).scalars())
        reg = register(c)
    actor = social_worker(engine)
    rng = random.Random(seed)
    started = time.perf_counter()
    done = 0
    while done < total:
        chosen = [rng.choice(persons) for _ in range(page)]
        with governed(engine) as c:
            if page == 1:
                decide(c, reg, actor, "direct_care", chosen[0])
            else:
                decide_many(c, reg, actor, "direct_care", chosen)
        done += page
    return done / (time.perf_counter() - started)


def _client(url: str, page: int, total: int, seed: int) -> tuple[float, float]:
    with open_store(url) as engine:
        started = time.time()
        time_decisions(engine, page, total, seed)
        return started, time.time()


def time_clients(url: str, page: int, total: int, clients: int) -> float:
    """Decisions per second from ``clients`` processes at once, as a web server's workers
    would ask: appends are serialised only from the audit write to the commit. Timed from the
    first client's start to the last one's end, leaving out starting the processes."""
    with ProcessPoolExecutor(max_workers=clients, mp_context=get_context("spawn")) as pool:
        spans = list(pool.map(_client, [url] * clients, [page] * clients,
                              [total // clients] * clients, range(clients)))
    return (total // clients) * clients / (max(e for _, e in spans) - min(s for s, _ in spans))


def time_sar(engine: Engine, workdir: Path) -> list[float]:
    """Seconds to build the subject access pack of each of the ten persons with most records
    (after the decisions above, so their audit trails are long too)."""
    with engine.connect() as c:
        busiest = list(c.execute(select(person_link.c.person_id).group_by(
            person_link.c.person_id).order_by(func.count().desc()).limit(10)).scalars())
        reg = register(c)
    dpo = Actor("bench.dpo", "Norfolk County Council Information Governance", Role.DPO)
    seconds = []
    for person_id in busiest:
        started = time.perf_counter()
        with governed(engine) as c:
            subject_access(c, reg, dpo, person_id, workdir / "sar", now=datetime.now())
        seconds.append(time.perf_counter() - started)
    return seconds


def decisions(url: str, county: Path, label: str, total: int, workdir: Path) -> None:
    build_store(url, county)
    with open_store(url) as engine:
        for page in (1, 25, 200):
            rate = time_decisions(engine, page, total)
            print(f"{label:<10} {page:>4} per transaction: {rate:>9,.0f} audited decisions/s",
                  flush=True)
        rate = time_clients(url, 200, 4 * total, 2)
        print(f"{label:<10}  200 per transaction, 2 clients: {rate:>9,.0f} audited decisions/s",
              flush=True)
        seconds = sorted(time_sar(engine, workdir))
        print(f"{label:<10} subject access pack, 10 busiest persons: median "
              f"{seconds[len(seconds) // 2]:.2f} s, slowest {seconds[-1]:.2f} s", flush=True)


def fresh_pg_schema() -> tuple[str, Callable[[], None]] | None:
    try:
        admin = create_engine(PG)
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        with admin.begin() as c:
            c.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as exc:
        print(f"PostgreSQL skipped: {exc}".splitlines()[0])
        return None

    def drop() -> None:
        with admin.begin() as c:
            c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()

    return f"{PG}?options=-csearch_path%3D{schema}", drop


def write_events(path: Path, n: int) -> None:
    """``n`` events as ``audit.append`` writes them, straight through sqlite3 for speed."""
    columns = audit.LEAF_COLUMNS
    insert_event = (f"INSERT INTO audit_event ({', '.join(columns)}, leaf_hash) "
                    f"VALUES ({', '.join('?' * (len(columns) + 1))})")
    insert_subject = "INSERT INTO audit_subject (seq, person_id, detail, salt) VALUES (?,?,?,?)"
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    at = audit.timestamp(datetime.now())
    leaf, commit, salt = merkle.leaf_hash, audit.commitment, secrets.token_hex(16)
    batch: list[tuple[object, ...]] = []
    subjects: list[tuple[object, ...]] = []
    for seq in range(1, n + 1):
        person = seq % 100_003
        row = (seq, at, uuid.UUID(int=seq).hex, f"user{seq % 300}", "Adult Social Care",
               "social_worker", "direct_care", "read_person", "allow",
               "under DSA-NFK-001/v1; open involvement", "DSA-NFK-001/v1",
               "asc_clients:identity,asc_clients:contact_details", commit(salt, person, None))
        batch.append((*row, leaf(audit.leaf_bytes(row)).hex()))
        subjects.append((seq, person, None, salt))
        if len(batch) == 200_000:
            connection.executemany(insert_event, batch)
            connection.executemany(insert_subject, subjects)
            connection.commit()
            batch, subjects = [], []
    connection.executemany(insert_event, batch)
    connection.executemany(insert_subject, subjects)
    connection.commit()
    connection.close()


def time_verify(events: int, workdir: Path) -> None:
    path = workdir / "audit.db"
    url = f"sqlite:///{path}"
    with open_store(url):
        pass
    started = time.perf_counter()
    write_events(path, events)
    print(f"wrote {events:,} audit events in {time.perf_counter() - started:.1f} s", flush=True)
    key_dir = workdir / "keys"
    with open_store(url) as engine:
        started = time.perf_counter()
        with governed(engine) as c:
            cp = verification.sign_checkpoint(c, key_dir)
        print(f"checkpoint (verify + sign) of {cp.tree_size:,} events: "
              f"{time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        with engine.connect() as c:
            result = verification.verify(c, keys.public_key_pem(key_dir))
        seconds = time.perf_counter() - started
    assert result.ok and result.events == events, result.problem
    print(f"joinedup audit verify over {events:,} events: {seconds:.1f} s "
          f"({events / seconds:,.0f} events/s), 1 checkpoint, root {result.root_hash[:16]}…")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--decisions", type=int, default=5_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--skip-verify", action="store_true")
    parser.add_argument("--skip-decisions", action="store_true")
    args = parser.parse_args()
    print(f"{platform.node()}: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"{datetime.now():%Y-%m-%d}")
    with tempfile.TemporaryDirectory(prefix="bench-govern-") as tmp:
        workdir = Path(tmp)
        county = workdir / "county"
        generate_county(county, people=args.people, seed=42)
        if not args.skip_decisions:
            decisions(f"sqlite:///{workdir / 'hub.db'}", county, "SQLite", args.decisions,
                      workdir)
        pg = None if args.skip_decisions else fresh_pg_schema()
        if pg is not None:
            url, drop = pg
            try:
                decisions(url, county, "PostgreSQL", args.decisions, workdir)
            finally:
                drop()
        if not args.skip_verify:
            time_verify(args.events, workdir)


if __name__ == "__main__":
    main()
