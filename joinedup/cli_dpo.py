"""``joinedup extract analytics``, ``joinedup audit search|break-glass|unusual`` and
``joinedup alerts list|close``: the analyst's pseudonymised extract and the DPO's tools.

Plain command functions, registered on the main app's groups; each parses its options, calls
one function of ``joinedup.govern`` inside ``governed()`` and renders the answer.
"""

from __future__ import annotations

import csv
import os
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from joinedup.cli_base import DbOption, acting_as, cell, err, out, settings_for, store, utcnow
from joinedup.errors import BadInput
from joinedup.govern import keys, relationships, reports
from joinedup.govern.pseudonymise import analytics_extract
from joinedup.govern.register import register as current_register
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import Purpose, Role

DATE_FORMAT = "YYYY-MM-DD"


def parse_day(value: str | None, option: str) -> date | None:
    """A ``YYYY-MM-DD`` option, or a message naming the option and the expected form."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadInput(f"{option}: expected a date as {DATE_FORMAT}, got {value!r}") from None


def _start(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time())


# -- extract -----------------------------------------------------------------------------------

def extract_analytics_command(
    output: Annotated[Path, typer.Option("-o", "--output", metavar="FILE.csv",
                                         help="CSV file to write.")],
    purpose: Annotated[str, typer.Option(help="The purpose the agreement is for.")
                       ] = Purpose.ANALYTICS.value,
    organisation: Annotated[str | None, typer.Option(
        help="The analyst's organisation (default: $JOINEDUP_ORGANISATION).")] = None,
    agreement: Annotated[str | None, typer.Option(
        help="The agreement's code, if several pseudonymised ones could apply.")] = None,
    db: DbOption = None,
) -> None:
    """Write a pseudonymised extract for an analyst.

    One row per person, for an analyst a pseudonymised agreement names. The file appears only
    once the extract's audit event is committed.
    """
    settings = settings_for(db)
    actor = acting_as(settings, Role.ANALYST, organisation)
    key = keys.pseudonym_key(settings.key_dir)
    partial = output.with_name(f".{output.name}.partial")
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(fd, "w", encoding="utf-8", newline="") as handle, store(db) as engine, \
                governed(engine) as connection:
            report = analytics_extract(connection, current_register(connection), actor,
                                       purpose, csv.writer(handle), key=key, now=utcnow(),
                                       agreement=agreement)
        partial.replace(output)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise BadInput(f"{output}: cannot write the extract: {exc.strerror}") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    out.print(f"wrote {report.rows:,} pseudonymised persons to {output} under "
              f"{report.agreement} (audit event {report.seq})", highlight=False)


# -- audit -------------------------------------------------------------------------------------

def audit_search_command(
    person: Annotated[int | None, typer.Option(
        help="Events about this person, and ids since merged into them.")] = None,
    user: Annotated[str | None, typer.Option(help="Events by this user.")] = None,
    organisation: Annotated[str | None, typer.Option(help="Events by this organisation.")
                            ] = None,
    purpose: Annotated[str | None, typer.Option(help="Events for this purpose.")] = None,
    action: Annotated[str | None, typer.Option(help="e.g. read_person, break_glass.")] = None,
    decision: Annotated[str | None, typer.Option(help="allow, deny or done.")] = None,
    since: Annotated[str | None, typer.Option(metavar=DATE_FORMAT,
                                              help="From this day on.")] = None,
    until: Annotated[str | None, typer.Option(metavar=DATE_FORMAT,
                                              help="Up to and including this day.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 200,
    db: DbOption = None,
) -> None:
    """Search the audit log (DPO only; the search is itself audited)."""
    start = _start(parse_day(since, "--since"))
    last = parse_day(until, "--until")
    end = None if last is None else datetime.combine(last + timedelta(days=1), time())
    settings = settings_for(db)
    with store(db) as engine, governed(engine) as connection:
        rows = reports.search_audit(connection, acting_as(settings, Role.DPO),
                                    person_id=person, user=user,
                                    organisation=organisation, purpose=purpose,
                                    action=action, decision=decision, since=start,
                                    until=end, limit=limit, now=utcnow())
    if not rows:
        out.print("No audit events match.")
        return
    table = Table()
    for name in ("seq", "at", "user", "organisation", "role", "purpose", "action", "decision",
                 "person", "reason"):
        table.add_column(name, overflow="fold", justify="right" if name == "seq" else "left")
    for r in rows:
        table.add_row(str(r.seq), r.at[:19].replace("T", " "),
                      *(cell(v) for v in (r.actor, r.organisation, r.role, r.purpose, r.action,
                                           r.decision, r.person_id, r.reason)))
    out.print(table)
    err.print(f"{len(rows)} events" + (f" (limit {limit})" if len(rows) == limit else ""))


def audit_break_glass_command(
    since: Annotated[str | None, typer.Option(metavar=DATE_FORMAT,
                                              help="Uses from this day on.")] = None,
    db: DbOption = None,
) -> None:
    """Every break-glass use, with its alert's outcome."""
    settings = settings_for(db)
    with store(db) as engine, governed(engine) as connection:
        uses = reports.break_glass_report(connection, acting_as(settings, Role.DPO),
                                          since=_start(parse_day(since, "--since")),
                                          now=utcnow())
    if not uses:
        out.print("No break-glass uses.")
        return
    # One block per use, not a table: the stated reason is the point and must not be folded.
    for u in uses:
        person = "a person no longer linked" if u.person_id is None else f"person {u.person_id}"
        alert = "no alert" if u.alert_id is None else f"alert #{u.alert_id} {u.alert_status}"
        if u.outcome:
            alert += f": {u.outcome}" + (f" ({u.note})" if u.note else "")
        out.print(f"[bold]#{u.id}[/bold] {escape(u.user)} ({u.role}, {escape(u.organisation)}) "
                  f"for {u.purpose} on {person}\n"
                  f"  {u.started_at:%Y-%m-%d %H:%M} until {u.expires_at:%Y-%m-%d %H:%M}: "
                  f"{escape(u.reason)}\n  {alert}", highlight=False, soft_wrap=True)


