"""Linking records as they load: milliseconds a record, with a large county already linked.

    python bench/link_incremental.py                      # 100,000 people, 200 new records
    python bench/link_incremental.py --people 1000000     # the issue's scale (slow to set up)

Writes a synthetic county, loads every feed except the last ``--new`` library members into a
fresh SQLite store, runs a batch ``joinedup link``, then loads those members and links them
one by one as ``joinedup ingest`` does, and prints the median, p95 and maximum time a record
(candidates from the key index, scoring, safeguards, clustering and writing its link).
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

from joinedup.link.incremental import link_load
from joinedup.link.run import link
from joinedup.sources.ingest import ingest
from joinedup.sources.manifest import load_manifest
from joinedup.store.database import open_store
from joinedup.synth import generate_county


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=200)
    args = parser.parse_args()
    print(f"# {platform.machine()} {platform.system()}, Python {platform.python_version()}, "
          f"{date.today()}; {args.people:,} people, {args.new} records linked as they load")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        generate_county(out / "county", people=args.people, seed=42)
        entries = load_manifest(out / "county" / "manifest.yaml")
        [libraries] = [e for e in entries if e.definition.name == "libraries"]
        header, *rows = libraries.data.read_text(encoding="utf-8").splitlines(keepends=True)
        (out / "early.csv").write_text("".join([header, *rows[:-args.new]]), encoding="utf-8")
        (out / "late.csv").write_text("".join([header, *rows[-args.new:]]), encoding="utf-8")
        with open_store(f"sqlite:///{out / 'hub.db'}") as engine:
            clock = time.perf_counter()
            for entry in entries:
                path = out / "early.csv" if entry is libraries else entry.data
                ingest(definition=entry.definition, path=path, engine=engine, operator="bench")
            print(f"ingest  {time.perf_counter() - clock:7.1f} s")
            batch = link(engine, operator="bench")
            print(f"link    {batch.seconds:7.1f} s  ({batch.records:,} records already linked)")
            report = ingest(definition=libraries.definition, path=out / "late.csv",
                            engine=engine, operator="bench")
            linked = link_load(engine, report.load.id, operator="bench")
    assert linked is not None
    ms = np.array(linked.milliseconds)
    print(f"per record: median {np.median(ms):.1f} ms, p95 {np.percentile(ms, 95):.1f} ms, "
          f"max {ms.max():.1f} ms ({linked.records} records: {linked.joined} joined a person, "
          f"{linked.new_persons} new)")


if __name__ == "__main__":
    main()
