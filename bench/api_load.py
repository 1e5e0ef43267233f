"""The staff API under load: person views and searches from 20 concurrent clients, each
request authenticated, decided and audited, on SQLite and on PostgreSQL.

    python bench/api_load.py                      # 100,000 people, SQLite then PostgreSQL
    python bench/api_load.py --people 5000 --seconds 10 --backend sqlite   # a quick look

A synthetic county is built, loaded and linked once per backend (cached under bench/out/api),
its demo logins created, and ``joinedup serve`` started as a separate process on loopback
(one worker on SQLite, which serves one writer at a time; two on PostgreSQL, one a core).
The load generator is another process: ``--clients`` asyncio clients on keep-alive httpx
connections, each sending its next request as soon as the last one answered, for
``--seconds`` per scenario:

* person view: ``GET /api/persons/{id}`` as the demo social worker (``X-Purpose:
  direct_care``) for random person ids: every answer is an audited decision (about one in
  five persons is outside every agreement the worker is under: a 403, audited, not an error);
* search: ``GET /api/persons?name=..&date_of_birth=..`` as the demo advisor
  (``customer_service``) for the name and date of birth of a random source record, as typed
  on the phone (sometimes with a nickname or day and month swapped, as the county's records
  are).

Errors are transport failures and 5xx answers. p50/p95/p99 are over every request answered.
"""

from __future__ import annotations

import argparse
import asyncio
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


async def _drive(base: str, headers: dict[str, str], paths: list[tuple[str, dict[str, str]]],
                 clients: int, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def client(k: int, http: httpx.AsyncClient) -> None:
        nonlocal errors
        i = k
        while time.perf_counter() < stop:
            path, params = paths[i % len(paths)]
            i += clients
            began = time.perf_counter()
            try:
                answer = await http.get(path, params=params)
            except httpx.HTTPError:
                errors += 1
                continue
            latencies.append(time.perf_counter() - began)
            statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
            if answer.status_code >= 500:
                errors += 1

    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits,
                                 timeout=30) as http:
        started = time.perf_counter()
        await asyncio.gather(*(client(k, http) for k in range(clients)))
        elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    return {"requests": len(latencies), "errors": errors, "statuses": statuses,
            "rps": len(latencies) / elapsed, "p50_ms": pct(0.50), "p95_ms": pct(0.95),
            "p99_ms": pct(0.99)}


def run(backend: str, people: int, clients: int, seconds: float) -> dict[str, Any]:
    url = prepare(backend, people)
    persons, queries = samples(url, 20_000, seed=7)
    port = _port()
    base = f"http://127.0.0.1:{port}"
    server = serve(url, port, 1 if backend == "sqlite" else 2)
    try:
        worker = {"Authorization": f"Bearer {token(base, 'demo.social_worker')}",
                  "X-Purpose": "direct_care"}
        advisor = {"Authorization": f"Bearer {token(base, 'demo.advisor')}",
                   "X-Purpose": "customer_service"}
        results = {}
        for name, headers, paths in (
                ("person view", worker, [(f"/api/persons/{p}", {}) for p in persons]),
                ("search", advisor, [("/api/persons", q) for q in queries])):
            asyncio.run(_drive(base, headers, paths[:200], clients, 2))  # warm caches
            results[name] = asyncio.run(_drive(base, headers, paths, clients, seconds))
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