def audit_unusual_command(
    days: Annotated[int, typer.Option(help="Look back this many days.", min=1)] = 30,
    factor: Annotated[float, typer.Option(
        help="Flag above this multiple of the role's median.", min=1.0)] = 3.0,
    minimum: Annotated[int, typer.Option(
        help="Never flag at or below this many persons.", min=0)] = 20,
    alert: Annotated[bool, typer.Option(
        "--alert", help="Raise a DPO alert for each one not already open.")] = False,
    db: DbOption = None,
) -> None:
    """Staff reading far more persons than their peers.

    Actors who read far more distinct persons than the median of their role.
    """
    settings = settings_for(db)
    now = utcnow()
    with store(db) as engine, governed(engine) as connection:
        flagged = reports.unusual_access(connection, acting_as(settings, Role.DPO),
                                         since=now - timedelta(days=days), factor=factor,
                                         minimum=minimum, raise_alerts=alert, now=now)
    if not flagged:
        out.print(f"No unusual access in the last {days} days.")
        return
    table = Table()
    for name in ("user", "role", "organisation", "persons", "role median", "ratio", "alert"):
        table.add_column(name, overflow="fold")
    for f in flagged:
        table.add_row(cell(f.user), f.role, cell(f.organisation), f"{f.persons:,}",
                      f"{f.role_median:g}", f"{f.ratio:g}", cell(f.alert_id))
    out.print(table)


# -- alerts ------------------------------------------------------------------------------------

def alerts_list_command(
    status: Annotated[str, typer.Option(help="open, closed or all.")] = "open",
    db: DbOption = None,
) -> None:
    """The DPO's alert queue, oldest first."""
    if status not in ("open", "closed", "all"):
        raise BadInput(f"--status: expected open, closed or all, got {status!r}")
    settings = settings_for(db)
    with store(db) as engine, governed(engine) as connection:
        rows = reports.alerts(connection, acting_as(settings, Role.DPO),
                              status=None if status == "all" else status, now=utcnow())
    if not rows:
        out.print(f"No {status} alerts." if status != "all" else "No alerts.")
        return
    table = Table()
    for name in ("id", "kind", "raised", "status", "outcome", "summary"):
        table.add_column(name, overflow="fold")
    for a in rows:
        table.add_row(str(a.id), a.kind, f"{a.raised_at:%Y-%m-%d %H:%M}", a.status,
                      cell(a.outcome), cell(a.summary))
    out.print(table)


def alerts_close_command(
    alert_id: Annotated[int, typer.Argument(metavar="ID", help="The alert to close.")],
    outcome: Annotated[str, typer.Option(help=" | ".join(relationships.OUTCOMES))],
    note: Annotated[str, typer.Option(help="What was found: kept with the alert.")] = "",
    db: DbOption = None,
) -> None:
    """Close an alert with an outcome."""
    settings = settings_for(db)
    with store(db) as engine, governed(engine) as connection:
        relationships.close_alert(connection, acting_as(settings, Role.DPO), alert_id,
                                  outcome, note, now=utcnow())
    out.print(f"alert {alert_id} closed: {outcome}", highlight=False)
