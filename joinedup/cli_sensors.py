"""``joinedup sensors``: register sensors, ingest their readings, and read them back.

Thin over ``joinedup.sensors``: each file ingested is one batch in one transaction, and its
summary shows every count and the problems, as ``joinedup loads list`` does for sources.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from joinedup import sensors
from joinedup.cli_base import DbOption, out, progress, settings_for, store, utcnow
from joinedup.errors import BadInput
from joinedup.sensors import Bucket, IngestReport, ReadingProblem
from joinedup.sensors.times import to_datetime, to_seconds

WHEN = "YYYY-MM-DD[THH:MM[:SS]]"
FromOption = Annotated[str, typer.Option("--from", metavar=WHEN,
                                         help="From this time on (UTC).")]
ToOption = Annotated[str | None, typer.Option(
    "--to", metavar=WHEN, help="Up to, not including, this time (UTC; default: now).")]
COUNT_COLUMNS = ("read", "accepted", "duplicates", "corrected", "late", "out of order",
                 "rejected")


def _moment(value: str | None, option: str) -> datetime:
    """A time option as naive UTC; a date alone is its midnight."""
    if value is None:
        return utcnow()
    try:
        return to_datetime(to_seconds(datetime.fromisoformat(value.strip())))
    except ValueError:
        raise BadInput(f"{option}: expected a time as {WHEN}, got {value!r}") from None


def _number(value: float) -> str:
    return f"{value:,.6g}"


def register_command(
    registry: Annotated[Path, typer.Argument(metavar="REGISTRY",
                                             help="The registry file: CSV or YAML.")],
    db: DbOption = None,
) -> None:
    """Register the sensors a registry file lists.

    New sensors are added and changed ones updated, by code; the file is checked whole first.
    """
    specs = sensors.read_registry(registry)
    with store(db) as engine, engine.begin() as connection:
        report = sensors.register(connection, specs, now=utcnow())
    out.print(f"{len(specs):,} sensors in {registry}: {report.new:,} new, {report.updated:,} "
              f"updated, {report.unchanged:,} unchanged", highlight=False)


def ingest_command(
    files: Annotated[list[Path], typer.Argument(metavar="FILE...",
                                                help="Readings files: CSV or JSON Lines.")],
    received_by: Annotated[str | None, typer.Option(
        help="Who sent them (default: $JOINEDUP_OPERATOR).")] = None,
    show: Annotated[int, typer.Option(help="Show at most this many problems a batch.")] = 20,
    db: DbOption = None,
) -> None:
    """Ingest files of readings, one batch each.

    Shows what became of every reading (accepted, duplicate, corrected, late, out of order,
    rejected) and the problems.
    """
    sender = received_by or settings_for(db).operator
    reports: list[tuple[Path, IngestReport]] = []
    with store(db) as engine:
        for path in files:
            with sensors.ingest_transaction(engine) as connection, \
                    progress(f"ingesting {path.name}") as update:
                reports.append((path, sensors.ingest_file(
                    connection, path, received_by=sender, now=utcnow(), progress=update)))
    table = Table(title="Ingested" if len(reports) > 1 else None)
    for name in ("batch", "file", *COUNT_COLUMNS):
        table.add_column(name, justify="left" if name == "file" else "right")
    for path, r in reports:
        table.add_row(str(r.batch_id), escape(str(path)), *(f"{v:,}" for v in (
            r.read, r.accepted, r.duplicates, r.corrected, r.late, r.out_of_order,
            r.rejected)))
    out.print(table)
    for path, r in reports:
        if r.problems:
            _problems(r.problems[:show], f"Problems in batch {r.batch_id} ({path.name}): "
                      f"{min(show, r.rejected):,} of {r.rejected:,}")
    flagged = [str(r.batch_id) for _, r in reports if r.rejected > show]
    if flagged:
        out.print(f"See every problem with: joinedup sensors batch BATCH_ID (batch "
                  f"{', '.join(flagged)})")


def _problems(problems: tuple[ReadingProblem, ...] | list[ReadingProblem], title: str) -> None:
    table = Table(title=title, title_justify="left")
    for name in ("where", "sensor", "observed at", "value", "problem", "expected"):
        table.add_column(name, overflow="fold")
    for p in problems:
        table.add_row(*(escape(v) for v in (p.where, p.sensor, p.observed_at, p.value, p.what,
                                            p.expected)))
    out.print(table)


def batches_command(limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
                    db: DbOption = None) -> None:
    """List batches of readings, newest first, with their counts."""
    with store(db) as engine, engine.connect() as connection:
        rows = sensors.batches(connection, limit=limit)
    if not rows:
        out.print("No batches yet: try joinedup sensors ingest FILE")
        return
    table = Table()
    for name in ("batch", "source", "received by", "received", *COUNT_COLUMNS):
        table.add_column(name, justify="left" if name in ("source", "received by", "received")
                         else "right")
    for b in rows:
        table.add_row(str(b.id), escape(b.source), escape(b.received_by),
                      f"{b.received_at:%Y-%m-%d %H:%M}", *(f"{v:,}" for v in (
                          b.read, b.accepted, b.duplicates, b.corrected, b.late,
                          b.out_of_order, b.rejected)))
    out.print(table)


def batch_command(
    batch_id: Annotated[int, typer.Argument(metavar="BATCH_ID", help="The batch to show.")],
    limit: Annotated[int, typer.Option(help="At most this many problems and corrections."
                                       )] = 1000,
    db: DbOption = None,
) -> None:
    """Show one batch: counts, problems, corrections."""
    with store(db) as engine, engine.connect() as connection:
        b, problems, corrections = sensors.batch(connection, batch_id, limit=limit)
    out.print(f"[bold]Batch {b.id}[/bold]: {escape(b.source)}, from {escape(b.received_by)} "
              f"at {b.received_at:%Y-%m-%d %H:%M:%S}")
    out.print(", ".join(f"{name} {v:,}" for name, v in zip(COUNT_COLUMNS, (
        b.read, b.accepted, b.duplicates, b.corrected, b.late, b.out_of_order, b.rejected),
        strict=True)), highlight=False)
    if problems:
        _problems(problems, f"Problems: {len(problems):,} of {b.rejected:,}")
    if corrections:
        table = Table(title=f"Corrected values: {len(corrections):,} of {b.corrected:,}",
                      title_justify="left")
        for name in ("sensor", "observed at", "was", "now"):
            table.add_column(name, justify="right" if name in ("was", "now") else "left")
        for c in corrections:
            table.add_row(escape(c.code), f"{c.observed_at:%Y-%m-%d %H:%M:%S}",
                          _number(c.old_value), _number(c.new_value))
        out.print(table)


def latest_command(
    codes: Annotated[list[str] | None, typer.Argument(
        metavar="[CODE...]", help="Only these sensors (default: all).")] = None,
    db: DbOption = None,
) -> None:
    """The latest reading of each sensor."""
    with store(db) as engine, engine.connect() as connection:
        rows = sensors.latest(connection, codes or None)
    if not rows:
        out.print("No readings yet: try joinedup sensors ingest FILE")
        return
    now = utcnow()
    table = Table()
    for name in ("sensor", "observed at", "value", "unit", "age"):
        table.add_column(name, justify="right" if name in ("value", "age") else "left")
    for r in rows:
        table.add_row(escape(r.code), f"{r.observed_at:%Y-%m-%d %H:%M:%S}",
                      _number(r.value), escape(r.unit),
                      _duration(int((now - r.observed_at).total_seconds())))
    out.print(table)


def _duration(seconds: int) -> str:
    """Whole days, hours, minutes or seconds, the largest that fits."""
    for unit, size in (("d", 86_400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size:,} {unit}"
    return f"{max(seconds, 0)} s"


def rollup_command(
    code: Annotated[str, typer.Argument(metavar="CODE", help="The sensor.")],
    start: FromOption,
    end: ToOption = None,
    period: Annotated[str, typer.Option(help="hour, day, week (from Monday) or month.")
                      ] = "day",
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", metavar="FILE.csv", help="Write the buckets to a CSV file.")] = None,
    db: DbOption = None,
) -> None:
    """Count, sum, mean, min, max, p95 by period.

    Of one sensor's readings, by UTC hour, day, week (from Monday) or month.
    """
    first, last = _moment(start, "--from"), _moment(end, "--to")
    with store(db) as engine, engine.connect() as connection:
        buckets = sensors.rollup(connection, code, period, first, last)
    if output is not None:
        _write_rollup(output, buckets)
        out.print(f"wrote {len(buckets):,} {period} buckets of {escape(code)} to {output}",
                  highlight=False)
        return
    table = Table(title=f"{code} by {period} (UTC)", title_justify="left")
    for name in ("start", "count", "sum", "mean", "min", "max", "p95"):
        table.add_column(name, justify="left" if name == "start" else "right")
    for b in buckets:
        table.add_row(f"{b.start:%Y-%m-%d %H:%M}", f"{b.count:,}",
                      *(_number(v) for v in (b.sum, b.mean, b.min, b.max, b.p95)))
    out.print(table if buckets else "No readings in that range.")


def _write_rollup(path: Path, buckets: list[Bucket]) -> None:
    try:
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(("start", "count", "sum", "mean", "min", "max", "p95"))
            writer.writerows((f"{b.start:%Y-%m-%dT%H:%M:%SZ}", b.count, repr(b.sum),
                              repr(b.mean), repr(b.min), repr(b.max), repr(b.p95))
                             for b in buckets)
    except OSError as exc:
        raise BadInput(f"{path}: cannot write the rollup: {exc.strerror}") from exc


def gaps_command(
    code: Annotated[str, typer.Argument(metavar="CODE", help="The sensor.")],
    start: FromOption,
    end: ToOption = None,
    db: DbOption = None,
) -> None:
    """When a sensor fell silent.

    Every gap longer than one and a half of its intervals, with the readings missing.
    """
    first, last = _moment(start, "--from"), _moment(end, "--to")
    with store(db) as engine, engine.connect() as connection:
        found = sensors.gaps(connection, code, first, last)
    if not found:
        out.print(f"No gaps in {escape(code)} from {first:%Y-%m-%d %H:%M} to "
                  f"{last:%Y-%m-%d %H:%M} UTC.", highlight=False)
        return
    table = Table(title=f"Gaps in {code}: {len(found):,}, {sum(g.missing for g in found):,} "
                        "readings missing", title_justify="left")
    for name in ("last reading", "next reading", "missing"):
        table.add_column(name, justify="right" if name == "missing" else "left")
    for g in found:
        table.add_row(f"{g.start:%Y-%m-%d %H:%M}", f"{g.end:%Y-%m-%d %H:%M}", f"{g.missing:,}")
    out.print(table)


def list_command(db: DbOption = None) -> None:
    """The registered sensors."""
    with store(db) as engine, engine.connect() as connection:
        found = sensors.sensors(connection)
    if not found:
        out.print("No sensors yet: try joinedup sensors register REGISTRY")
        return
    table = Table()
    for name in ("code", "kind", "unit", "name", "ward", "every", "easting", "northing"):
        table.add_column(name, justify="right" if name in ("every", "easting", "northing")
                         else "left")
    for s in found:
        table.add_row(escape(s.code), escape(s.kind), escape(s.unit), escape(s.name),
                      escape(s.ward or ""), _duration(s.interval_seconds),
                      f"{s.easting:,.0f}", f"{s.northing:,.0f}")
    out.print(table)
