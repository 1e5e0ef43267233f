"""The facts an access decision depends on, gathered for a whole list of persons at once:
their records (source, agency, sensitivity), the activity sources filed under them, objections,
and the actor's relationship with each (involvement or referral with their team, a live
contact, break-glass). A few set-based queries per list, not per person, so a page of search
results or the households in a flood zone cost about what one person costs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, func, or_, select

from joinedup.govern.vocabulary import DETAIL_GROUPS, Actor, Group, Role
from joinedup.settings import Settings
from joinedup.store.schema import (
    agency,
    break_glass,
    involvement,
    live_contact,
    objection,
    person_link,
    referral,
    source,
    source_record,
)

CHUNK = 500
"""Ids per IN (...) list: well inside SQLite's and PostgreSQL's parameter limits."""


@dataclass(frozen=True)
class Policy:
    """The time limits a council configures (``JOINEDUP_*`` settings)."""

    days_after_close: int = 30
    break_glass_minutes: int = 60
    live_contact_hours: int = 4

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(settings.relationship_days_after_close, settings.break_glass_minutes,
                   settings.live_contact_hours)


@dataclass(frozen=True)
class Record:
    id: int
    source: str
    agency: str
    sensitivity: str


@dataclass(frozen=True)
class Facts:
    """What one person's decision depends on."""

    records: tuple[Record, ...]
    activity: tuple[tuple[str, str, str, str], ...] = ()
    """(source, agency, person source, kind) of every contact, involvement and flag source
    that files its rows under one of the person's record sources."""
    relationship: str | None = None
    break_glass: int | None = None
    objections: tuple[tuple[str, str | None], ...] = ()


NO_FACTS = Facts(())
DEFAULT_POLICY = Policy()


def _ids(name: str = "ids") -> Any:
    return bindparam(name, expanding=True)


# Statements are built once: building one costs more than running it on SQLite.
_SR = source_record.table.c
_RECORDS = (select(person_link.c.person_id, _SR.id, source.c.name, agency.c.name,
                   func.coalesce(_SR.sensitivity, "standard"))
            .join(source_record.table, _SR.id == person_link.c.source_record_id)
            .join(source, source.c.id == _SR.source_id)
            .join(agency, agency.c.id == source.c.agency_id)
            .where(person_link.c.person_id.in_(_ids())))
_PARENT = source.alias("parent")
_ACTIVITY = (select(source.c.name, agency.c.name, _PARENT.c.name, source.c.kind)
             .join(agency, agency.c.id == source.c.agency_id)
             .join(_PARENT, _PARENT.c.id == source.c.person_source_id))
_OBJECTIONS = select(objection.c.source_record_id, objection.c.kind, objection.c.agency).where(
    objection.c.withdrawn_at.is_(None), objection.c.source_record_id.in_(_ids()))
_INV = involvement.table.c
_OPEN_CASES = select(_INV.person_record_id, _INV.service).where(
    func.lower(_INV.team) == bindparam("team"),
    or_(_INV.started_on.is_(None), _INV.started_on <= bindparam("today")),
    or_(_INV.ended_on.is_(None), _INV.ended_on >= bindparam("cutoff")),
    _INV.person_record_id.in_(_ids()))
_REFERRALS = select(referral.c.source_record_id, referral.c.id).where(
    func.lower(referral.c.team) == bindparam("team"),
    referral.c.organisation == bindparam("organisation"),
    referral.c.started_on <= bindparam("today"),
    or_(referral.c.ended_on.is_(None), referral.c.ended_on >= bindparam("cutoff")),
    referral.c.source_record_id.in_(_ids()))
_LIVE = select(live_contact.c.source_record_id, live_contact.c.id).where(
    live_contact.c.user_name == bindparam("user"), live_contact.c.ended_at.is_(None),
    live_contact.c.started_at >= bindparam("since"), live_contact.c.source_record_id.in_(_ids()))
_GLASS = select(break_glass.c.source_record_id, break_glass.c.id).where(
    break_glass.c.user_name == bindparam("user"), break_glass.c.role == bindparam("role"),
    break_glass.c.started_at <= bindparam("now"), break_glass.c.expires_at > bindparam("now"),
    break_glass.c.source_record_id.in_(_ids()))


def _rows(connection: Connection, statement: Any, ids: Sequence[int], **params: Any
          ) -> Iterator[Any]:
    for start in range(0, len(ids), CHUNK):
        yield from connection.execute(statement, {**params, "ids": list(ids[start:start + CHUNK])})


def gather(connection: Connection, actor: Actor, person_ids: Sequence[int],
           asked: Collection[Group], policy: Policy, now: datetime) -> dict[int, Facts]:
    """Facts per person id; persons with no current record are absent."""
    records: dict[int, list[Record]] = defaultdict(list)
    owner: dict[int, int] = {}
    for person_id, *record in _rows(connection, _RECORDS, sorted(set(person_ids))):
        records[person_id].append(Record(*record))
        owner[record[0]] = person_id
    if not records:
        return {}
    ids = sorted(owner)
    activity: dict[str, list[tuple[str, str, str, str]]] = defaultdict(list)
    for name, agency_name, parent_name, kind in connection.execute(_ACTIVITY):
        activity[parent_name].append((name, agency_name, parent_name, kind))
    objections: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
    for record_id, kind, agency_name in _rows(connection, _OBJECTIONS, ids):
        objections[owner[record_id]].append((kind, agency_name))
    related: dict[int, str] = {}
    glass: dict[int, int] = {}
    if DETAIL_GROUPS & set(asked):
        for record_id, why in _relationships(connection, actor, ids, policy, now):
            related.setdefault(owner[record_id], why)
        for record_id, glass_id in _rows(connection, _GLASS, ids, user=actor.user,
                                         role=str(actor.role), now=now):
            glass[owner[record_id]] = max(glass.get(owner[record_id], 0), glass_id)
    return {p: Facts(tuple(rs), tuple(a for r in {r.source for r in rs}
                                      for a in activity.get(r, ())),
                     related.get(p), glass.get(p), tuple(objections.get(p, ())))
            for p, rs in records.items()}


def _relationships(connection: Connection, actor: Actor, ids: Sequence[int], policy: Policy,
                   now: datetime) -> Iterator[tuple[int, str]]:
    """(record id, how the actor is related to it), strongest kinds first."""
    today = now.date()
    if actor.team:
        dates = {"team": actor.team.lower(), "today": today,
                 "cutoff": today - timedelta(days=policy.days_after_close)}
        for record_id, service in _rows(connection, _OPEN_CASES, ids, **dates):
            yield record_id, f"open involvement with {actor.team} ({service})"
        for record_id, referral_id in _rows(connection, _REFERRALS, ids,
                                            organisation=actor.organisation, **dates):
            yield record_id, f"referral #{referral_id} to {actor.team}"
    if actor.role is Role.CALL_CENTRE_ADVISOR:
        since = now - timedelta(hours=policy.live_contact_hours)
        for record_id, contact_id in _rows(connection, _LIVE, ids, user=actor.user,
                                           since=since):
            yield record_id, f"live contact #{contact_id}"
