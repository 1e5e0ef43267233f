"""One person, as far as the actor may see them: a golden record with its provenance, each
agency's record, a timeline of contacts across agencies, the practitioners involved, the
household and the flags; each panel saying which agency it came from and why it may be shown.

One decision (``read_person``) covers the whole view, and a second round (``read_household``,
same request id) each member of the household. Everything is read set-based, a query per kind
of row, and only for the records and groups the decision grants.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection

from joinedup.errors import AccessDenied
from joinedup.govern.decide import ALL_GROUPS, Decision, decide
from joinedup.govern.facts import DEFAULT_POLICY, Policy
from joinedup.govern.register import Register
from joinedup.govern.relationships import BREAK_GLASS_ROLES
from joinedup.govern.vocabulary import GROUP_FIELDS, IDENTITY_GROUPS, Actor, Group
from joinedup.views import activity
from joinedup.views.basis import basis
from joinedup.views.golden import GoldenField, golden
from joinedup.views.household import HouseholdMember, household, uprns
from joinedup.views.records import Held, granted, held, sources

TIMELINE_LIMIT = 200
"""Contacts shown at most, newest first; ``timeline_total`` says how many there are."""
HELD_BACK = ("Only identity and contact details are shown: you have no legitimate relationship "
             "with this person (an open or recently closed involvement or referral with your "
             "team, or a live contact you are handling).")
GLASS = (" In an emergency a front-line practitioner (social worker, community nurse, police or "
         "fire officer) can break glass for detail: it is audited and the data protection "
         "officer reviews every use.")


@dataclass(frozen=True)
class RecordField:
    name: str
    value: str | None
    rectified: bool
    """A correction the person asked for, shown instead of the source's value."""


@dataclass(frozen=True)
class RecordPanel:
    """One agency's record of the person: only the fields of the groups granted."""

    source: str
    agency: str
    record_id: str
    fields: tuple[RecordField, ...]
    basis: str


@dataclass(frozen=True)
class TimelineEntry:
    occurred_at: datetime
    service: str | None
    channel: str | None
    agency: str
    source: str
    practitioner: str | None
    team: str | None
    summary: str | None
    basis: str


@dataclass(frozen=True)
class InvolvementPanel:
    """A case or care episode, and how to reach its key worker."""

    service: str
    team: str | None
    agency: str
    source: str
    key_worker: str | None
    role: str | None
    email: str | None
    phone: str | None
    started_on: date | None
    ended_on: date | None
    open: bool
    basis: str


@dataclass(frozen=True)
class FlagPanel:
    flag: str
    description: str | None
    sensitivity: str
    agency: str
    source: str
    raised_on: date | None
    expires_on: date | None
    basis: str


@dataclass(frozen=True)
class PersonView:
    person_id: int
    reason: str
    """The decision's reason: the agreements and relationship the view rests on."""
    identity_only: bool
    """Detail (contacts, involvements, flags) was held back for want of a relationship."""
    notice: str | None
    """What to tell the actor when detail was held back, and that break-glass exists."""
    can_break_glass: bool
    break_glass: bool
    """This view rests on break-glass (audited, reviewed by the DPO)."""
    golden: tuple[GoldenField, ...]
    records: tuple[RecordPanel, ...]
    timeline: tuple[TimelineEntry, ...]
    timeline_total: int
    """Contacts matching the filter, of which the newest ``TIMELINE_LIMIT`` are listed."""
    services: tuple[str, ...]
    """Every service in the unfiltered timeline, for a filter control."""
    involvements: tuple[InvolvementPanel, ...]
    household: tuple[HouseholdMember, ...]
    flags: tuple[FlagPanel, ...]
    request_id: str


def _fields(h: Held, decision: Decision) -> tuple[RecordField, ...]:
    shown: list[RecordField] = []
    for group in (Group.IDENTITY, Group.CONTACT_DETAILS):
        if not decision.allows(h.source, group):
            continue
        for name in GROUP_FIELDS[group]:
            if name == "identifiers":
                ids = json.loads(h.identifiers) if h.identifiers else {}
                shown.extend(RecordField(f"identifiers.{k}", str(v), False)
                             for k, v in sorted(ids.items()))
            else:
                shown.append(RecordField(name, h.text(name), name in h.rectified))
    return tuple(shown)


