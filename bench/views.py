"""Read models at county scale: person search, the person view, the team around a person and a
caseload, each one audited transaction as the web UI makes it.

    python bench/views.py                          # 100,000 people, SQLite then PostgreSQL
    python bench/views.py --people 10000 --skip-pg # a quick look
    python bench/views.py --workdir /tmp/views100k # keep the stores to run again

A synthetic county is loaded, linked and given its agreements (once per store; ``--workdir``
keeps them), and PostgreSQL's statistics gathered (``ANALYZE``, as autovacuum would). A social
worker in the team with the most involvements then opens random persons
(``person_view``, all field groups, so relationships are checked and the household decided),
asks who is involved (``involved``), opens their team's caseload, and searches for random
records as staff type them: name and date of birth, postcode only, NHS number with spaces,
a nickname, a date with day and month swapped. Median, p95 and max milliseconds per call.
"""

from __future__ import annotations

import argparse
import platform
import random
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
from govern import PG, build_store, social_worker
from sqlalchemy import Engine, create_engine, func, select, text

from joinedup.govern.register import register
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import Actor
from joinedup.standardise import NICKNAMES
from joinedup.store.database import open_store
from joinedup.store.schema import agency, person_link, source, source_record
from joinedup.synth import generate_county
from joinedup.views import SearchQuery, caseload, involved, person_view, search_persons

NOW = datetime(2026, 11, 22, 10, 0)


def _typed(row: Any, rng: random.Random) -> SearchQuery:
    """A search as staff type it for the person of ``row``."""
    dob: date | None = row.date_of_birth
    kind = rng.choice(("name_dob", "name_dob", "postcode", "nhs", "nickname", "swapped"))
    name = f"{row.given_name} {row.family_name}"
    if kind == "postcode" and row.postcode:
        return SearchQuery(postcode=row.postcode.replace(" ", "").lower())
    if kind == "nhs" and row.nhs_number:
        n = row.nhs_number
        return SearchQuery(nhs_number=f"{n[:3]} {n[3:6]} {n[6:]}")
    if kind == "nickname":
        short = NICKNAMES.get((row.given_name or "").upper())
        if short:
            name = f"{sorted(short)[0].title()} {row.family_name}"
    if dob is None:
        return SearchQuery(name=name, postcode=row.postcode)
    if kind == "swapped" and dob.day <= 12 and dob.day != dob.month:
        return SearchQuery(name=name, date_of_birth=f"{dob.month:02d}/{dob.day:02d}/{dob.year}")
    return SearchQuery(name=name, date_of_birth=f"{dob.day} {dob:%b %Y}")


def _time(label: str, calls: list[Callable[[], object]]) -> list[object]:
    """Times of the calls that were answered (refusals are timed apart)."""
    ms: dict[bool, list[float]] = {True: [], False: []}
    results = []
    for call in calls:
        started = time.perf_counter()
        result = call()
        ms[not isinstance(result, Exception)].append((time.perf_counter() - started) * 1000)
        results.append(result)
    for answered, found in ms.items():
        if not found:
            continue
        a = np.array(found)
        print(f"  {label + ('' if answered else ' (refused)'):<34} median {np.median(a):6.1f} "
              f"ms   p95 {np.percentile(a, 95):6.1f} ms   max {a.max():6.1f} ms   "
              f"({len(a)} calls)", flush=True)
    return results


