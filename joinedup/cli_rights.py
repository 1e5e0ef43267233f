"""``joinedup sar`` and ``joinedup rectify``: a person's rights of access and rectification,
run by the DPO's office (``JOINEDUP_OPERATOR`` of ``JOINEDUP_ORGANISATION``).

Thin over ``joinedup.govern.sar`` and ``joinedup.govern.rectify``: each runs in one governed
transaction, so a refusal is audited and committed, anything else rolled back whole."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from joinedup.cli_base import DbOption, acting_as, out, settings_for, store, utcnow
from joinedup.errors import BadInput
from joinedup.govern.rectify import find_record, rectify
from joinedup.govern.register import register
from joinedup.govern.sar import EXEMPT, subject_access
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import Role


def sar_command(
    person_id: Annotated[int, typer.Argument(help="The person's hub id.")],
    output: Annotated[Path, typer.Option(
        "-o", "--output", help="Directory to write the pack (JSON, HTML) and DPO notes to.")],
    exempt: Annotated[str, typer.Option(
        help="Comma-separated sensitivities of contacts, involvements and flags to withhold "
             "(counted in the DPO notes only); '' withholds nothing.")
    ] = ",".join(sorted(EXEMPT)),
    staff_names: Annotated[bool, typer.Option(
        "--staff-names/--no-staff-names",
        help="Show staff user names in the audit trail (organisation and role always are).")
    ] = True,
    db: DbOption = None,
) -> None:
    """Build a person's subject access pack.

    Everything held about one person, for a subject access request under UK GDPR Article 15.
    """
    sensitivities = {s.strip() for s in exempt.split(",") if s.strip()}
    with store(db) as engine, governed(engine) as connection:
        dpo = acting_as(settings_for(db), Role.DPO)
        pack = subject_access(connection, register(connection), dpo, person_id, output,
                              now=utcnow(), exempt=sensitivities, staff_names=staff_names)
    c = pack.counts
    out.print(f"subject access pack for person {person_id}: {pack.html_path} and "
              f"{pack.json_path}", highlight=False, soft_wrap=True)
    out.print(f"  {c['records']} records ({c['earlier_versions']} earlier versions), "
              f"{c['contacts']} contacts, {c['involvements']} involvements, {c['flags']} flags, "
              f"{c['audit_events']} audit events, {c['agreements']} agreements", highlight=False)
    for name, counts in pack.agencies.items():
        held = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
        out.print(f"  {name}: {held}", highlight=False, soft_wrap=True)
    out.print(f"  request received {pack.requested_on}; respond by {pack.deadline}",
              highlight=False)
    out.print(f"DPO notes (not for release): {pack.dpo_notes_path}: {c['withheld']} items "
              f"withheld, {c['sealed_for_review']} sealed to review before release",
              highlight=False, soft_wrap=True)


def _record(text: str) -> tuple[str, str]:
    source_name, sep, key = text.partition(":")
    if not sep or not source_name or not key:
        raise BadInput(f"--record {text!r}: expected SOURCE:RECORD_ID, e.g. "
                       "asc_clients:A1")
    return source_name, key


def rectify_command(
    person_id: Annotated[int, typer.Argument(help="The person's hub id.")],
    record: Annotated[str, typer.Option(
        metavar="SOURCE:RECORD_ID", help="The record to correct, as its source names it.")],
    field: Annotated[str, typer.Option(help="The field to correct, e.g. family_name.")],
    value: Annotated[str, typer.Option(help="The correct value ('' clears the field).")],
    reason: Annotated[str, typer.Option(help="Why: what the person asked, what evidence.")],
    db: DbOption = None,
) -> None:
    """Record a correction a person asked for.

    It overrides a source's value wherever the hub shows it (UK GDPR Article 16), and lists
    the organisations to tell (Article 19).
    """
    source_name, key = _record(record)
    with store(db) as engine, governed(engine) as connection:
        record_id = find_record(connection, source_name, key)
        dpo = acting_as(settings_for(db), Role.DPO)
        done = rectify(connection, dpo, person_id, record_id=record_id, field=field,
                       value=value, reason=reason, now=utcnow())
    out.print(f"rectification #{done.id}: {done.field} of {done.source}:{done.record_key} "
              f"(person {person_id}) {done.previous_value!r} -> {done.value!r}",
              highlight=False, soft_wrap=True)
    out.print(f"correct it at source too: {done.agency}", highlight=False, soft_wrap=True)
    if done.recipients_to_notify:
        out.print("notify (UK GDPR Art. 19): " + "; ".join(done.recipients_to_notify),
                  highlight=False, soft_wrap=True)
    else:
        out.print("notify (UK GDPR Art. 19): no other organisation was shown this value",
                  highlight=False)
