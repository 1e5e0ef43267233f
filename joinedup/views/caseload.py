"""Caseloads and the team around a person.

``caseload``: the persons a practitioner (by work email, in the actor's organisation) or the
actor's team is key worker for, through involvements open today. Each person is decided
(``read_caseload``) for identity and involvements: an entry says the person is on someone's
caseload, which is itself involvement data, so it is listed only where the decision grants
the involvement's source (and its record: a sealed record stays invisible).

``involved``: everyone involved with one person across agencies, as far as the decision grants
involvements and contacts, with how to reach them, and a suggested lead (``views.lead``)
weighing contacts with the household too (each member decided, ``read_household``).

Practitioners are registered per agency feed, by email where the feed has one, else by name,
so one person can appear as two rows (a contact feed names them, an involvement feed gives
their email). Within an agency, a row without an email is taken to be the one row of the same
name that has one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, func, or_, select

from joinedup.errors import AccessDenied, BadInput
from joinedup.govern import audit
from joinedup.govern.decide import Decision, decide, decide_many, purpose_refusal
from joinedup.govern.facts import DEFAULT_POLICY, Policy
from joinedup.govern.register import Register
from joinedup.govern.vocabulary import IDENTITY_GROUPS, Actor, Group
from joinedup.standardise import InvalidValue, normalise_email
from joinedup.store.schema import agency, involvement, person_link, practitioner
from joinedup.views import activity
from joinedup.views.activity import ContactTally, InvolvementRow, Staff
from joinedup.views.basis import basis
from joinedup.views.golden import chosen_value
from joinedup.views.household import household, uprns
from joinedup.views.lead import (
    RECENT_DAYS,
    InvolvedPractitioner,
    LeadSuggestion,
    statutory,
    suggest_lead,
)
from joinedup.views.records import Held, granted, held, sources

CASELOAD_GROUPS = IDENTITY_GROUPS | {Group.INVOLVEMENTS}
INVOLVED_GROUPS = frozenset({Group.CONTACT_DETAILS, Group.INVOLVEMENTS, Group.CONTACTS})
"""Contact details only for the household's address; nothing of the person is shown."""


@dataclass(frozen=True)
class CaseloadEntry:
    person_id: int
    given_name: str | None
    family_name: str | None
    date_of_birth: date | None
    service: str
    team: str | None
    key_worker: str | None
    started_on: date | None
    reason: str
    """The decision's reason."""
    basis: str
    """Why the involvement may be shown: whose record, under what."""


@dataclass(frozen=True)
class Involved:
    person_id: int
    reason: str
    practitioners: tuple[InvolvedPractitioner, ...]
    lead: LeadSuggestion | None
    request_id: str


def _refuse(connection: Connection, actor: Actor, purpose: str | None, action: str,
            reason: str, now: datetime) -> AccessDenied:
    audit.append(connection, [audit.Event(actor, purpose or "", action, "deny", reason)],
                 now=now)
    return AccessDenied(reason)


_I = involvement.table.c
_P = practitioner.c


def _open_involvements(connection: Connection, actor: Actor, email: str | None, today: date
                       ) -> list[tuple[int, int, str, str | None, str | None, date | None,
                                       str, str]]:
    """(person, record, service, team, key worker, started, source, sensitivity) of the
    caseload's open involvements, from the actor's own agency's feeds. Filtered on the key
    worker (indexed) or the team alone, the agency in Python: a join to filter on would lead
    SQLite's planner through every involvement of the agency."""
    query = (select(person_link.c.person_id, _I.person_record_id, _I.service, _I.team,
                    _P.name, _I.started_on, _I.source_id, _I.sensitivity)
             .join(person_link, person_link.c.source_record_id == _I.person_record_id)
             .outerjoin(practitioner, _P.id == _I.key_worker_id)
             .where(or_(_I.started_on.is_(None), _I.started_on <= today),
                    or_(_I.ended_on.is_(None), _I.ended_on > today)))
    if email is not None:
        try:
            address = normalise_email(email.strip()[:320])
        except InvalidValue as exc:
            raise BadInput(f"email: {email[:100]!r} is not an email address; expected "
                           f"{exc.expected}") from exc
        ids = list(connection.execute(
            select(_P.id).join(agency, agency.c.id == _P.agency_id)
            .where(_P.email == address, agency.c.name == actor.organisation)).scalars())
        if not ids:
            raise BadInput(f"email: no practitioner with the email {address} in "
                           f"{actor.organisation}")
        query = query.where(_I.key_worker_id.in_(ids))
    elif actor.team:
        query = query.where(func.lower(_I.team) == actor.team.lower())
    else:
        raise BadInput("email: you are in no team; give the email of the practitioner whose "
                       "caseload you want")
    known = sources(connection)
    return [(r[0], r[1], r[2], r[3], r[4], r[5], known[r[6]].name, r[7] or "standard")
            for r in connection.execute(query) if known[r[6]].agency == actor.organisation]


