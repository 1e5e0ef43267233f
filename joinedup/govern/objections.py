"""A person's objections, recorded once and honoured in every decision, extract and export.

Two kinds, after the national data opt-out and the UK GDPR right to object: ``research`` (not
for planning or research: analytics and open data leave them out) and ``agency`` (not to be
shared with one named organisation: its staff see only what their own agency holds). An
objection is anchored to one of the person's records, so re-linking carries it along.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, update

from joinedup.errors import AccessDenied, BadInput
from joinedup.govern import audit
from joinedup.govern.relationships import anchor
from joinedup.govern.vocabulary import Actor, Purpose, Role
from joinedup.store.schema import citizen_account, objection, person_link

KINDS = ("research", "agency")
RECORDERS = frozenset({Role.DPO, Role.CALL_CENTRE_ADVISOR, Role.CITIZEN})
"""The DPO's office, advisors taking the request on the phone (tell us once), and a signed-in
citizen, for themselves only (``citizen_person``)."""


@dataclass(frozen=True)
class Objection:
    id: int
    kind: str
    agency: str | None
    recorded_at: datetime
    recorded_by: str
    withdrawn_at: datetime | None


def citizen_person(connection: Connection, actor: Actor) -> int | None:
    """The person a signed-in citizen (``citizen:<account id>``) is now: the one their
    account's verified record is linked to; None for anyone else."""
    account = actor.user.removeprefix(f"{Role.CITIZEN.value}:")
    if actor.role is not Role.CITIZEN or not account.isdigit():
        return None
    found = connection.execute(
        select(person_link.c.person_id)
        .join(citizen_account, citizen_account.c.source_record_id
              == person_link.c.source_record_id)
        .where(citizen_account.c.id == int(account))).scalar_one_or_none()
    return None if found is None else int(found)


def _allowed(connection: Connection, actor: Actor, action: str, person_id: int,
             now: datetime) -> None:
    reason = ""
    if actor.role not in RECORDERS:
        reason = f"the role {actor.role} may not record objections"
    elif actor.role is Role.CITIZEN and citizen_person(connection, actor) != person_id:
        reason = "a citizen may record or withdraw only their own objections"
    if reason:
        audit.append(connection, [audit.Event(actor, Purpose.SUBJECT_ACCESS, action, "deny",
                                              reason, person_id=person_id)], now=now)
        raise AccessDenied(reason)


def record_objection(connection: Connection, actor: Actor, person_id: int, kind: str, *,
                     agency: str | None = None, now: datetime) -> int:
    if kind not in KINDS:
        raise BadInput(f"an objection is one of {', '.join(KINDS)}, not {kind!r}")
    if (kind == "agency") != bool(agency):
        raise BadInput("an 'agency' objection names the organisation (--agency); a "
                       "'research' objection names none")
    _allowed(connection, actor, "record_objection", person_id, now)
    record = anchor(connection, person_id)
    if record is None:
        raise BadInput(f"no person with id {person_id}")
    objection_id = int(connection.execute(objection.insert().values(
        source_record_id=record, kind=kind, agency=agency, recorded_at=now,
        recorded_by=actor.user).returning(objection.c.id)).scalar_one())
    what = f"not to be shared with {agency}" if agency else "not for planning or research"
    audit.append(connection, [audit.Event(actor, Purpose.SUBJECT_ACCESS, "record_objection",
                                          "done", f"objection #{objection_id}: {what}",
                                          person_id=person_id)], now=now)
    return objection_id


def withdraw_objection(connection: Connection, actor: Actor, objection_id: int, *,
                       now: datetime) -> None:
    row = connection.execute(select(objection.c.source_record_id, person_link.c.person_id)
                             .outerjoin(person_link, person_link.c.source_record_id
                                        == objection.c.source_record_id)
                             .where(objection.c.id == objection_id,
                                    objection.c.withdrawn_at.is_(None))).first()
    if row is None:
        raise BadInput(f"no objection {objection_id} in force")
    _allowed(connection, actor, "withdraw_objection", row.person_id, now)
    connection.execute(update(objection).where(objection.c.id == objection_id)
                       .values(withdrawn_at=now))
    audit.append(connection, [audit.Event(actor, Purpose.SUBJECT_ACCESS, "withdraw_objection",
                                          "done", f"objection #{objection_id} withdrawn",
                                          person_id=row.person_id)], now=now)


def objections_of(connection: Connection, person_id: int) -> list[Objection]:
    rows = connection.execute(
        select(objection.c.id, objection.c.kind, objection.c.agency, objection.c.recorded_at,
               objection.c.recorded_by, objection.c.withdrawn_at)
        .join(person_link, person_link.c.source_record_id == objection.c.source_record_id)
        .where(person_link.c.person_id == person_id).order_by(objection.c.id))
    return [Objection(*r) for r in rows]
