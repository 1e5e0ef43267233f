"""The ``joinedup`` command: a thin shell over the library, one function call per command.

Exit codes: 0 success, 1 failure, 2 bad input (a wrong definition, an unreadable file, a bad
option). Errors are one readable message on stderr, never a stack trace.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from joinedup import (
    __version__,
    cli_audit,
    cli_changes,
    cli_citizen,
    cli_dpo,
    cli_objections,
    cli_opendata,
    cli_places,
    cli_retention,
    cli_rights,
    cli_sensors,
    cli_serve,
    cli_users,
)
from joinedup.cli_base import (
    App,
    DbOption,
    acting_as,
    err,
    out,
    settings_for,
    store,
    utcnow,
)
from joinedup.cli_base import (
    progress as progress_bar,
)
from joinedup.errors import BadInput, StoreError
from joinedup.govern import exports
from joinedup.govern import register as agreement_register
from joinedup.govern.agreements import Agreement, lint, read_directory
from joinedup.govern.register import register
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import Role
from joinedup.link.explain import explain_records
from joinedup.link.incremental import IncrementalReport, link_load
from joinedup.link.review import decide, list_reviews, record_key
from joinedup.link.run import DEFAULT_REVIEW_FROM, DEFAULT_THRESHOLD, link
from joinedup.places import build as places_build
from joinedup.sources.definition import load_definition
from joinedup.sources.ingest import LoadReport, ingest
from joinedup.sources.manifest import load_manifest
from joinedup.store import database, loads

app = App(no_args_is_help=True, add_completion=False,
                  rich_markup_mode=None,
                  help="joinedup: join what a council and its partners hold about the same "
                       "people and places, safely, securely and legally.")
db_app = App(help="Create and upgrade the database schema.", no_args_is_help=True)
loads_app = App(help="What was loaded: counts, quarantined rows, warnings.",
                        no_args_is_help=True)
export_app = App(help="Write hub data to files.", no_args_is_help=True)
sources_app = App(help="Check source definitions.", no_args_is_help=True)
review_app = App(help="Pairs the linkage could not decide: list, accept, reject.",
                  no_args_is_help=True)
agreements_app = App(help="Data-sharing agreements: check, load and list them.",
                      no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(loads_app, name="loads")
app.add_typer(export_app, name="export")
app.add_typer(sources_app, name="sources")
app.add_typer(review_app, name="review")
app.add_typer(agreements_app, name="agreements")

LinkOption = Annotated[bool, typer.Option(
    help="Link new and changed person records as they load (once joinedup link has run).")]


def _version(value: bool) -> None:
    if value:
        out.print(f"joinedup {__version__}")
        raise typer.Exit()


@app.callback()
def root(version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Show the version and exit.")
        ] = False) -> None:
    """joinedup: one view of the people and places a council and its partners serve."""


# -- ingest ---------------------------------------------------------------------------------

@app.command("ingest")
def ingest_command(
    definition: Annotated[Path, typer.Argument(help="The source definition (YAML).")],
    data: Annotated[Path, typer.Argument(help="The data file to load.")],
    force: Annotated[bool, typer.Option(help="Load even if this exact file was the source's "
                                             "latest load.")] = False,
    link: LinkOption = True,
    db: DbOption = None,
) -> None:
    """Load one data file of a source, all or nothing.

    Every row is validated and standardised; unusable rows are quarantined and bad optional
    values warned about, never lost. Once `joinedup link` has run, new and changed person
    records are linked as they load.
    """
    source = load_definition(definition)
    with store(db) as engine:
        with progress_bar(f"Loading {source.name}") as progress:
            report = ingest(definition=source, path=data, engine=engine,
                            operator=settings_for(db).operator, force=force, progress=progress)
        linked = _link_loads(engine, [report], link, db)
        placed = _refresh_places(engine, [report], linked)
    _print_reports([report])
    _print_linked(linked)
    _print_placed(placed)


@app.command("ingest-manifest")
def ingest_manifest_command(
    manifest: Annotated[Path, typer.Argument(help="A manifest.yaml listing definitions and "
                                                  "data files in load order.")],
    force: Annotated[bool, typer.Option(help="Reload files already loaded.")] = False,
    link: LinkOption = True,
    db: DbOption = None,
) -> None:
    """Load every file a manifest lists, in order.

    A manifest (such as the one `joinedup synth` writes) names definitions and data files.
    """
    entries = load_manifest(manifest)
    reports = []
    linked = []
    with store(db) as engine:
        for entry in entries:
            with progress_bar(f"Loading {entry.definition.name}") as progress:
                reports.append(ingest(definition=entry.definition, path=entry.data,
                                      engine=engine, operator=settings_for(db).operator,
                                      force=force, progress=progress))
            linked += _link_loads(engine, reports[-1:], link, db)
        placed = _refresh_places(engine, reports, linked)
    _print_reports(reports)
    _print_linked(linked)
    _print_placed(placed)


def _link_loads(engine: Engine, reports: list[LoadReport], link: bool, db: str | None
                ) -> list[IncrementalReport]:
    found = []
    for report in reports:
        if link and not report.skipped:
            with progress_bar(f"Linking {report.load.source}") as progress:
                linked = link_load(engine, report.load.id, operator=settings_for(db).operator,
                                   progress=progress)
            if linked is not None:
                found.append(linked)
    return found


def _refresh_places(engine: Engine, reports: list[LoadReport],
                    linked: list[IncrementalReport]) -> places_build.BuildReport | None:
    """Rebuild households after loads that changed who lives where, once places are in use
    (a first build is ``joinedup link``'s, or ``joinedup places build``)."""
    if all(r.skipped for r in reports):
        return None
    with engine.connect() as connection:
        built = places_build.latest(connection) is not None
    if not (built or linked):
        return None
    return _place(engine)


def _place(engine: Engine) -> places_build.BuildReport:
    with progress_bar("Placing records at properties") as progress, \
            engine.begin() as connection:
        return places_build.build(connection, now=utcnow(),
                                  progress=lambda _stage, done, total: progress(done, total))


def _print_placed(report: places_build.BuildReport | None) -> None:
    if report is not None:
        placed = sum(m.placed for m in report.matches)
        records = sum(m.records for m in report.matches)
        out.print(f"Placed {placed:,} of {records:,} person records at {report.places:,} "
                  f"properties; {report.residents:,} persons have a home "
                  "(joinedup places status: match rate by source)")


def _print_linked(reports: list[IncrementalReport]) -> None:
    for r in reports:
        p95 = float(np.percentile(r.milliseconds, 95)) if r.milliseconds else 0.0
        out.print(f"Linked {r.records:,} new or changed records (run {r.run_id}): "
                  f"{r.joined:,} joined a person, {r.new_persons:,} new persons, "
                  f"{r.merges:,} merges, {r.to_review:,} pairs to review; "
                  f"p95 {p95:.1f} ms a record")


def _print_reports(reports: list[LoadReport]) -> None:
    table = Table(title="Loaded" if len(reports) > 1 else None)
    for name in ("load", "source", "read", "accepted", "warnings", "quarantined", "new",
                 "updated", "unchanged", "rows/s"):
        table.add_column(name, justify="left" if name == "source" else "right")
    for report in reports:
        row = report.load
        if report.skipped:
            table.add_row(str(row.id), row.source, *["-"] * 7, "-")
            continue
        table.add_row(str(row.id), row.source, f"{row.rows_read:,}", f"{row.accepted:,}",
                      f"{row.warnings:,}", f"{row.quarantined:,}", f"{row.new:,}",
                      f"{row.updated:,}", f"{row.unchanged:,}", f"{report.rows_per_second:,.0f}")
    out.print(table)
    for report in reports:
        if report.skipped:
            out.print(f"{report.load.source}: this file was already loaded as load "
                      f"{report.load.id} with the same definition; nothing changed "
                      "(use --force to load it again).")
    flagged = [r.load for r in reports if not r.skipped and (r.load.quarantined or
                                                             r.load.warnings)]
    if flagged:
        ids = ", ".join(str(r.id) for r in flagged)
        out.print(f"See the quarantined rows and warnings with: joinedup loads show LOAD_ID "
                  f"(load{'s' if len(flagged) > 1 else ''} {ids})")


# -- loads ----------------------------------------------------------------------------------

@loads_app.command("list")
def loads_list(
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
    db: DbOption = None,
) -> None:
    """List loads, newest first, with their counts."""
    with store(db) as engine, engine.connect() as connection:
        rows = loads.list_loads(connection, source_name=source, limit=limit)
    table = Table()
    for name in ("load", "source", "agency", "finished", "read", "accepted", "warnings",
                 "quarantined", "new", "updated", "unchanged"):
        table.add_column(name, justify="left" if name in ("source", "agency", "finished")
                         else "right", no_wrap=name != "agency")
    for r in rows:
        finished = r.finished_at.strftime("%Y-%m-%d %H:%M") if r.finished_at else r.status
        table.add_row(str(r.id), r.source, r.agency, finished,
                      *(f"{v:,}" for v in (r.rows_read, r.accepted, r.warnings, r.quarantined,
                                           r.new, r.updated, r.unchanged)))
    out.print(table if rows else "No loads yet: try joinedup ingest SOURCE.yaml DATA_FILE")


@loads_app.command("show")
def loads_show(
    load_id: Annotated[int, typer.Argument(metavar="LOAD_ID", help="The load to show.")],
    limit: Annotated[int, typer.Option(help="At most this many rows of each list.")] = 200,
    db: DbOption = None,
) -> None:
    """Show one load: counts, quarantine, warnings."""
    with store(db) as engine, engine.connect() as connection:
        detail = loads.load_detail(connection, load_id, limit=limit)
    if detail is None:
        raise BadInput(f"there is no load {load_id}; see joinedup loads list")
    r = detail.load
    out.print(f"[bold]Load {r.id}[/bold]: {r.source} ({r.agency}), {r.status}")
    out.print(f"file {r.file_name} (sha256 {r.file_sha256[:12]}…), by {r.operator}, "
              f"{r.started_at:%Y-%m-%d %H:%M:%S}")
    out.print(f"read {r.rows_read:,}, accepted {r.accepted:,} (new {r.new:,}, updated "
              f"{r.updated:,}, unchanged {r.unchanged:,}), warnings {r.warnings:,}, "
              f"quarantined {r.quarantined:,}")
    for title, issues in (("Quarantined rows", detail.quarantine),
                          ("Data-quality warnings", detail.warnings)):
        if not issues:
            continue
        table = Table(title=title, title_justify="left")
        for name in ("row", "record", "column", "value", "problem", "expected"):
            table.add_column(name, overflow="fold")
        for i in issues:
            table.add_row(str(i.row_no), i.record_id or "", i.column or "", i.value or "",
                          i.reason, i.expected)
        out.print(table)


# -- export ---------------------------------------------------------------------------------

OrganisationOption = Annotated[str | None, typer.Option(
    help="The organisation exporting (default: $JOINEDUP_ORGANISATION); it gets its own "
         "agency's data and what its agreements allow.")]
PurposeOption = Annotated[str, typer.Option(help="Why the data leaves the hub.")]


def _exported(report: exports.ExportReport, output: Path) -> None:
    out.print(f"Wrote {report.rows:,} records to {output}")
    if report.withheld:
        out.print(f"Withheld, no agreement lets this organisation export them: "
                  f"{', '.join(report.withheld)}")


@export_app.command("records")
def export_records_command(
    output: Annotated[Path, typer.Option("-o", "--output", help="CSV file to write.")],
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    organisation: OrganisationOption = None,
    purpose: PurposeOption = "data_quality",
    db: DbOption = None,
) -> None:
    """Write person records to CSV, as far as agreements allow (audited).

    Columns: source, record_id and the canonical person fields its agreements allow.
    """
    now = utcnow()
    with store(db) as engine, governed(engine) as connection, \
            output.open("w", newline="", encoding="utf-8") as f:
        actor = acting_as(settings_for(db), Role.DATA_ENGINEER, organisation)
        report = exports.export_records(connection, register(connection), actor, purpose,
                                        csv.writer(f), source_name=source, now=now)
    _exported(report, output)


@export_app.command("links")
def export_links_command(
    output: Annotated[Path, typer.Option("-o", "--output", help="CSV file to write.")],
    organisation: OrganisationOption = None,
    purpose: PurposeOption = "data_quality",
    db: DbOption = None,
) -> None:
    """Write each person record's person id to CSV (audited).

    Columns: source, record_id, person_id, match_weight (the record's strongest link inside
    its person; empty for a record that links to nothing, which is its own person).
    """
    now = utcnow()
    with store(db) as engine, governed(engine) as connection, \
            output.open("w", newline="", encoding="utf-8") as f:
        actor = acting_as(settings_for(db), Role.DATA_ENGINEER, organisation)
        report = exports.export_links(connection, register(connection), actor, purpose,
                                      csv.writer(f), now=now)
    _exported(report, output)
    if report.unlinked:
        out.print(f"{report.unlinked:,} records arrived after the last link run and have no "
                  "person id yet: run joinedup link")


# -- link -----------------------------------------------------------------------------------

@contextmanager
def _stages() -> Iterator[Callable[[str], None]]:
    """A spinner on stderr naming the stage a long job is at (only on a terminal)."""
    with err.status("starting", spinner="dots") if err.is_terminal else nullcontext() as status:
        clock = time.perf_counter()

        def stage(text: str) -> None:
            if status is not None:
                status.update(f"{text} [dim]({time.perf_counter() - clock:.0f} s)[/dim]")

        yield stage


@app.command("link")
def link_command(
    threshold: Annotated[float, typer.Option(
        help="Match weight at or above which records join automatically.")
        ] = DEFAULT_THRESHOLD,
    review_from: Annotated[float, typer.Option(
        help="Pairs from this weight up to the threshold go to the review queue.")
        ] = DEFAULT_REVIEW_FROM,
    retrain: Annotated[bool, typer.Option(
        help="Train a new model even though one exists.")] = False,
    engine_name: Annotated[str, typer.Option(
        "--engine", help="Score pairs with Splink on duckdb (embedded) or spark "
        "(pip install 'joinedup[spark]').")] = "duckdb",
    db: DbOption = None,
) -> None:
    """Link person records into persons with stable ids.

    Trains a model the first time (or with --retrain), scores pairs, holds back what the
    safeguards and the review band say a person must decide, and keeps each person's id
    across runs.
    """
    with store(db) as engine:
        with _stages() as stage:
            r = link(engine, operator=settings_for(db).operator, threshold=threshold,
                     review_from=review_from, retrain=retrain, backend=engine_name,
                     progress=stage)
        placed = _place(engine)
    model = f"trained model {r.model_id}" if r.trained else f"model {r.model_id}"
    out.print(f"Link run {r.run_id} ({model}, threshold {threshold:g}): {r.records:,} records "
              f"-> {r.persons:,} persons in {r.seconds:.1f} s")
    out.print(f"pairs scored {r.pairs:,}; persons new {r.created:,}, retired {r.retired:,}; "
              f"merges and splits {r.events:,}")
    if r.to_review:
        out.print(f"{r.to_review:,} pairs to review ({r.held_back:,} held back by safeguards): "
                  "joinedup review list")
    _print_placed(placed)


@app.command("explain")
def explain_command(
    record_a: Annotated[str, typer.Argument(metavar="RECORD_A", help="SOURCE:RECORD_ID")],
    record_b: Annotated[str, typer.Argument(metavar="RECORD_B", help="SOURCE:RECORD_ID")],
    db: DbOption = None,
) -> None:
    """Why two records match or not, comparison by comparison."""
    with store(db) as engine, engine.connect() as connection:
        e = explain_records(connection, record_key(connection, record_a),
                            record_key(connection, record_b))
    table = Table(title=f"{e.left} against {e.right}", title_justify="left")
    for name in ("comparison", "level", record_a, record_b, "weight"):
        table.add_column(name, justify="right" if name == "weight" else "left",
                         overflow="fold")
    table.add_row("prior", "how often two records match", "", "", f"{e.prior:+.2f}")
    for p in e.parts:
        table.add_row(p.comparison, p.level, p.left, p.right, f"{p.weight:+.2f}")
    table.add_row("[bold]total[/bold]", f"match probability {e.match_probability:.6f}", "", "",
                  f"[bold]{e.match_weight:+.2f}[/bold]")
    out.print(table)


# -- review ---------------------------------------------------------------------------------

def _who(record: dict[str, Any]) -> str:
    parts = [record.get("given_name"), record.get("family_name"),
             str(record.get("date_of_birth") or ""), record.get("postcode")]
    return " ".join(p for p in parts if p)


@review_app.command("list")
def review_list(
    status: Annotated[str, typer.Option(help="open, accepted, rejected or stale.")] = "open",
    limit: Annotated[int, typer.Option(help="At most this many, likeliest first.")] = 50,
    db: DbOption = None,
) -> None:
    """List pairs waiting for a decision, likeliest first."""
    with store(db) as engine, engine.connect() as connection:
        items = list_reviews(connection, status=status, limit=limit)
    if not items:
        out.print(f"No {status} pairs to review.")
        return
    table = Table()
    for name in ("id", "weight", "record a", "record b", "why"):
        table.add_column(name, overflow="fold")
    for i in items:
        table.add_row(str(i.id), f"{i.match_weight:.1f}",
                      f"{i.left['source']}:{i.left['record_id']}\n{_who(i.left)}",
                      f"{i.right['source']}:{i.right['record_id']}\n{_who(i.right)}", i.reason)
    out.print(table)
    out.print("Compare them with joinedup explain RECORD_A RECORD_B; decide with joinedup "
              "review accept|reject ID --reason TEXT")


ReasonOption = Annotated[str, typer.Option(help="Why: kept with the decision.")]


def _decide(review_id: int, accept: bool, reason: str, db: str | None) -> None:
    settings = settings_for(db)
    with store(db) as engine:
        override = decide(engine, review_id, accept=accept, decided_by=settings.operator,
                          reason=reason)
    verb = "joined (must link)" if accept else "kept apart (cannot link)"
    out.print(f"Pair {review_id} {verb}, override {override}; the next joinedup link applies "
              "it.")


@review_app.command("accept")
def review_accept(review_id: Annotated[int, typer.Argument(metavar="ID")],
                  reason: ReasonOption, db: DbOption = None) -> None:
    """Decide that a queued pair is one person."""
    _decide(review_id, True, reason, db)


@review_app.command("reject")
def review_reject(review_id: Annotated[int, typer.Argument(metavar="ID")],
                  reason: ReasonOption, db: DbOption = None) -> None:
    """Decide that a queued pair is two people."""
    _decide(review_id, False, reason, db)


# -- sources --------------------------------------------------------------------------------

@sources_app.command("check")
def sources_check(
    definitions: Annotated[list[Path], typer.Argument(help="Source definition files.")],
) -> None:
    """Check source definitions, every problem at once."""
    failed = 0
    for path in definitions:
        try:
            found = load_definition(path)
        except BadInput as exc:
            failed += 1
            err.print(f"[red]{escape(exc.message)}[/red]", highlight=False, soft_wrap=True)
        else:
            out.print(f"{path}: ok ({found.kind.value} source {found.name!r}, "
                      f"{found.format.value}, {len(found.fields)} fields)")
    if failed:
        raise typer.Exit(2)


# -- agreements -----------------------------------------------------------------------------

AgreementsDir = Annotated[Path, typer.Argument(
    metavar="DIR", help="A directory of agreement files (*.yaml), one agreement each.")]


def _agreements_table(agreements: Sequence[Agreement], title: str | None = None) -> Table:
    table = Table(title=title, title_justify="left")
    for name in ("code", "version", "title", "purposes", "valid to", "parties"):
        table.add_column(name, justify="right" if name == "version" else "left",
                         overflow="fold", no_wrap=name in ("code", "valid to"))
    for a in agreements:
        table.add_row(a.code, str(a.version), a.title, ", ".join(sorted(a.purposes)),
                      a.valid_to.isoformat(), "; ".join(a.parties))
    return table


def _existing_sources(db: str | None) -> set[str] | None:
    """Source names in the store, without creating one: None when there is no store yet."""
    url = settings_for(db).database_url
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() == "sqlite" and (
            parsed.database in (None, "", ":memory:") or not Path(parsed.database).exists()):
        return None
    try:
        engine = database.create_store_engine(url)
    except StoreError:
        return None
    try:
        with engine.connect() as connection:
            return agreement_register.known_sources(connection)
    except SQLAlchemyError:
        return None
    finally:
        engine.dispose()


@agreements_app.command("check")
def agreements_check(directory: AgreementsDir, db: DbOption = None) -> None:
    """Check agreements, every problem at once.

    Also warns, without failing, of agreements ending within 60 days and, when the store
    exists, of sources it has never loaded (most likely a misspelt name).
    """
    agreements = read_directory(directory)
    out.print(_agreements_table(agreements, f"{len(agreements)} agreements OK"))
    for path, problem in lint(agreements, today=date.today(),
                              known_sources=_existing_sources(db)):
        err.print(f"[yellow]warning:[/yellow] {escape(path)}: {escape(str(problem))}",
                  highlight=False, soft_wrap=True)


@agreements_app.command("load")
def agreements_load(directory: AgreementsDir, db: DbOption = None) -> None:
    """Load a directory of agreements, all or nothing.

    A changed agreement is loaded as a new version; every version stays on record.
    """
    agreements = read_directory(directory)
    now = utcnow()
    with store(db) as engine, engine.begin() as connection:
        result = agreement_register.load_agreements(
            connection, agreements, operator=settings_for(db).operator, now=now)
    out.print(f"Agreements loaded: {result.new} new, {result.unchanged} unchanged.")
    for a in result.loaded:
        out.print(f"  {a.code} version {a.version}: {a.title} (to {a.valid_to})")


@agreements_app.command("list")
def agreements_list(
    every: Annotated[bool, typer.Option(
        "--all", help="Every version ever loaded, not just those in force today.")] = False,
    db: DbOption = None,
) -> None:
    """List agreements in force today (or every version)."""
    today = date.today()
    with store(db) as engine, engine.connect() as connection:
        loaded = agreement_register.history(connection) if every else []
        found = [] if every else agreement_register.register(connection).in_force(today)
    if not every:
        out.print(_agreements_table(found, f"{len(found)} agreements in force on {today}")
                  if found else "No agreement is in force today; load them with: joinedup "
                                "agreements load DIR")
        return
    table = Table(title=f"{len(loaded)} agreement versions loaded", title_justify="left")
    for name in ("code", "version", "title", "valid from", "valid to", "status", "loaded",
                 "by"):
        table.add_column(name, justify="right" if name == "version" else "left",
                         overflow="fold")
    for v in loaded:
        a = v.agreement
        status = ("superseded" if not v.current else "in force" if a.in_force(today)
                  else "expired" if a.valid_to < today else "not yet in force")
        table.add_row(a.code, str(a.version), a.title, a.valid_from.isoformat(),
                      a.valid_to.isoformat(), status, f"{v.loaded_at:%Y-%m-%d %H:%M}",
                      v.loaded_by)
    out.print(table)


# -- db -------------------------------------------------------------------------------------

@db_app.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Upgrade the database schema to this version."""
    engine = database.create_store_engine(settings_for(db).database_url)
    try:
        database.upgrade(engine)
        with engine.connect() as connection:
            revision = database.current_revision(connection)
    finally:
        engine.dispose()
    out.print(f"Database at schema version {revision}.")


# -- synth ----------------------------------------------------------------------------------

@app.command("synth")
def synth_command(
    outdir: Annotated[Path, typer.Argument(help="Directory to write the county into.")],
    people: Annotated[int, typer.Option(help="How many people live in the county.")] = 5000,
    seed: Annotated[int, typer.Option(help="Same seed, same county, byte for byte.")] = 42,
    sensor_weeks: Annotated[int, typer.Option(
        help="Weeks of sensor readings before the county's reference date (1-52).")] = 4,
) -> None:
    """Write a synthetic county to try the hub on.

    Every agency's files and definitions, a manifest in load order, and truth.csv (which
    person each record really is). Nothing in it is real personal data.
    """
    from joinedup.synth import generate_county

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=err, transient=True,
                  disable=not err.is_terminal) as bar:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        summary = generate_county(outdir, people=people, seed=seed,
                                  sensor_weeks=sensor_weeks, progress=update)
    table = Table(title=f"Synthetic county in {outdir}: {summary.people:,} people, "
                        f"{summary.households:,} households")
    table.add_column("source")
    table.add_column("records", justify="right")
    for name, count in summary.records.items():
        table.add_row(name, f"{count:,}")
    out.print(table)
    out.print(f"Load its sharing agreements with: joinedup agreements load "
              f"{outdir / 'agreements'}")
    out.print(f"Load it with: joinedup ingest-manifest {outdir / 'manifest.yaml'}")


# -- governance: audit, subject rights, objections, retention, extracts ----------------------

audit_app = App(help="The tamper-evident audit log: verify, prove, search.",
                no_args_is_help=True)
alerts_app = App(help="The DPO's alert queue: break-glass and unusual access.",
                 no_args_is_help=True)
objections_app = App(help="A person's objections: add, withdraw, list.", no_args_is_help=True)
retention_app = App(help="Delete or anonymise records past retention.",
                    no_args_is_help=True)
extract_app = App(help="Pseudonymised extracts for analysts.", no_args_is_help=True)
for group, name in ((audit_app, "audit"), (alerts_app, "alerts"),
                    (objections_app, "objections"), (retention_app, "retention"),
                    (extract_app, "extract")):
    app.add_typer(group, name=name)
audit_app.command("verify")(cli_audit.verify_command)
audit_app.command("checkpoint")(cli_audit.checkpoint_command)
audit_app.command("prove")(cli_audit.prove_command)
audit_app.command("check-proof")(cli_audit.check_proof_command)
audit_app.command("search")(cli_dpo.audit_search_command)
audit_app.command("break-glass")(cli_dpo.audit_break_glass_command)
audit_app.command("unusual")(cli_dpo.audit_unusual_command)
alerts_app.command("list")(cli_dpo.alerts_list_command)
alerts_app.command("close")(cli_dpo.alerts_close_command)
objections_app.command("add")(cli_objections.add_command)
objections_app.command("withdraw")(cli_objections.withdraw_command)
objections_app.command("list")(cli_objections.list_command)
retention_app.command("apply")(cli_retention.retention_apply_command)
extract_app.command("analytics")(cli_dpo.extract_analytics_command)
app.command("sar")(cli_rights.sar_command)
app.command("rectify")(cli_rights.rectify_command)

# -- staff accounts --------------------------------------------------------------------------

users_app = App(help="Staff sign-in accounts: add, list, disable, unlock.",
                no_args_is_help=True)
app.add_typer(users_app, name="users")
users_app.command("add")(cli_users.add_command)
users_app.command("list")(cli_users.list_command)
users_app.command("disable")(cli_users.disable_command)
users_app.command("enable")(cli_users.enable_command)
users_app.command("unlock")(cli_users.unlock_command)
users_app.command("set-password")(cli_users.set_password_command)
users_app.command("demo")(cli_users.demo_command)
app.command("serve")(cli_serve.serve_command)

# -- places and emergencies ------------------------------------------------------------------

places_app = App(help="Properties, households and areas.",
                 no_args_is_help=True)
emergency_app = App(help="Emergencies: the vulnerable people inside an area.",
                    no_args_is_help=True)
app.add_typer(places_app, name="places")
app.add_typer(emergency_app, name="emergency")
places_app.command("build")(cli_places.build_command)
places_app.command("status")(cli_places.status_command)
places_app.command("load-areas")(cli_places.load_areas_command)
places_app.command("areas")(cli_places.areas_command)
emergency_app.command("vulnerable")(cli_places.vulnerable_command)
app.command("verify-export")(cli_places.verify_export_command)

# -- sensors ---------------------------------------------------------------------------------

sensors_app = App(help="City sensors: readings, rollups and gaps.", no_args_is_help=True)
app.add_typer(sensors_app, name="sensors")
sensors_app.command("register")(cli_sensors.register_command)
sensors_app.command("ingest")(cli_sensors.ingest_command)
sensors_app.command("batches")(cli_sensors.batches_command)
sensors_app.command("batch")(cli_sensors.batch_command)
sensors_app.command("list")(cli_sensors.list_command)
sensors_app.command("latest")(cli_sensors.latest_command)
sensors_app.command("rollup")(cli_sensors.rollup_command)
sensors_app.command("gaps")(cli_sensors.gaps_command)

# -- open data -------------------------------------------------------------------------------

opendata_app = App(help="Open data: publish disclosure-controlled aggregates.",
                   no_args_is_help=True)
app.add_typer(opendata_app, name="opendata")
opendata_app.command("publish")(cli_opendata.publish_command)
opendata_app.command("check")(cli_opendata.check_command)
opendata_app.command("list")(cli_opendata.list_command)

# -- the citizen portal: accounts, rights requests, exemptions -------------------------------

citizens_app = App(help="Citizen portal accounts: list, demo details.", no_args_is_help=True)
requests_app = App(help="Citizens' rights requests: the DPO's work queue.",
                   no_args_is_help=True)
exemptions_app = App(help="Accesses withheld from citizens (DPA 2018 Sch. 2).",
                     no_args_is_help=True)
for group, name in ((citizens_app, "citizens"), (requests_app, "requests"),
                    (exemptions_app, "exemptions")):
    app.add_typer(group, name=name)
citizens_app.command("list")(cli_citizen.citizens_list_command)
citizens_app.command("demo")(cli_citizen.citizens_demo_command)
requests_app.command("list")(cli_citizen.requests_list_command)
requests_app.command("show")(cli_citizen.requests_show_command)
requests_app.command("process")(cli_citizen.requests_process_command)
requests_app.command("refuse")(cli_citizen.requests_refuse_command)
requests_app.command("remind")(cli_citizen.requests_remind_command)
exemptions_app.command("add")(cli_citizen.exemptions_add_command)
exemptions_app.command("list")(cli_citizen.exemptions_list_command)
exemptions_app.command("withdraw")(cli_citizen.exemptions_withdraw_command)

# -- tell us once: a change of details, routed to every agency that holds the person ---------

changes_app = App(help="Tell us once: changes of details for the agencies.",
                  no_args_is_help=True)
app.add_typer(changes_app, name="changes")
changes_app.command("report")(cli_changes.report_command)
changes_app.command("list")(cli_changes.list_command)
changes_app.command("show")(cli_changes.show_command)
changes_app.command("accept")(cli_changes.accept_command)
changes_app.command("reject")(cli_changes.reject_command)


def main() -> None:
    """Entry point of the installed ``joinedup`` command."""
    app()
