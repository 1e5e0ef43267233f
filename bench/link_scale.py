"""Linkage at scale: a million person records from seven sources, joinedup against plain Splink.

    python bench/link_scale.py                         # ~1,030,000 records (840,000 people)
    python bench/link_scale.py --people 50000          # a quick look
    python bench/link_scale.py --workdir /tmp/scale    # keep the county and store between runs

The synthetic county's seven person feeds are loaded into a SQLite store. Then, each in its own
process so that its peak memory is its own (resident set of the process and its children,
sampled every 0.2 s):

* joinedup: ``joinedup link`` (train, score, cluster, write persons, links and the key index);
* plain Splink 5 on DuckDB, written as a Splink user would: the records as ``joinedup export
  records`` writes them, Splink's library comparisons for names, date of birth, postcode, NHS
  number, email, phone and address, five blocking rules, u from 10 million random pairs, EM on
  two blocking passes, predict, and clusters at match probability 0.95.

Both are scored pairwise against the county's truth.csv. Prints seconds, peak memory and
precision, recall and F1 for each, and the ratio of their times.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

import psutil

PERSON_SOURCES = ("asc_clients", "childrens_services", "community_health", "council_tax",
                  "fire_home_safety", "libraries", "police")
Key = tuple[str, str]


def measured(command: list[str]) -> tuple[float, float]:
    """Run ``command``; its seconds and peak resident memory (GB) with its children."""
    started = time.perf_counter()
    process = subprocess.Popen(command)
    watched = psutil.Process(process.pid)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            try:
                total = watched.memory_info().rss + sum(
                    c.memory_info().rss for c in watched.children(recursive=True))
            except psutil.Error:
                total = 0
            peak = max(peak, total)
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = process.wait()
    done.set()
    sampler.join()
    if code:
        raise SystemExit(f"{' '.join(command)} failed ({code})")
    return time.perf_counter() - started, peak / 1e9


def splink_job(records_csv: Path, out_csv: Path) -> None:
    """Plain Splink 5, as a user would write it (runs in its own process)."""
    import duckdb
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    connection = duckdb.connect()
    frame = connection.sql(f"""SELECT source || ':' || record_id AS unique_id, * EXCLUDE
                               (identifiers) FROM read_csv('{records_csv}', all_varchar=true)""")
    db_api = DuckDBAPI(connection)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("family_name"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True),
            cl.PostcodeComparison("postcode"),
            cl.ExactMatch("nhs_number"),
            cl.EmailComparison("email"),
            cl.ExactMatch("phone"),
            cl.LevenshteinAtThresholds("address", [2, 5]),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("nhs_number"),
            block_on("given_name", "family_name"),
            block_on("date_of_birth", "substr(family_name, 1, 1)"),
            block_on("postcode", "substr(given_name, 1, 1)"),
            block_on("email"),
        ],
    )
    linker = Linker(db_api.register(frame), settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "family_name", "date_of_birth")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("given_name", "family_name"))
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=0.95)
    clusters.as_duckdbpyrelation().select("unique_id, cluster_id").write_csv(str(out_csv))


def pairs_within(groups: dict[str, list[Key]]) -> set[tuple[Key, Key]]:
    return {(a, b) if a < b else (b, a) for g in groups.values()
            for a, b in itertools.combinations(g, 2)}


def score(predicted: set[tuple[Key, Key]], truth: set[tuple[Key, Key]]) -> str:
    tp = len(predicted & truth)
    p, r = tp / max(len(predicted), 1), tp / len(truth)
    return f"P {p:.4f}  R {r:.4f}  F1 {2 * p * r / max(p + r, 1e-9):.4f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=840_000)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--skip-splink", action="store_true")
    parser.add_argument("--splink-job", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.splink_job:
        splink_job(*args.splink_job)
        return
    work = args.workdir or Path(tempfile.mkdtemp(prefix="joinedup-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    joinedup = [sys.executable, "-m", "joinedup"]
    url = f"sqlite:///{work / 'hub.db'}"
    print(f"# {platform.machine()} {platform.system()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, {date.today()}; {args.people:,} people in {work}")
    county = work / "county"
    if not (county / "truth.csv").exists():
        subprocess.run([*joinedup, "synth", str(county), "--people", str(args.people)],
                       check=True)
    if not (work / "hub.db").exists():
        for source in PERSON_SOURCES:
            data = next((county / "data").glob(f"{source}.*"))
            subprocess.run([*joinedup, "ingest", str(county / "definitions" / f"{source}.yaml"),
                            str(data), "--db", url, "--no-link"], check=True,
                           stdout=subprocess.DEVNULL)
    subprocess.run([*joinedup, "export", "records", "-o", str(work / "records.csv"), "--db",
                    url], check=True)
    with (county / "truth.csv").open() as f:
        who = {(r["source"], r["record_id"]): r["person"] for r in csv.DictReader(f)}
    with (work / "records.csv").open() as f:
        loaded = {(r["source"], r["record_id"]) for r in csv.DictReader(f)}
    groups: dict[str, list[Key]] = defaultdict(list)
    for record in loaded:
        groups[who[record]].append(record)
    truth = pairs_within(groups)
    print(f"{len(loaded):,} person records, {len(truth):,} true pairs")

    seconds, gigabytes = measured([*joinedup, "link", "--retrain", "--db", url])
    subprocess.run([*joinedup, "export", "links", "-o", str(work / "links.csv"), "--db", url],
                   check=True, stdout=subprocess.DEVNULL)
    made: dict[str, list[Key]] = defaultdict(list)
    with (work / "links.csv").open() as f:
        for r in csv.DictReader(f):
            made[r["person_id"]].append((r["source"], r["record_id"]))
    print(f"joinedup      {seconds:7.1f} s  peak {gigabytes:5.2f} GB  "
          f"{score(pairs_within(made), truth)}")
    if args.skip_splink:
        return
    out = work / "splink_clusters.csv"
    splink_seconds, splink_gb = measured([sys.executable, __file__, "--splink-job",
                                          str(work / "records.csv"), str(out)])
    clusters: dict[str, list[Key]] = defaultdict(list)
    with out.open() as f:
        for r in csv.DictReader(f):
            source, record_id = r["unique_id"].split(":", 1)
            clusters[r["cluster_id"]].append((source, record_id))
    print(f"plain Splink  {splink_seconds:7.1f} s  peak {splink_gb:5.2f} GB  "
          f"{score(pairs_within(clusters), truth)}")
    print(f"joinedup / Splink time: {seconds / splink_seconds:.2f}x")


if __name__ == "__main__":
    main()
