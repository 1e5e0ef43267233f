"""The staff API under load: person views and searches from 20 concurrent clients, each
request authenticated, decided and audited, on SQLite and on PostgreSQL.

    python bench/api_load.py                      # 100,000 people, SQLite then PostgreSQL
    python bench/api_load.py --people 5000 --seconds 10 --backend sqlite   # a quick look

A synthetic county is built, loaded and linked once per backend (cached under bench/out/api),
its demo logins created, and ``joinedup serve`` started as a separate process on loopback
(one worker on SQLite, which serves one writer at a time; two on PostgreSQL, one a core).
The load generator is ``wrk`` (Debian's package), another process: ``--clients`` keep-alive
connections, each sending its next request as soon as the last one answered, for
``--seconds`` per scenario (bench/api_load.lua picks the paths and counts the statuses):

* person view: ``GET /api/persons/{id}`` as the demo social worker (``X-Purpose:
  direct_care``) for random person ids: every answer is an audited decision (about one in
  five persons is outside every agreement the worker is under: a 403, audited, not an error);
* search: ``GET /api/persons?name=..&date_of_birth=..`` as the demo advisor
  (``customer_service``) for the name and date of birth of a random source record, as typed
  on the phone (sometimes with a nickname or day and month swapped, as the county's records
  are).

Errors are socket errors and 5xx answers. p50/p95/p99 come from wrk's latency histogram.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx2 as httpx
from govern import PG, build_store
from sqlalchemy import create_engine, select, text

from joinedup.accounts.demo import DEMO_PASSWORD, create_demo_users
from joinedup.store.database import open_store
from joinedup.store.schema import person_link, source_record
from joinedup.synth import generate_county

OUT = Path(__file__).parent / "out" / "api"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(backend: str, people: int) -> str:
    """The store's URL, built (county, agreements, loads, link, demo users) if not cached."""
    county = OUT / f"county-{people}"
    if not (county / "manifest.yaml").exists():
        print(f"writing a synthetic county of {people:,} people", flush=True)
        generate_county(county, people=people, seed=42)
    if backend == "sqlite":
        url = f"sqlite:///{OUT / f'api-{people}.db'}"
        fresh = not (OUT / f"api-{people}.db").exists()
    else:
        schema = f"bench_api_{people}"
        admin = create_engine(PG)
        with admin.begin() as c:
            fresh = c.execute(text("SELECT 1 FROM information_schema.schemata WHERE "
                                   "schema_name = :s"), {"s": schema}).first() is None
            if fresh:
                c.execute(text(f"CREATE SCHEMA {schema}"))
        admin.dispose()
        url = f"{PG}?options=-csearch_path%3D{schema}"
    if fresh:
        started = time.perf_counter()
        print(f"loading and linking into {backend}", flush=True)
        build_store(url, county)
        print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
    with open_store(url) as engine, engine.begin() as c:
        create_demo_users(c, now=_now())
    return url


def _now() -> Any:
    from datetime import UTC, datetime
    return datetime.now(UTC).replace(tzinfo=None)


def samples(url: str, n: int, seed: int) -> tuple[list[int], list[dict[str, str]]]:
    rng = random.Random(seed)
    with open_store(url) as engine, engine.connect() as c:
        persons = list(c.execute(select(person_link.c.person_id).distinct()).scalars())
        t = source_record.table.c
        rows = c.execute(select(t.given_name, t.family_name, t.date_of_birth)
                         .where(t.given_name.is_not(None), t.family_name.is_not(None),
                                t.date_of_birth.is_not(None)).limit(50_000)).all()
    queries = []
    for given, family, born in rng.sample(rows, min(n, len(rows))):
        queries.append({"name": f"{given} {family}",
                        "date_of_birth": born.strftime("%d/%m/%Y")})
    return [rng.choice(persons) for _ in range(n)], queries


def serve(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "JOINEDUP_DATABASE_URL": url, "JOINEDUP_TOKEN_MINUTES": "240",
           "JOINEDUP_KEY_DIR": str(OUT / "keys")}
    process = subprocess.Popen([sys.executable, "-m", "joinedup", "serve", "--port", str(port),
                                "--workers", str(workers)], env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start within 60 s")


def token(base: str, username: str) -> str:
    answer = httpx.post(f"{base}/auth/token", data={"username": username,
                                                    "password": DEMO_PASSWORD})
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def drive(base: str, token: str, purpose: str, paths: list[str], clients: int,
          seconds: float) -> dict[str, Any]:
    """``wrk`` with ``clients`` connections for ``seconds``: figures from its own latency
    histogram (bench/api_load.lua)."""
    listing = OUT / "paths.txt"
    listing.write_text("\n".join(paths) + "\n", encoding="utf-8")
    answer = subprocess.run(
        ["wrk", "-t", "1", "-c", str(clients), "-d", f"{max(1, round(seconds))}s",
         "--timeout", "10s", "-s", str(Path(__file__).with_name("api_load.lua")), base],
        env={**os.environ, "PATHS": str(listing), "TOKEN": token, "PURPOSE": purpose},
        capture_output=True, text=True, check=True)
    figures: dict[str, Any] = json.loads(answer.stdout.strip().splitlines()[-1])
    figures["rps"] = figures["requests"] / figures["seconds"]
    figures["errors"] = figures["socket_errors"] + sum(
        n for status, n in figures["statuses"].items() if int(status) >= 500)
    return figures


def run(backend: str, people: int, clients: int, seconds: float) -> dict[str, Any]:
    url = prepare(backend, people)
    persons, queries = samples(url, 20_000, seed=7)
    port = _port()
    base = f"http://127.0.0.1:{port}"
    server = serve(url, port, 1 if backend == "sqlite" else 2)
    try:
        results = {}
        for name, user, purpose, paths in (
                ("person view", "demo.social_worker", "direct_care",
                 [f"/api/persons/{p}" for p in persons]),
                ("search", "demo.advisor", "customer_service",
                 [f"/api/persons?{urlencode(q)}" for q in queries])):
            bearer = token(base, user)
            drive(base, bearer, purpose, paths[:500], clients, 2)  # warm the caches
            results[name] = drive(base, bearer, purpose, paths, clients, seconds)
            r = results[name]
            print(f"{backend:10} {name:12} {r['requests']:7,} requests {r['rps']:7.0f}/s  "
                  f"p50 {r['p50_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms  "
                  f"p99 {r['p99_ms']:6.1f} ms  errors {r['errors']}  statuses "
                  f"{dict(sorted(r['statuses'].items()))}", flush=True)
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"{platform.node()} {platform.machine()} {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; {args.people:,} people, {args.clients} clients, "
          f"{args.seconds:.0f} s per scenario", flush=True)
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    figures = {b: run(b, args.people, args.clients, args.seconds) for b in backends}
    (OUT / "results.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
