"""``joinedup objections add|withdraw|list``: a person's objections, recorded by the DPO's
office and honoured everywhere from then on."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from joinedup.cli_base import DbOption, acting_as, out, settings_for, store, utcnow
from joinedup.govern import objections
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import Role

PersonArgument = Annotated[int, typer.Argument(metavar="PERSON_ID", help="The person's hub id.")]


def add_command(
    person_id: PersonArgument,
    kind: Annotated[str, typer.Option(help="research (not for planning or research) or agency "
                                           "(not to be shared with --agency).")],
    agency: Annotated[str | None, typer.Option(
        help="The organisation the person does not want to see their data.")] = None,
    db: DbOption = None,
) -> None:
    """Record an objection, honoured from then on.

    Every later decision, extract and export honours it.
    """
    with store(db) as engine, governed(engine) as connection:
        objection_id = objections.record_objection(
            connection, acting_as(settings_for(db), Role.DPO), person_id, kind, agency=agency,
            now=utcnow())
    out.print(f"objection {objection_id} recorded for person {person_id}")


def withdraw_command(
    objection_id: Annotated[int, typer.Argument(metavar="OBJECTION_ID")],
    db: DbOption = None,
) -> None:
    """Withdraw an objection at the person's request."""
    with store(db) as engine, governed(engine) as connection:
        objections.withdraw_objection(connection, acting_as(settings_for(db), Role.DPO),
                                      objection_id, now=utcnow())
    out.print(f"objection {objection_id} withdrawn")


def list_command(person_id: PersonArgument, db: DbOption = None) -> None:
    """A person's objections, in force and withdrawn."""
    with store(db) as engine, engine.connect() as connection:
        found = objections.objections_of(connection, person_id)
    if not found:
        out.print(f"person {person_id} has recorded no objection")
        return
    table = Table(title=f"objections of person {person_id}", title_justify="left")
    for name in ("id", "kind", "agency", "recorded", "by", "withdrawn"):
        table.add_column(name)
    for o in found:
        table.add_row(str(o.id), o.kind, o.agency or "", f"{o.recorded_at:%Y-%m-%d %H:%M}",
                      o.recorded_by, "" if o.withdrawn_at is None
                      else f"{o.withdrawn_at:%Y-%m-%d %H:%M}")
    out.print(table)
