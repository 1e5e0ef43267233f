"""Linkage accuracy on the synthetic county against its ground truth (truth.csv).

    python bench/link_county.py                  # 100,000 people (the issue's figure)
    python bench/link_county.py --people 5000    # a quick look

Writes the county (seeded, so the same every time), loads every feed into a fresh SQLite
store, runs ``joinedup link`` at its defaults and scores pairwise over the persons it made:
precision, recall and F1, plus blocking recall (the share of true pairs any blocking rule
proposes) and seconds for each stage. Records the ingest quarantined are left out of the truth.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import platform
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import duckdb
import numpy as np

from joinedup.link import engine as scoring
from joinedup.link.charts import weight_histogram
from joinedup.link.features import features_table, person_records
from joinedup.link.run import (
    DEFAULT_REVIEW_FROM,
    DEFAULT_THRESHOLD,
    latest_model,
    link,
    model_identifiers,
)
from joinedup.sources.ingest import ingest
from joinedup.sources.manifest import load_manifest
from joinedup.store.database import open_store
from joinedup.store.export import export_links
from joinedup.synth import generate_county

Key = tuple[str, str]


def pairs_within(groups: Iterable[list[Key]]) -> set[tuple[Key, Key]]:
    return {(a, b) if a < b else (b, a) for g in groups for a, b in itertools.combinations(g, 2)}


def blocking_recall(rows: list[dict[str, object]], model: dict[str, object],
                    truth: set[tuple[Key, Key]]) -> float:
    """The share of true pairs that at least one blocking rule puts together."""
    features = features_table(rows, identifiers=model_identifiers(model))
    connection = duckdb.connect()
    connection.register("f", features)
    rules = [r["blocking_rule"] for r in model["blocking_rules_to_generate_predictions"]]
    union = " UNION ".join(f"SELECT l.source_dataset, l.record_id, r.source_dataset, "
                           f"r.record_id FROM f l JOIN f r ON ({rule}) "
                           f"AND l.unique_id < r.unique_id" for rule in rules)
    found = {pair for a, b, c, d in connection.sql(union).fetchall()
             for pair in [((a, b), (c, d)) if (a, b) < (c, d) else ((c, d), (a, b))]}
    return len(found & truth) / len(truth)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--chart", type=Path, help="Also draw the weight distribution (SVG).")
    args = parser.parse_args()
    print(f"# {platform.machine()} {platform.system()}, Python {platform.python_version()}, "
          f"{date.today()}; {args.people:,} people, seed {args.seed}")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        clock = time.perf_counter()
        generate_county(out / "county", people=args.people, seed=args.seed)
        print(f"synth   {time.perf_counter() - clock:7.1f} s")
        with open_store(f"sqlite:///{out / 'hub.db'}") as engine:
            clock = time.perf_counter()
            for entry in load_manifest(out / "county" / "manifest.yaml"):
                ingest(definition=entry.definition, path=entry.data, engine=engine,
                       operator="bench")
            print(f"ingest  {time.perf_counter() - clock:7.1f} s")
            report = link(engine, operator="bench")
            print(f"link    {report.seconds:7.1f} s  ({report.records:,} records, "
                  f"{report.pairs:,} pairs scored, {report.persons:,} persons, "
                  f"{report.to_review:,} to review)")
            rows: list[list[str]] = []

            class Rows:
                def writerow(self, row: Iterable[object]) -> None:
                    rows.append([str(v) for v in row])

            export_links(engine, Rows())
            with engine.connect() as connection:
                records = person_records(connection)
                stored = latest_model(connection)
        with (out / "county" / "truth.csv").open() as f:
            who = {(r["source"], r["record_id"]): r["person"] for r in csv.DictReader(f)}
    linked = {(r[0], r[1]): r[2] for r in rows[1:]}
    true_groups: dict[str, list[Key]] = defaultdict(list)
    for record, person in who.items():
        if record in linked:
            true_groups[person].append(record)
    made: dict[str, list[Key]] = defaultdict(list)
    for record, person in linked.items():
        made[person].append(record)
    truth, predicted = pairs_within(true_groups.values()), pairs_within(made.values())
    tp = len(truth & predicted)
    p, r = tp / len(predicted), tp / len(truth)
    print(f"pairwise precision {p:.4f}  recall {r:.4f}  F1 {2 * p * r / (p + r):.4f}  "
          f"({len(truth):,} true pairs, {len(predicted) - tp:,} false, {len(truth) - tp:,} "
          "missed)")
    assert stored is not None
    print(f"blocking recall {blocking_recall(records, stored[1], truth):.4f}")
    if args.chart:
        draw(args.chart, records, stored[1], truth, args.people)


def draw(path: Path, records: list[dict[str, object]], model: dict[str, object],
         truth: set[tuple[Key, Key]], people: int) -> None:
    """The match weights of every scored pair, true and false, as docs/linkage.md shows."""
    features = features_table(records, identifiers=model_identifiers(model))
    scored = scoring.score(features, model, min_weight=-40)  # every blocked pair, near enough
    weight = scored.column("match_weight").to_numpy()
    key = {r["id"]: (r["source"], r["record_id"]) for r in records}
    same = np.array([(key[a], key[b]) in truth or (key[b], key[a]) in truth
                     for a, b in zip(scored.column("unique_id_l").to_pylist(),
                                     scored.column("unique_id_r").to_pylist(), strict=True)],
                    dtype=bool)
    path.write_text(weight_histogram(
        [("one person", weight[same]), ("two people", weight[~same])],
        threshold=DEFAULT_THRESHOLD, review_from=DEFAULT_REVIEW_FROM,
        title=f"Match weights of scored pairs, synthetic county of {people:,} people"),
        encoding="utf-8")
    print(f"chart written to {path}")


if __name__ == "__main__":
    main()
