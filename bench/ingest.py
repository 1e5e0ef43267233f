"""Ingest benchmark: joinedup against the naive pandas path, in the same run, on the same file.

    python bench/ingest.py                      # 280,000 rows into SQLite and PostgreSQL
    python bench/ingest.py --rows 2000000 --memory   # peak RSS of a 2M-row CSV ingest
    python bench/ingest.py --rows 2000000 --memory --no-link   # the load alone
    python bench/ingest.py --synth 1000000      # time `joinedup synth` for 1M people

The peer is what a council analyst would write: ``pandas.read_csv`` + ``DataFrame.to_sql`` with
no validation at all, into the same database. Prints rows/s for each and the ratio.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from joinedup.sources.definition import load_definition
from joinedup.sources.ingest import ingest
from joinedup.standardise import nhs_check_digit
from joinedup.store.database import open_store
from joinedup.synth import names_data

HERE = Path(__file__).parent
OUT = HERE / "out"
PG_URL = os.environ.get("JOINEDUP_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

DEFINITION = """\
name: bench_people
agency: Benchmark Agency
format: csv
record_id: id
fields:
  given_name: forename
  family_name: surname
  date_of_birth: {column: dob, format: "%d/%m/%Y"}
  sex: sex
  nhs_number: nhs_no
  address: [address1, town]
  postcode: postcode
  phone: phone
  email: email