def _timeline(rows: list[activity.ContactRow], decision: Decision, purpose: str | None,
              service: str | None) -> tuple[tuple[TimelineEntry, ...], int, tuple[str, ...]]:
    shown = [r for r in rows
             if activity.shown(decision, r.source, r.sensitivity, Group.CONTACTS)]
    picked = [r for r in shown if service is None or r.service == service]
    entries = tuple(TimelineEntry(
        r.occurred_at, r.service, r.channel, r.agency, r.source,
        r.practitioner.name if r.practitioner else None,
        r.team or (r.practitioner.team if r.practitioner else None), r.summary,
        basis(decision, r.source, r.agency, purpose, detail=True))
        for r in picked[:TIMELINE_LIMIT])
    return entries, len(picked), tuple(sorted({r.service for r in shown if r.service}))


def _involvements(rows: list[activity.InvolvementRow], decision: Decision,
                  purpose: str | None, today: date) -> tuple[InvolvementPanel, ...]:
    rows = [r for r in rows
            if activity.shown(decision, r.source, r.sensitivity, Group.INVOLVEMENTS)]
    rows.sort(key=lambda r: (not r.open_on(today), -(r.started_on or date.min).toordinal(),
                             r.service, r.id))
    return tuple(InvolvementPanel(
        r.service, r.team, r.agency, r.source, k.name if (k := r.key_worker) else None,
        k.role if k else None, k.email if k else None, k.phone if k else None,
        r.started_on, r.ended_on, r.open_on(today),
        basis(decision, r.source, r.agency, purpose, detail=True)) for r in rows)


def _flags(rows: list[activity.FlagRow], decision: Decision, purpose: str | None
           ) -> tuple[FlagPanel, ...]:
    rows = [r for r in rows if activity.shown_flag(decision, r)]
    rows.sort(key=lambda r: (-(r.raised_on or date.min).toordinal(), r.flag, r.id))
    return tuple(FlagPanel(r.flag, r.description, r.sensitivity, r.agency, r.source,
                           r.raised_on, r.expires_on,
                           basis(decision, r.source, r.agency, purpose, detail=True))
                 for r in rows)


def person_view(connection: Connection, register: Register, actor: Actor, purpose: str | None,
                person_id: int, *, service: str | None = None, now: datetime,
                policy: Policy = DEFAULT_POLICY) -> PersonView:
    """Everything the actor may see of ``person_id``, inside the caller's ``governed``
    transaction. A refusal is audited, then raised as ``AccessDenied``. ``service`` filters
    the timeline (``services`` lists the choices)."""
    decision = decide(connection, register, actor, purpose, person_id, ALL_GROUPS,
                      policy=policy, now=now, action="read_person")
    if not decision.allowed:
        raise AccessDenied(decision.reason)
    known = sources(connection)
    records = held(connection, sorted(decision.records), known)
    by_group = {g: granted(records, decision, g) for g in (Group.IDENTITY,
                                                           Group.CONTACT_DETAILS)}
    detail = decision.records if any(g not in IDENTITY_GROUPS for groups in
                                     decision.grants.values() for g in groups) else ()
    timeline, total, services = _timeline(activity.contacts(connection, detail, known),
                                          decision, purpose, service)
    members = household(connection, register, actor, purpose, person_id,
                        uprns(records, decision), groups=IDENTITY_GROUPS, now=now,
                        policy=policy, request_id=decision.request_id)
    can_glass = actor.role in BREAK_GLASS_ROLES
    notice = (HELD_BACK + (GLASS if can_glass else "")) if decision.held_back else None
    panels = [(h, _fields(h, decision)) for h in records]
    return PersonView(
        person_id, decision.reason, decision.held_back, notice, can_glass,
        decision.break_glass, golden(by_group),
        tuple(RecordPanel(h.source, h.agency, h.record_id, fields,
                          basis(decision, h.source, h.agency, purpose))
              for h, fields in panels if fields),
        timeline, total, services,
        _involvements(activity.involvements(connection, detail, known), decision, purpose,
                      now.date()),
        members.members, _flags(activity.flags(connection, detail, known), decision, purpose),
        decision.request_id)