def caseload(connection: Connection, register: Register, actor: Actor, purpose: str | None,
             *, email: str | None, now: datetime, policy: Policy = DEFAULT_POLICY
             ) -> tuple[CaseloadEntry, ...]:
    """The open caseload of the practitioner with ``email`` (case-insensitive, in the
    actor's organisation), or of the actor's team when ``email`` is None."""
    refused = purpose_refusal(actor, purpose)
    if refused is not None:
        raise _refuse(connection, actor, purpose, "read_caseload", refused, now)
    rows = _open_involvements(connection, actor, email, now.date())
    persons = sorted({r[0] for r in rows})
    if not persons:
        return ()
    decisions = {d.person_id: d for d in decide_many(
        connection, register, actor, purpose, persons, CASELOAD_GROUPS, policy=policy,
        now=now, action="read_caseload")}
    records: dict[int, list[Held]] = defaultdict(list)
    for h in held(connection, sorted({r for d in decisions.values() if d.allowed
                                      for r in d.records})):
        if h.person_id is not None:
            records[h.person_id].append(h)
    entries = []
    for person_id, record_id, service, team, worker, started, source_name, sensitivity in rows:
        d = decisions[person_id]
        if not (d.allowed and record_id in d.records and activity.shown(
                d, source_name, sensitivity, Group.INVOLVEMENTS)):
            continue
        named = granted(records[person_id], d, Group.IDENTITY)
        born = chosen_value("date_of_birth", named)
        agency_name = actor.organisation
        entries.append(CaseloadEntry(
            person_id, chosen_value("given_name", named), chosen_value("family_name", named),
            date.fromisoformat(born) if born else None, service, team, worker, started,
            d.reason, basis(d, source_name, agency_name, purpose, detail=True)))
    entries.sort(key=lambda e: (e.family_name or "", e.given_name or "", e.person_id,
                                e.started_on or date.min, e.service))
    return tuple(entries)


def _same_people(staff: Iterable[Staff]) -> dict[int, Staff]:
    """Practitioner id -> the row that stands for them (see the module docstring)."""
    by_name: dict[tuple[str, str], list[Staff]] = defaultdict(list)
    for s in staff:
        by_name[s.agency, s.name.lower()].append(s)
    chosen: dict[int, Staff] = {}
    for rows in by_name.values():
        emailed = [s for s in rows if s.email]
        for s in rows:
            chosen[s.id] = s if s.email or len(emailed) != 1 else emailed[0]
    return chosen


@dataclass
class _Tally:
    staff: Staff
    services: set[str] = field(default_factory=set)
    bases: dict[str, None] = field(default_factory=dict)
    """Why each row that names them may be shown (a dict keeps the order, without repeats)."""
    open_since: date | None = None
    statutory: set[str] = field(default_factory=set)
    key_worker: bool = False
    last_at: datetime | None = None
    recent: int = 0
    household: int = 0


def _practitioners(involvements: Sequence[InvolvementRow], mine: Sequence[ContactTally],
                   theirs: Sequence[ContactTally], people: dict[int, Staff],
                   decision: Decision, purpose: str | None, today: date
                   ) -> list[InvolvedPractitioner]:
    staff = _same_people([*people.values(), *(r.key_worker for r in involvements
                                              if r.key_worker)])
    found: dict[int, _Tally] = {}

    def tally(s: Staff, source_name: str) -> _Tally:
        t = found.setdefault(staff[s.id].id, _Tally(staff[s.id]))
        t.bases[basis(decision, source_name, s.agency, purpose, detail=True)] = None
        return t

    for r in involvements:
        if r.key_worker is None:
            continue
        t = tally(r.key_worker, r.source)
        t.services.add(r.service)
        if r.open_on(today):
            t.key_worker = True
            t.open_since = min(filter(None, (t.open_since, r.started_on)), default=None)
            if statutory(r.service):
                t.statutory.add(r.service)
    for c in mine:
        t = tally(people[c.practitioner_id], c.source)
        if c.service:
            t.services.add(c.service)
        t.recent += c.recent
        t.last_at = max(filter(None, (t.last_at, c.last_at)), default=None)
    for c in theirs:
        if (kept := staff[c.practitioner_id].id) in found:
            found[kept].household += c.recent
    return [InvolvedPractitioner(
        t.staff.id, t.staff.name, t.staff.role, t.staff.team, t.staff.agency, t.staff.email,
        t.staff.phone, tuple(sorted(t.services)), t.key_worker, tuple(sorted(t.statutory)),
        t.open_since, t.last_at, t.recent, t.household, "; ".join(t.bases))
        for t in found.values()]


def involved(connection: Connection, register: Register, actor: Actor, purpose: str | None,
             person_id: int, *, now: datetime, policy: Policy = DEFAULT_POLICY) -> Involved:
    """Everyone involved with ``person_id`` and a suggested lead, inside the caller's
    ``governed`` transaction; a refusal is audited, then raised as ``AccessDenied``."""
    decision = decide(connection, register, actor, purpose, person_id, INVOLVED_GROUPS,
                      policy=policy, now=now, action="read_involved")
    if not decision.allowed:
        raise AccessDenied(decision.reason)
    today, since = now.date(), now - timedelta(days=RECENT_DAYS)
    known = sources(connection)
    involvements = [r for r in activity.involvements(connection, decision.records, known)
                    if activity.shown(decision, r.source, r.sensitivity, Group.INVOLVEMENTS)]
    records = held(connection, sorted(decision.records), known)
    members = household(connection, register, actor, purpose, person_id,
                        uprns(records, decision), groups={Group.CONTACT_DETAILS,
                                                          Group.CONTACTS},
                        now=now, policy=policy, request_id=decision.request_id)
    deciders = {r: d for d in (decision, *members.decisions.values()) for r in d.records}
    tallies = [c for c in activity.tallies(connection, deciders, known, since)
               if activity.shown(deciders[c.person_record_id], c.source, c.sensitivity,
                                 Group.CONTACTS)]
    mine = [c for c in tallies if c.person_record_id in decision.records]
    theirs = [c for c in tallies if c.person_record_id not in decision.records]
    people = activity.staff(connection, {c.practitioner_id for c in tallies})
    found = _practitioners(involvements, mine, theirs, people, decision, purpose, today)
    found.sort(key=lambda p: (not p.key_worker, -p.contacts_90_days, p.name.lower(),
                              p.practitioner_id))
    return Involved(person_id, decision.reason, tuple(found), suggest_lead(found),
                    decision.request_id)