"""

GIVEN = sorted({name for sex in "MF" for decade in names_data.DECADES
                for name in names_data.given_names(sex, decade)})
FAMILY = names_data.split_names(names_data.BRITISH_SURNAMES)
TOWNS = [("Norwich", "NR"), ("Thetford", "IP"), ("King's Lynn", "PE"), ("Cromer", "NR"),
         ("Great Yarmouth", "NR"), ("Dereham", "NR"), ("Diss", "IP")]
STREETS = ["High Street", "Church Lane", "Mill Road", "Station Road", "The Street", "Manor Close"]


def make_csv(path: Path, rows: int, seed: int = 1) -> None:
    """A realistic person file: repeated names and dates, unique ids and NHS numbers."""
    rng = random.Random(seed)
    start = date(1925, 1, 1)
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    # A county has some tens of thousands of postcodes, shared by its households.
    postcodes = [f"{area}{rng.randrange(1, 30)} {rng.randrange(1, 9)}{rng.choice(letters)}"
                 f"{rng.choice(letters)}" for _, area in TOWNS for _ in range(4000)]
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "forename", "surname", "dob", "sex", "nhs_no", "address1", "town",
                    "postcode", "phone", "email"])
        nine = 400_000_000
        for i in range(rows):
            while True:
                nine += 1
                check = nhs_check_digit(str(nine))
                if check is not None:
                    break
            given, family = rng.choice(GIVEN), rng.choice(FAMILY)
            town, _ = rng.choice(TOWNS)
            dob = start + timedelta(days=rng.randrange(35000))
            w.writerow([
                f"R{i:08d}", given, family, dob.strftime("%d/%m/%Y"), rng.choice("MF"),
                f"{nine}{check}" if rng.random() > 0.1 else "",
                f"{rng.randrange(1, 200)} {rng.choice(STREETS)}", town,
                rng.choice(postcodes),
                f"01603 {rng.randrange(100000, 999999)}" if rng.random() > 0.3 else "",
                f"{given.lower()}.{family.lower()}{i % 97}@example.org" if rng.random() > 0.5
                else "",
            ])


def fresh_database(kind: str, workdir: Path) -> str:
    if kind == "sqlite":
        db = workdir / "bench.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{db}"
    engine = create_engine(PG_URL)
    with engine.begin() as c:
        c.execute(text("DROP SCHEMA IF EXISTS bench CASCADE"))
        c.execute(text("CREATE SCHEMA bench"))
    engine.dispose()
    return PG_URL + "?options=-csearch_path%3Dbench"


def time_joinedup(url: str, csv_path: Path, def_path: Path) -> tuple[float, int]:
    with open_store(url) as engine:
        started = time.perf_counter()
        report = ingest(definition=load_definition(def_path), path=csv_path, engine=engine,
                        operator="bench")
        return time.perf_counter() - started, report.load.accepted


def time_pandas(url: str, csv_path: Path) -> float:
    import pandas as pd

    engine = create_engine(url)
    started = time.perf_counter()
    frame = pd.read_csv(csv_path, dtype=str)
    frame.to_sql("pandas_people", engine, if_exists="replace", index=False, chunksize=10_000)
    seconds = time.perf_counter() - started
    engine.dispose()
    return seconds


def prepare(rows: int) -> tuple[Path, Path]:
    """The benchmark CSV of ``rows`` rows (made once, then reused) and its definition."""
    OUT.mkdir(exist_ok=True)
    csv_path = OUT / f"people_{rows}.csv"
    if not csv_path.exists():
        make_csv(csv_path, rows)
    def_path = OUT / "bench_people.yaml"
    def_path.write_text(DEFINITION)
    return csv_path, def_path


def measured(command: list[str]) -> tuple[float, float, float]:
    """Run ``command``; return its seconds and the peak, in MB, of its whole process tree (a
    load's worker process included), sampled every 50 ms: of the resident set, and of the
    resident set less file-backed pages (what the processes allocated; the database file
    SQLite maps for reading is in the first but not the second)."""
    import psutil

    started = time.perf_counter()
    process = psutil.Popen(command, stdout=subprocess.DEVNULL)
    peak = peak_anonymous = 0
    while process.poll() is None:
        try:
            tree = [process, *process.children(recursive=True)]
            memory = [p.memory_info() for p in tree if p.is_running()]
            peak = max(peak, sum(m.rss for m in memory))
            peak_anonymous = max(peak_anonymous, sum(m.rss - m.shared for m in memory))
        except psutil.NoSuchProcess:
            pass
        time.sleep(0.05)
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed with exit code {process.returncode}")
    return time.perf_counter() - started, peak / 2**20, peak_anonymous / 2**20


def run_speed(rows: int, backends: list[str]) -> None:
    csv_path, def_path = prepare(rows)
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            url = fresh_database(backend, Path(tmp))
            ours, accepted = time_joinedup(url, csv_path, def_path)
            theirs = time_pandas(url, csv_path)
            print(f"{backend:10} joinedup {rows / ours:>10,.0f} rows/s ({ours:.2f} s, "
                  f"{accepted:,} accepted) | pandas read_csv+to_sql {rows / theirs:>10,.0f} "
                  f"rows/s ({theirs:.2f} s) | ratio {theirs / ours:.2f}")


def run_memory(rows: int, link: bool) -> None:
    csv_path, def_path = prepare(rows)
    with tempfile.TemporaryDirectory() as tmp:
        url = fresh_database("sqlite", Path(tmp))
        seconds, peak_mb, anonymous_mb = measured([
            sys.executable, "-m", "joinedup", "ingest", str(def_path), str(csv_path), "--db", url,
            "--link" if link else "--no-link"])
    size_mb = csv_path.stat().st_size / 1e6
    print(f"memory     {rows:,} rows ({size_mb:,.0f} MB CSV) into SQLite: peak RSS "
          f"{peak_mb:,.0f} MB ({anonymous_mb:,.0f} MB without file-backed pages), "
          f"{seconds:.1f} s ({rows / seconds:,.0f} rows/s)")


def run_synth(people: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        seconds, peak_mb, _ = measured([sys.executable, "-m", "joinedup", "synth",
                                        f"{tmp}/county", "--people", str(people)])
    print(f"synth      {people:,} people in {seconds:.1f} s, peak RSS {peak_mb:,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=280_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--memory", action="store_true", help="measure peak RSS instead")
    parser.add_argument("--no-link", dest="link", action="store_false",
                        help="with --memory: the load alone, without the CLI's linking step")
    parser.add_argument("--synth", type=int, metavar="PEOPLE", help="time the synthetic county")
    args = parser.parse_args()
    print(f"# {platform.node()} {platform.machine()} {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}")
    if args.synth:
        run_synth(args.synth)
    elif args.memory:
        run_memory(args.rows, args.link)
    else:
        run_speed(args.rows, ["sqlite", "postgres"] if args.backend == "both"
                  else [args.backend])


if __name__ == "__main__":
    main()
