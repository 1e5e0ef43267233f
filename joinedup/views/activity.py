"""Contacts, involvements and flags filed under person records, with the practitioners they
name: the detail a view shows once a decision grants it.

Every query takes the record ids a decision covers, so the activity of a sealed record stays as
hidden as the record; ``shown`` then keeps the rows of the sources whose group the decision
grants, sealed rows only of sources a sealed share names, flags by their sensitivity's group.
One query per kind of row, whatever the number of records or agencies.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Select, case, func, select

from joinedup.govern.decide import Decision
from joinedup.govern.vocabulary import SEALED, Group, flag_group
from joinedup.store.schema import agency, contact, flag, involvement, practitioner
from joinedup.views.records import Source, chunks


@dataclass(frozen=True)
class Staff:
    """A practitioner as an agency's feed names them, and how to reach them."""

    id: int
    agency: str
    name: str
    role: str | None
    team: str | None
    email: str | None
    phone: str | None


@dataclass(frozen=True)
class ContactRow:
    id: int
    person_record_id: int
    source: str
    agency: str
    occurred_at: datetime
    service: str | None
    channel: str | None
    team: str | None
    summary: str | None
    sensitivity: str
    practitioner: Staff | None


@dataclass(frozen=True)
class InvolvementRow:
    id: int
    person_record_id: int
    source: str
    agency: str
    service: str
    team: str | None
    reason: str | None
    started_on: date | None
    ended_on: date | None
    sensitivity: str
    key_worker: Staff | None

    def open_on(self, day: date) -> bool:
        """Not ended, or ending after ``day``, and begun (the caseload's meaning of open)."""
        return ((self.started_on is None or self.started_on <= day)
                and (self.ended_on is None or self.ended_on > day))


@dataclass(frozen=True)
class FlagRow:
    id: int
    person_record_id: int
    source: str
    agency: str
    flag: str
    description: str | None
    sensitivity: str
    raised_on: date | None
    expires_on: date | None


@dataclass(frozen=True)
class ContactTally:
    """Contacts of one practitioner with one person record in one service."""

    person_record_id: int
    source: str
    sensitivity: str
    practitioner_id: int
    service: str | None
    recent: int
    """Since the ``since`` asked for (the last 90 days)."""
    last_at: datetime


def shown(decision: Decision, source_name: str, sensitivity: str | None, group: Group) -> bool:
    """Whether a row of ``source_name`` the decision's records hold may be shown."""
    return decision.allows(source_name, group) and (
        (sensitivity or "standard") != SEALED or source_name in decision.sealed)


def shown_flag(decision: Decision, row: FlagRow) -> bool:
    group = flag_group(row.sensitivity)
    return group is not None and shown(decision, row.source, row.sensitivity, group)


_P = practitioner.c
_STAFF = (_P.id.label("p_id"), _P.name.label("p_name"), _P.role.label("p_role"),
          _P.team.label("p_team"), _P.email.label("p_email"), _P.phone.label("p_phone"))
def _staff(m: Any, agency_name: str) -> Staff | None:
    if m["p_id"] is None:
        return None
    return Staff(m["p_id"], agency_name, m["p_name"], m["p_role"], m["p_team"], m["p_email"],
                 m["p_phone"])


def _held_by(known: dict[int, Source], row: Any) -> tuple[str, str]:
    """(source, agency) of a row."""
    where = known[row.source_id]
    return where.name, where.agency


def _of(table: Any, *columns: Any, staff: Any = None) -> Select[Any]:
    query = select(table.c.id, table.c.person_record_id, table.c.source_id, *columns)
    if staff is not None:
        query = query.add_columns(*_STAFF).outerjoin(practitioner, _P.id == staff)
    return query


def _run(connection: Connection, query: Select[Any], column: Any, record_ids: Iterable[int]
         ) -> list[Any]:
    return [row for chunk in chunks(list(record_ids))
            for row in connection.execute(query.where(column.in_(chunk)))]


_C = contact.table.c
_CONTACTS = _of(contact.table, _C.occurred_at, _C.service, _C.channel, _C.team, _C.summary,
                _C.sensitivity, staff=_C.practitioner_id)


def contacts(connection: Connection, record_ids: Collection[int],
             known: dict[int, Source]) -> list[ContactRow]:
    """Every contact with these records, newest first (``known``: ``records.sources``)."""
    rows = [ContactRow(r.id, r.person_record_id, *_held_by(known, r), r.occurred_at,
                       r.service, r.channel, r.team, r.summary, r.sensitivity or "standard",
                       _staff(r._mapping, known[r.source_id].agency))
            for r in _run(connection, _CONTACTS, _C.person_record_id, record_ids)]
    rows.sort(key=lambda r: (r.occurred_at, r.id), reverse=True)
    return rows


def tallies(connection: Connection, record_ids: Collection[int],
            known: dict[int, Source], since: datetime) -> list[ContactTally]:
    """Contacts per (record, source, practitioner, service): how many since ``since`` and the
    latest, counted in SQL so a person with years of visits costs one small result."""
    recent = func.sum(case((_C.occurred_at >= since, 1), else_=0))
    query = (select(_C.person_record_id, _C.source_id, _C.sensitivity, _C.practitioner_id,
                    _C.service, recent, func.max(_C.occurred_at))
             .where(_C.practitioner_id.is_not(None))
             .group_by(_C.person_record_id, _C.source_id, _C.sensitivity, _C.practitioner_id,
                       _C.service))
    return [ContactTally(r[0], known[r[1]].name, r[2] or "standard", r[3], r[4], int(r[5] or 0),
                         r[6])
            for r in _run(connection, query, _C.person_record_id, record_ids)]


def staff(connection: Connection, ids: Collection[int]) -> dict[int, Staff]:
    """Practitioners by id, with their agency."""
    query = (select(*_STAFF, agency.c.name.label("agency_name"))
             .join(agency, agency.c.id == _P.agency_id))
    return {r.p_id: Staff(r.p_id, r.agency_name, r.p_name, r.p_role, r.p_team, r.p_email,
                          r.p_phone)
            for r in _run(connection, query, _P.id, ids)}


_I = involvement.table.c
_INVOLVEMENTS = _of(involvement.table, _I.service, _I.team, _I.reason, _I.started_on,
                    _I.ended_on, _I.sensitivity, staff=_I.key_worker_id)


def involvements(connection: Connection, record_ids: Collection[int],
                 known: dict[int, Source]) -> list[InvolvementRow]:
    return [InvolvementRow(r.id, r.person_record_id, *_held_by(known, r), r.service, r.team,
                           r.reason, r.started_on, r.ended_on, r.sensitivity or "standard",
                           _staff(r._mapping, known[r.source_id].agency))
            for r in _run(connection, _INVOLVEMENTS, _I.person_record_id, record_ids)]


_F = flag.table.c
_FLAGS = _of(flag.table, _F.flag, _F.description, _F.sensitivity, _F.raised_on, _F.expires_on)


def flags(connection: Connection, record_ids: Collection[int],
          known: dict[int, Source]) -> list[FlagRow]:
    return [FlagRow(r.id, r.person_record_id, *_held_by(known, r), r.flag, r.description,
                    r.sensitivity, r.raised_on, r.expires_on)
            for r in _run(connection, _FLAGS, _F.person_record_id, record_ids)]