def measure(url: str, label: str, calls: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with open_store(url) as engine:
        if engine.dialect.name == "postgresql":
            # What autovacuum does after a load; this server runs with it off, and without
            # statistics the planner walks a whole source for a handful of record ids.
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("ANALYZE"))
        actor = social_worker(engine)
        with engine.connect() as c:
            reg = register(c)
            persons = list(c.execute(select(person_link.c.person_id).distinct()).scalars())
            counted = c.execute(select(func.count()).select_from(source_record.table)
                                ).scalar_one()
            sr = source_record.table.c
            ids = rng.sample(range(1, int(c.execute(select(func.max(sr.id))).scalar_one())),
                             calls * 3)
            rows = [r for r in c.execute(select(sr.given_name, sr.family_name,
                                                sr.date_of_birth, sr.postcode, sr.nhs_number)
                                         .where(sr.id.in_(ids), sr.family_name.is_not(None),
                                                sr.given_name.is_not(None)))][:calls]
        print(f"{label}: {len(persons):,} persons, {counted:,} records; {actor.team}",
              flush=True)

        def opened(person_id: int, what: Callable[..., object], **kw: Any) -> Callable[[], Any]:
            def call() -> object:
                with governed(engine) as c:
                    try:
                        return what(c, reg, actor, "direct_care", person_id, now=NOW, **kw)
                    except Exception as exc:  # refusals are part of the load
                        return exc
            return call

        def searched(query: SearchQuery) -> Callable[[], object]:
            def call() -> object:
                with governed(engine) as c:
                    return search_persons(c, reg, actor, "direct_care", query, now=NOW)
            return call

        def team() -> object:
            with governed(engine) as c:
                return caseload(c, reg, actor, "direct_care", email=None, now=NOW)

        searched(SearchQuery(name="Warm Up", date_of_birth="1 Jan 1950"))()
        found = _time("search_persons", [searched(_typed(r, rng)) for r in rows])
        hits = [len(getattr(f, "hits", ())) for f in found]
        print(f"  {'':<34} {np.mean(hits):.1f} hits a search, "
              f"{sum(1 for h in hits if h) / len(hits):.0%} with at least one", flush=True)
        [load] = _time("caseload (team)", [team])
        _time("caseload (team)", [team for _ in range(max(5, calls // 10))])
        mine = sorted({e.person_id for e in load})  # type: ignore[attr-defined]
        known = _known(engine, actor)
        # half the team's own clients (every panel), half anyone the agency knows
        chosen = [rng.choice(mine if i % 2 else known) for i in range(calls)]
        _time("person_view", [opened(p, person_view) for p in chosen])
        _time("involved", [opened(p, involved) for p in chosen])


def _known(engine: Engine, actor: Actor) -> list[int]:
    """Persons with a record at the actor's own agency."""
    with engine.connect() as c:
        return list(c.execute(
            select(person_link.c.person_id).distinct()
            .join(source_record.table,
                  source_record.table.c.id == person_link.c.source_record_id)
            .join(source, source.c.id == source_record.table.c.source_id)
            .join(agency, agency.c.id == source.c.agency_id)
            .where(agency.c.name == actor.organisation)).scalars())


def fresh_pg_schema(keep: str | None) -> str | None:
    try:
        admin = create_engine(PG)
        schema = keep or f"bench_{uuid.uuid4().hex[:8]}"
        with admin.begin() as c:
            c.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
        admin.dispose()
    except Exception as exc:
        print(f"PostgreSQL skipped: {exc}".splitlines()[0])
        return None
    return f"{PG}?options=-csearch_path%3D{schema}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/joinedup-views"))
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    print(f"# {platform.machine()} {platform.system()}, Python {platform.python_version()}, "
          f"{date.today()}; {args.people:,} people")
    work = args.workdir / str(args.people)
    county = work / "county"
    if not (county / "manifest.yaml").exists():
        generate_county(county, people=args.people, seed=42)
    sqlite = work / "hub.db"
    url = f"sqlite:///{sqlite}"
    if not sqlite.exists():
        started = time.perf_counter()
        build_store(url, county)
        print(f"SQLite store built in {time.perf_counter() - started:.0f} s")
    measure(url, "SQLite", args.calls)
    if args.skip_pg:
        return
    marker = work / "pg-schema"
    schema = marker.read_text() if marker.exists() else f"views_{args.people}"
    pg = fresh_pg_schema(schema)
    if pg is None:
        return
    if not marker.exists():
        started = time.perf_counter()
        build_store(pg, county)
        marker.write_text(schema)
        print(f"PostgreSQL store built in {time.perf_counter() - started:.0f} s")
    measure(pg, "PostgreSQL", args.calls)


if __name__ == "__main__":
    main()
