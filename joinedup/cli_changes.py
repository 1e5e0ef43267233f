"""``joinedup changes report|list|show|accept|reject``: tell us once from the command line.

The DPO's office reports a change a person sent by letter; an agency's data engineer lists the
notifications addressed to the agencies they act for (``--organisation``, as their sign-in
would carry it) and accepts or rejects each. Without ``--organisation`` the operator reads
every notification as the DPO, for audit, and decides none.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from joinedup.cli_base import DbOption, acting_as, out, settings_for, store, utcnow
from joinedup.errors import BadInput
from joinedup.govern import changes
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import Actor, Purpose, Role
from joinedup.views.engineering import WITHHELD_TEXT

IdArgument = Annotated[int, typer.Argument(metavar="NOTIFICATION_ID",
                                           help="The notification's id (changes list).")]
OrganisationOption = Annotated[str | None, typer.Option(
    help="Act as a data engineer of this organisation (e.g. \"Norfolk County Council Data "
         "Team\"); without it, as the DPO reading for audit.")]
DecidesForOption = Annotated[str | None, typer.Option(
    "--organisation", help="The organisation you decide for (default $JOINEDUP_ORGANISATION).")]


def _reader(db: str | None, organisation: str | None) -> tuple[Actor, Purpose]:
    settings = settings_for(db)
    if organisation:
        return acting_as(settings, Role.DATA_ENGINEER, organisation), Purpose.DATA_QUALITY
    return acting_as(settings, Role.DPO), Purpose.AUDIT


def _decider(db: str | None, organisation: str | None) -> Actor:
    return acting_as(settings_for(db), Role.DATA_ENGINEER, organisation)


def _council(db: str | None) -> changes.Council:
    return changes.Council.from_settings(settings_for(db))


def report_command(
    person_id: Annotated[int, typer.Argument(metavar="PERSON_ID", help="The person's hub id.")],
    address: Annotated[str | None, typer.Option(help="The new address (with --postcode).")
                       ] = None,
    postcode: Annotated[str | None, typer.Option(help="The new postcode.")] = None,
    phone: Annotated[str | None, typer.Option(help="The new phone number.")] = None,
    email: Annotated[str | None, typer.Option(help="The new email address.")] = None,
    db: DbOption = None,
) -> None:
    """Report a person's new address, phone or email.

    It is sent to every agency holding them. Recorded by the DPO's office (a letter, a call);
    the person sees it in the citizen portal.
    """
    given = {"address": {"address": address, "postcode": postcode}, "phone": {"phone": phone},
             "email": {"email": email}}
    kinds = [k for k, v in given.items() if any(x is not None for x in v.values())]
    if len(kinds) != 1:
        raise BadInput("give one change: --address with --postcode, or --phone, or --email")
    [kind] = kinds
    with store(db) as engine, governed(engine) as connection:
        done = changes.report_change(connection, acting_as(settings_for(db), Role.DPO),
                                     person_id, kind, given[kind], now=utcnow(),
                                     channel="letter")
    out.print(f"change {done.change_id} ({kind}) of person {person_id} sent to "
              f"{len(done.agencies)} agencies: {', '.join(done.agencies)}", highlight=False)


def _new(n: changes.Notification) -> str:
    return ", ".join(n.new_values[f] for f in changes.KINDS[n.kind])


def list_command(
    agency: Annotated[str | None, typer.Option(help="Only those addressed to this agency.")
                      ] = None,
    status: Annotated[str | None, typer.Option(help="pending, accepted or rejected.")] = None,
    organisation: OrganisationOption = None,
    db: DbOption = None,
) -> None:
    """Change notifications, oldest first (each person shown is audited)."""
    actor, purpose = _reader(db, organisation)
    with store(db) as engine, governed(engine) as connection:
        found = changes.notifications(connection, actor, purpose, agency_name=agency,
                                      status=status, now=utcnow(), council=_council(db))
    if not found:
        out.print("no change notifications")
        return
    table = Table(title="change notifications", title_justify="left")
    for name in ("id", "change", "agency", "person", "kind", "new", "reported", "status"):
        table.add_column(name)
    for n in found:
        table.add_row(str(n.id), str(n.change_id), n.agency, str(n.person_id or ""), n.kind,
                      _new(n), f"{n.reported_at:%Y-%m-%d %H:%M}", n.shown_status)
    out.print(table)


def show_command(notification_id: IdArgument, organisation: OrganisationOption = None,
                 db: DbOption = None) -> None:
    """One notification: the agency's records, old values beside new."""
    actor, purpose = _reader(db, organisation)
    with store(db) as engine, governed(engine) as connection:
        n = changes.notification(connection, actor, purpose, notification_id, now=utcnow(),
                                 council=_council(db))
    decided = "" if n.decided_at is None else \
        f" by {n.decided_by} on {n.decided_at:%Y-%m-%d %H:%M}"
    out.print(f"notification {n.id}: change {n.change_id} ({n.kind}) of person {n.person_id} "
              f"to {n.agency}, reported {n.reported_at:%Y-%m-%d %H:%M}: "
              f"{n.shown_status}{decided}", highlight=False)
    if n.reason:
        out.print(f"reason: {n.reason}", highlight=False)
    table = Table(title="records", title_justify="left")
    for name in ("record", "field", "old", "new", "feed now"):
        table.add_column(name)
    for r in n.records:
        for f in r.fields:
            table.add_row(f"{r.source}:{r.record_key}", f.label,
                          WITHHELD_TEXT if r.sealed else f.old or "", f.new,
                          WITHHELD_TEXT if r.sealed else f.current or "")
    if not n.records:
        out.print(f"{n.agency} holds activity about the person but no person record: update "
                  f"its own system's record of them", highlight=False)
    else:
        out.print(table)


def accept_command(notification_id: IdArgument, organisation: DecidesForOption = None,
                   db: DbOption = None) -> None:
    """Accept a change for your agency: you will update your own system."""
    with store(db) as engine, governed(engine) as connection:
        n = changes.decide(connection, _decider(db, organisation), Purpose.DATA_QUALITY,
                           notification_id, accept=True, now=utcnow(), council=_council(db))
    out.print(f"notification {n.id} accepted for {n.agency}", highlight=False)


def reject_command(notification_id: IdArgument,
                   reason: Annotated[str, typer.Option(help="Why: the person is shown it.")],
                   organisation: DecidesForOption = None,
                   db: DbOption = None) -> None:
    """Reject a change for your agency.

    With a reason, which the person is shown."""
    with store(db) as engine, governed(engine) as connection:
        n = changes.decide(connection, _decider(db, organisation), Purpose.DATA_QUALITY,
                           notification_id, accept=False, reason=reason, now=utcnow(),
                           council=_council(db))
    out.print(f"notification {n.id} rejected for {n.agency}", highlight=False)
