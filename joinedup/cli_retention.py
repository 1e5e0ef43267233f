"""``joinedup retention apply``: each source's retention schedule, applied, with the persons it
leaves without a record erased and the audit events about them redacted."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from joinedup.cli_base import DbOption, acting_as, out, settings_for, store
from joinedup.govern.retention import RetentionReport, apply_retention
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import Role

DryRunOption = Annotated[bool, typer.Option(
    "--dry-run", help="Report what would be deleted, anonymised and erased; change nothing.")]


def retention_apply_command(dry_run: DryRunOption = False, db: DbOption = None) -> None:
    """Apply every source's retention period.

    Deletes or anonymises what is past its source's retention period, erases the persons left
    with no record, and redacts the audit log's details about them (the log still verifies).
    """
    settings = settings_for(db)
    actor = acting_as(settings, Role.ADMIN)
    with store(db) as engine, governed(engine) as connection:
        report = apply_retention(connection, actor=actor, now=datetime.now(UTC),
                                 dry_run=dry_run)
    render(report)


def render(report: RetentionReport) -> None:
    if not report.sources:
        out.print("no source has a retention period: add retention: to a source definition "
                  "and load it again", highlight=False)
        return
    table = Table(title="retention (dry run: nothing changed)" if report.dry_run
                  else "retention")
    for heading in ("source", "kind", "retention", "cut-off"):
        table.add_column(heading)
    for heading in ("examined", "expired", "deleted", "anonymised",
                    "with them: contacts / involvements / flags", "persons erased",
                    "audit events redacted"):
        table.add_column(heading, justify="right")
    for s in report.sources:
        table.add_row(s.source, s.kind, s.policy, f"{s.cutoff:%Y-%m-%d}",
                      *(f"{n:,}" for n in (s.examined, s.expired, s.deleted, s.anonymised)),
                      f"{s.contacts:,} / {s.involvements:,} / {s.flags:,}",
                      f"{s.persons_erased:,}", f"{s.events_redacted:,}")
    out.print(table)
    verb = "would be" if report.dry_run else "were"
    summary = (f"{report.removed:,} rows {verb} deleted or anonymised; "
               f"{report.persons_erased:,} persons {verb} erased and "
               f"{report.events_redacted:,} audit events {verb} redacted")
    if report.erasure_seq is not None:
        summary += f" (audit event {report.erasure_seq})"
    out.print(summary, highlight=False)
