"""Exports through governance: the sources an actor may take out in bulk, sealed records and
objections honoured, every export audited with what left the hub and under which agreement."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, select

from joinedup.errors import AccessDenied
from joinedup.govern import audit
from joinedup.govern.decide import Scope, bulk_scope, field_names
from joinedup.govern.register import Register
from joinedup.govern.vocabulary import (
    GROUP_FIELDS,
    RESEARCH_PURPOSES,
    SEALED,
    Actor,
    Group,
)
from joinedup.store.export import (
    LINK_COLUMNS,
    RECORD_COLUMNS,
    RowWriter,
    link_row,
    links_query,
    records_query,
)
from joinedup.store.schema import agency, objection, person_link, source


@dataclass(frozen=True)
class ExportReport:
    rows: int
    unlinked: int
    sources: tuple[str, ...]
    withheld: tuple[str, ...]
    """Sources no agreement lets this actor export: named, so nobody mistakes a partial file
    for the whole."""
    seq: int


def _scope(connection: Connection, register: Register, actor: Actor, purpose: str,
           action: str, now: datetime) -> Scope:
    sources = [(n, a, k) for n, a, k in connection.execute(
        select(source.c.name, agency.c.name, source.c.kind)
        .join(agency, agency.c.id == source.c.agency_id).where(source.c.kind == "person"))]
    scope = bulk_scope(actor, purpose, register.in_force(now.date()), sources)
    if isinstance(scope, str):
        audit.append(connection, [audit.Event(actor, purpose, action, "deny", scope)], now=now)
        raise AccessDenied(scope)
    return scope


def _objectors(connection: Connection, actor: Actor, purpose: str) -> set[int]:
    """Persons whose objection covers this export: to the actor's organisation, or to research
    when the export is for research."""
    kinds = ["agency", "research"] if purpose in RESEARCH_PURPOSES else ["agency"]
    query = (select(person_link.c.person_id, objection.c.kind, objection.c.agency)
             .join(person_link, person_link.c.source_record_id == objection.c.source_record_id)
             .where(objection.c.withdrawn_at.is_(None), objection.c.kind.in_(kinds)))
    return {p for p, kind, named in connection.execute(query)
            if kind == "research" or named == actor.organisation}


def _rows(connection: Connection, scope: Scope, query: Select[Any], objectors: set[int],
          own: set[str]) -> Iterable[Any]:
    for row in connection.execute(query.execution_options(yield_per=10_000)):
        name, sensitivity, person_id = row[0], row[-2], row[-1]
        if sensitivity == SEALED and name not in scope.sealed:
            continue
        if person_id in objectors and name not in own:
            continue
        yield row


def _own(connection: Connection, actor: Actor) -> set[str]:
    return set(connection.execute(select(source.c.name).join(
        agency, agency.c.id == source.c.agency_id)
        .where(agency.c.name == actor.organisation)).scalars())


def _audit(connection: Connection, actor: Actor, purpose: str, action: str, scope: Scope,
           rows: int, now: datetime) -> int:
    withheld = f"; withheld (no agreement): {', '.join(scope.withheld)}" if scope.withheld else ""
    [seq] = audit.append(connection, [audit.Event(
        actor, purpose, action, "allow",
        f"{rows} records from {', '.join(sorted(scope.grants)) or 'no source'}{withheld}",
        field_names(scope.grants), scope.agreements)], now=now)
    return seq


def export_records(connection: Connection, register: Register, actor: Actor, purpose: str,
                   writer: RowWriter, *, source_name: str | None = None, now: datetime
                   ) -> ExportReport:
    """``source, record_id`` and the person fields an agreement lets this actor take; fields of
    a group not granted are left empty."""
    scope = _scope(connection, register, actor, purpose, "export_records", now)
    names = [n for n in scope.grants if source_name in (None, n)]
    shown = {n: {f for g in scope.grants[n] for f in GROUP_FIELDS.get(Group(g), ())}
             for n in names}
    writer.writerow(("source", "record_id", *RECORD_COLUMNS))
    count = 0
    objectors = _objectors(connection, actor, purpose)
    for row in _rows(connection, scope, records_query(names), objectors, _own(connection, actor)):
        fields = shown[row[0]]
        values = row[2:2 + len(RECORD_COLUMNS)]
        writer.writerow((row[0], row[1], *("" if v is None or c not in fields else v
                                           for c, v in zip(RECORD_COLUMNS, values,
                                                           strict=True))))
        count += 1
    report = ExportReport(count, 0, tuple(names), scope.withheld,
                          _audit(connection, actor, purpose, "export_records", scope, count, now))
    return report


def export_links(connection: Connection, register: Register, actor: Actor, purpose: str,
                 writer: RowWriter, *, now: datetime) -> ExportReport:
    """Each record's person id, for the sources whose identity this actor may take."""
    scope = _scope(connection, register, actor, purpose, "export_links", now)
    names = [n for n, groups in scope.grants.items() if Group.IDENTITY in groups]
    writer.writerow(LINK_COLUMNS)
    count = unlinked = 0
    objectors = _objectors(connection, actor, purpose)
    for name, record_id, person_id, weight, *_ in _rows(
            connection, scope, links_query(names).add_columns(person_link.c.person_id),
            objectors, _own(connection, actor)):
        writer.writerow(link_row(name, record_id, person_id, weight))
        count += 1
        unlinked += person_id is None
    return ExportReport(count, unlinked, tuple(names), scope.withheld,
                        _audit(connection, actor, purpose, "export_links", scope, count, now))
