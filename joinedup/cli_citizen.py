"""``joinedup citizens list|demo``, ``joinedup requests list|show|process|refuse|remind`` and
``joinedup exemptions add|list|withdraw``: the citizen portal's accounts, the DPO's work queue
of rights requests, and the accesses kept from citizens.

Thin over ``joinedup.citizen`` and ``joinedup.govern.requests``/``exemptions``: each command
runs in one governed transaction, as the DPO's office (``JOINEDUP_OPERATOR``) unless it says.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from joinedup.citizen.accounts import demo_proof, list_accounts, person_of_record
from joinedup.cli_base import DbOption, acting_as, cell, err, out, settings_for, store, utcnow
from joinedup.cli_dpo import parse_day
from joinedup.errors import BadInput
from joinedup.govern import exemptions, requests
from joinedup.govern.register import register
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import Role

RequestArgument = Annotated[int, typer.Argument(metavar="ID", help="The request's number.")]


# -- citizens ----------------------------------------------------------------------------------

def citizens_list_command(db: DbOption = None) -> None:
    """List citizen accounts and how each proved who they are.

    With the person each account is linked to now (the DPO's view, audited)."""
    with store(db) as engine, governed(engine) as connection:
        accounts = list_accounts(connection, acting_as(settings_for(db), Role.DPO),
                                 now=utcnow())
        people = {a.id: person_of_record(connection, a.source_record_id) for a in accounts}
    if not accounts:
        out.print("No citizen accounts yet.")
        return
    table = Table()
    for name in ("id", "email", "name", "verified by", "person", "registered", "last sign-in",
                 "active"):
        table.add_column(name, overflow="fold")
    for a in accounts:
        table.add_row(str(a.id), cell(a.email), cell(a.display_name), a.verified_by,
                      cell(people[a.id]), f"{a.created_at:%Y-%m-%d %H:%M}",
                      f"{a.last_login_at:%Y-%m-%d %H:%M}" if a.last_login_at else "",
                      "yes" if a.active else "no")
    out.print(table)


def citizens_demo_command(db: DbOption = None) -> None:
    """Print how a demo citizen proves who they are.

    One synthetic citizen's council tax account number, postcode and date of birth, to
    register at /citizen/register. Refused in production mode.
    """
    settings = settings_for(db)
    if settings.production:
        raise BadInput("joinedup citizens demo prints a citizen's verification details: it "
                       "is for the synthetic demo county only, not production")
    with store(db) as engine, governed(engine) as connection:
        proof = demo_proof(connection, now=utcnow())
    if proof is None:
        raise BadInput("no council tax record in this store verifies anyone: load a "
                       "synthetic county (joinedup synth, ingest-manifest) and run joinedup "
                       "link first")
    out.print("Demo citizen: register at /citizen/register with", highlight=False)
    out.print(f"  council tax account number {proof.reference}, postcode {proof.postcode}, "
              f"date of birth {proof.date_of_birth}", highlight=False)


# -- rights requests ---------------------------------------------------------------------------

def requests_list_command(
    status: Annotated[str, typer.Option(
        help=f"{', '.join(requests.STATUSES)} or all.")] = requests.RECEIVED,
    db: DbOption = None,
) -> None:
    """The DPO's work queue of rights requests, most urgent first."""
    now = utcnow()
    with store(db) as engine, governed(engine) as connection:
        found = requests.queue(connection, acting_as(settings_for(db), Role.DPO),
                               status=None if status == "all" else status, now=now)
    if not found:
        out.print("No requests." if status == "all" else f"No {status} requests.")
        return
    table = Table()
    for name in ("id", "kind", "person", "received", "due", "status", "asked"):
        table.add_column(name, overflow="fold")
    for r in found:
        due = f"{r.due_on}"
        if r.overdue(now.date()):
            due += f" [red]OVERDUE {-r.days_left(now.date())} days[/red]"
        elif r.is_open:
            due += f" ({r.days_left(now.date())} days left)"
        table.add_row(str(r.id), r.kind, cell(r.person_id), f"{r.received_at:%Y-%m-%d}", due,
                      r.status, cell(r.summary))
    out.print(table)


def requests_show_command(request_id: RequestArgument, db: DbOption = None) -> None:
    """One request, its deadline and outcome."""
    now = utcnow()
    with store(db) as engine, governed(engine) as connection:
        r = requests.get_request(connection, acting_as(settings_for(db), Role.DPO),
                                 request_id, now=now)
    late = " (overdue)" if r.overdue(now.date()) else ""
    out.print(f"request #{r.id}: {r.kind}, {r.status}; person {cell(r.person_id)} "
              f"(citizen account {r.account_id})\n  asked: {cell(r.summary)}\n"
              f"  received {r.received_at:%Y-%m-%d %H:%M}; due {r.due_on}{late}",
              highlight=False, soft_wrap=True)
    if r.details.get("reason"):
        out.print(f"  reason given: {cell(r.details['reason'])}", highlight=False,
                  soft_wrap=True)
    if r.outcome:
        out.print(f"  outcome: {cell(r.outcome)} ({r.decided_by})", highlight=False,
                  soft_wrap=True)


def requests_process_command(request_id: RequestArgument, db: DbOption = None) -> None:
    """Do what a request asks.

    Builds and delivers a subject access pack, or applies a correction.
    """
    with store(db) as engine, governed(engine) as connection:
        done = requests.process(connection, register(connection),
                                acting_as(settings_for(db), Role.DPO), request_id,
                                now=utcnow())
    out.print(f"request #{done.id} completed: {cell(done.outcome)}", highlight=False,
              soft_wrap=True)


def requests_refuse_command(
    request_id: RequestArgument,
    reason: Annotated[str, typer.Option(help="Why: the citizen reads it in the portal.")],
    db: DbOption = None,
) -> None:
    """Refuse a request, with a reason the citizen reads."""
    with store(db) as engine, governed(engine) as connection:
        done = requests.refuse(connection, acting_as(settings_for(db), Role.DPO), request_id,
                               reason, now=utcnow())
    out.print(f"request #{done.id} refused", highlight=False)


def requests_remind_command(
    within: Annotated[int, typer.Option(help="Remind of requests due within this many days.",
                                        min=0)] = 7,
    db: DbOption = None,
) -> None:
    """Raise DPO alerts for requests due soon or overdue.

    Once per request for each: due soon, then overdue (run it daily, e.g. from cron).
    """
    with store(db) as engine, governed(engine) as connection:
        raised = requests.remind(connection, acting_as(settings_for(db), Role.DPO),
                                 within_days=within, now=utcnow())
    for r in raised:
        out.print(f"alert #{r.alert_id}: request #{r.request_id} "
                  f"{'is overdue' if r.stage == 'overdue' else 'is due soon'} "
                  f"(due {r.due_on})", highlight=False)
    err.print(f"{len(raised)} reminders raised")


# -- exemptions --------------------------------------------------------------------------------

def exemptions_add_command(
    person_id: Annotated[int, typer.Argument(metavar="PERSON_ID", help="The person's hub id.")],
    ground: Annotated[str, typer.Option(help=" or ".join(exemptions.GROUNDS))],
    reason: Annotated[str, typer.Option(help="What investigation, who asked (DPO only).")],
    organisation: Annotated[str | None, typer.Option(
        help="Only accesses by this organisation (default: any).")] = None,
    purpose: Annotated[str | None, typer.Option(
        help="Only accesses for this purpose (default: any).")] = None,
    since: Annotated[str | None, typer.Option(
        "--from", metavar="YYYY-MM-DD", help="From this day (default: today).")] = None,
    until: Annotated[str | None, typer.Option(
        metavar="YYYY-MM-DD", help="Up to this day (default: until withdrawn).")] = None,
    db: DbOption = None,
) -> None:
    """Withhold accesses to a person's data from them.

    Accesses that would prejudice an investigation if shown (DPA 2018 Schedule 2): kept out
    of the citizen portal and delivered packs.
    """
    now = utcnow()
    with store(db) as engine, governed(engine) as connection:
        exemption_id = exemptions.add_exemption(
            connection, acting_as(settings_for(db), Role.DPO), person_id, ground=ground,
            reason=reason, starts_on=parse_day(since, "--from") or now.date(),
            ends_on=parse_day(until, "--until"), organisation=organisation, purpose=purpose,
            now=now)
    out.print(f"exemption {exemption_id} recorded for person {person_id}", highlight=False)


def exemptions_list_command(db: DbOption = None) -> None:
    """Every exemption, in force and withdrawn."""
    with store(db) as engine, governed(engine) as connection:
        found = exemptions.list_exemptions(connection, acting_as(settings_for(db), Role.DPO),
                                           now=utcnow())
    if not found:
        out.print("No exemptions recorded.")
        return
    table = Table()
    for name in ("id", "person", "organisation", "purpose", "ground", "from", "until", "by",
                 "withdrawn", "reason"):
        table.add_column(name, overflow="fold")
    for person, e in found:
        table.add_row(str(e.id), cell(person), cell(e.organisation or "any"),
                      cell(e.purpose or "any"), e.ground, str(e.starts_on),
                      cell(e.ends_on), cell(e.recorded_by),
                      f"{e.withdrawn_at:%Y-%m-%d}" if e.withdrawn_at else "", cell(e.reason))
    out.print(table)


def exemptions_withdraw_command(
    exemption_id: Annotated[int, typer.Argument(metavar="ID")], db: DbOption = None
) -> None:
    """Withdraw an exemption.

    The accesses it covered are shown to the person from now on."""
    with store(db) as engine, governed(engine) as connection:
        exemptions.withdraw_exemption(connection, acting_as(settings_for(db), Role.DPO),
                                      exemption_id, now=utcnow())
    out.print(f"exemption {exemption_id} withdrawn", highlight=False)
