"""Tell us once: a person reports a change of address, phone or email once, and the hub
routes it to every agency that holds a record of them; each agency accepts or rejects it.

"People don't care who provides the service." The hub never writes the new value into any
agency's data: it keeps the change, one notification per agency and each agency's decision
(who, when, why), and the agency updates its own system, whose next feed then carries the new
value (the notification then reads *applied*). Every step is audited.

Routing follows the person's own links only: ``person_link`` -> ``source_record`` ->
``source`` -> ``agency`` for the person records, and the contacts, involvements and flags that
cite those records, so every source kind counts. A household member, or a namesake, is a
different person and their agencies are not told.

Who decides for an agency (``acts_for``): a data engineer whose organisation is the agency's
name (its data team, or its system's service account through the API); and the county
council's data team (an organisation whose name starts with the council's, ``JOINEDUP_COUNCIL``)
for the council's own services (``JOINEDUP_COUNCIL_SERVICES``): a ``Council``, passed in from
the settings by the CLI, API and web. The DPO may read every notification, for audit, and
decides none.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, select, update

from joinedup.errors import AccessDenied, BadInput, NotFound, NotTheirs
from joinedup.govern import audit, tools
from joinedup.govern.rectify import standardise
from joinedup.govern.relationships import anchor
from joinedup.govern.vocabulary import SEALED, Actor, Purpose, Role
from joinedup.settings import DEFAULT_COUNCIL, DEFAULT_COUNCIL_SERVICES, Settings
from joinedup.store.schema import (
    agency,
    change_notification,
    change_record,
    change_request,
    contact,
    flag,
    involvement,
    person_link,
    source,
    source_record,
)

KINDS: dict[str, tuple[str, ...]] = {
    "address": ("address", "postcode"),
    "phone": ("phone",),
    "email": ("email",),
}
"""What a person may tell us once, and the canonical fields each change sets."""
LABELS = {"address": "Address", "postcode": "Postcode", "phone": "Phone", "email": "Email"}
STATUSES = ("pending", "accepted", "rejected")
APPLIED = "applied"
"""Shown instead of a status when the agency's latest feed carries every new value."""
PURPOSE = Purpose.SUBJECT_ACCESS
"""The person's own report is recorded under their statutory rights (as rectification is)."""
DECIDE = frozenset({Purpose.DATA_QUALITY})
READ = frozenset({Purpose.DATA_QUALITY, Purpose.AUDIT})
REPORTERS = frozenset({Role.CITIZEN, Role.DPO, Role.CALL_CENTRE_ADVISOR})
"""The person themselves (the citizen portal), the DPO's office and contact-centre advisors
taking the change by letter or phone."""
ACTIVITY = (contact.table, involvement.table, flag.table)
SR = source_record.table


@dataclass(frozen=True)
class Council:
    """The county council, whose data team decides for the council's own services; partners
    (the NHS trust, the police, the district councils) decide for themselves."""

    name: str = DEFAULT_COUNCIL
    services: frozenset[str] = frozenset(DEFAULT_COUNCIL_SERVICES)

    @classmethod
    def from_settings(cls, settings: Settings) -> Council:
        return cls(settings.council, frozenset(settings.council_services))


NORFOLK = Council()


def acts_for(actor: Actor, agency_name: str, council: Council = NORFOLK) -> bool:
    """Whether ``actor`` may decide change notifications addressed to ``agency_name``. Pure."""
    if actor.role is not Role.DATA_ENGINEER:
        return False
    return actor.organisation == agency_name or (
        actor.organisation.startswith(council.name) and agency_name in council.services)


# -- reporting --------------------------------------------------------------------------------

def checked_values(kind: str, values: Mapping[str, str | None], *, now: datetime
                   ) -> dict[str, str]:
    """The new values of a ``kind`` of change, each checked and standardised exactly as
    ingestion would store it; every problem is reported at once."""
    fields = KINDS.get(kind)
    if fields is None:
        raise BadInput(f"a change is of one of {', '.join(KINDS)}, not {kind!r}")
    problems = [f"{name!r} is not part of a change of {kind}; give {', '.join(fields)}"
                for name in values if name not in fields]
    checked: dict[str, str] = {}
    for name in fields:
        try:
            value = standardise(name, values.get(name), today=now.date())
        except BadInput as exc:
            problems.append(exc.message)
            continue
        if value is None:
            problems.append(f"{name}: give the new {LABELS[name].lower()}")
        else:
            checked[name] = value
    if problems:
        raise BadInput("; ".join(problems))
    return checked


@dataclass(frozen=True)
class Holding:
    """An agency holding the person: its person records, and whether all it holds is sealed."""

    agency_id: int
    agency: str
    records: tuple[int, ...]
    sealed: bool


def holdings(connection: Connection, person_id: int) -> list[Holding]:
    """Every agency holding a record of the person (a person record, or a contact,
    involvement or flag citing one), by name."""
    records = connection.execute(
        select(SR.c.id, SR.c.sensitivity, source.c.agency_id)
        .join(person_link, person_link.c.source_record_id == SR.c.id)
        .join(source, source.c.id == SR.c.source_id)
        .where(person_link.c.person_id == person_id)).all()
    ids = [r.id for r in records]
    held: dict[int, list[tuple[int | None, bool]]] = defaultdict(list)
    for r in records:
        held[r.agency_id].append((r.id, r.sensitivity == SEALED))
    for table in ACTIVITY if ids else ():
        for row in connection.execute(
                select(source.c.agency_id, table.c.sensitivity)
                .join(source, source.c.id == table.c.source_id)
                .where(table.c.person_record_id.in_(ids)).distinct()):
            held[row.agency_id].append((None, row.sensitivity == SEALED))
    names = dict(connection.execute(select(agency.c.id, agency.c.name)
                                    .where(agency.c.id.in_(list(held)))).all())
    return sorted((Holding(agency_id, names[agency_id],
                           tuple(sorted({i for i, _ in rows if i is not None})),
                           all(s for _, s in rows))
                   for agency_id, rows in held.items()), key=lambda h: h.agency)


def told(connection: Connection, person_id: int) -> list[str]:
    """The agencies a change the person reports now would be sent to, as the person is shown
    them (an agency holding only sealed rows about them is not named)."""
    return [h.agency for h in holdings(connection, person_id) if not h.sealed]


@dataclass(frozen=True)
class Reported:
    change_id: int
    person_id: int
    kind: str
    values: dict[str, str]
    agencies: tuple[str, ...]
    """Every agency notified, sealed holdings included."""
    seq: int


def _refuse(connection: Connection, actor: Actor, purpose: str, action: str, reason: str, *,
            now: datetime, person_id: int | None = None, detail: str | None = None
            ) -> AccessDenied:
    audit.append(connection, [audit.Event(actor, purpose, action, "deny", reason,
                                          person_id=person_id, detail=detail)], now=now)
    return AccessDenied(reason)


def _previous(connection: Connection, record_ids: Sequence[int], fields: Sequence[str]
              ) -> dict[int, dict[str, str | None]]:
    if not record_ids:
        return {}
    rows = connection.execute(select(SR.c.id, *(SR.c[f] for f in fields))
                              .where(SR.c.id.in_(record_ids)))
    return {row.id: {f: getattr(row, f) for f in fields} for row in rows}


def report_change(connection: Connection, actor: Actor, person_id: int, kind: str,
                  values: Mapping[str, str | None], *, now: datetime, channel: str = "portal"
                  ) -> Reported:
    """Record a change of the person's details and notify every agency holding them, inside
    the caller's ``governed`` transaction, audited with it. The citizen portal passes the
    signed-in citizen's own person id, never one from the request."""
    checked = checked_values(kind, values, now=now)
    if actor.role not in REPORTERS:
        raise _refuse(connection, actor, PURPOSE, "report_change",
                      f"the role {actor.role} may not report a person's change of details",
                      now=now, person_id=person_id)
    record = anchor(connection, person_id)
    held = holdings(connection, person_id)
    if record is None or not held:
        raise BadInput(f"no person with id {person_id}")
    change_id = int(connection.execute(change_request.insert().values(
        source_record_id=record, kind=kind, new_values=json.dumps(checked, sort_keys=True),
        reported_by=actor.user, channel=channel, reported_at=now)
        .returning(change_request.c.id)).scalar_one())
    fields = KINDS[kind]
    for h in held:
        notification_id = int(connection.execute(change_notification.insert().values(
            change_id=change_id, agency_id=h.agency_id, sealed=h.sealed, status="pending")
            .returning(change_notification.c.id)).scalar_one())
        previous = _previous(connection, h.records, fields)
        if previous:
            connection.execute(change_record.insert(), [
                {"notification_id": notification_id, "source_record_id": rid,
                 "previous_values": json.dumps(values_, default=str, sort_keys=True)}
                for rid, values_ in previous.items()])
    names = tuple(h.agency for h in held)
    [seq] = audit.append(connection, [audit.Event(
        actor, PURPOSE, "report_change", "done",
        f"change #{change_id} ({kind}) sent to {len(names)} agencies",
        fields=tuple(fields), person_id=person_id, detail="; ".join(names))], now=now)
    return Reported(change_id, person_id, kind, checked, names, seq)


# -- reading ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: str | None
    new: str
    current: str | None
    """What the agency's latest feed says now."""


@dataclass(frozen=True)
class RecordChange:
    """One of the agency's records the change concerns, as the agency would quote it."""

    source: str
    record_key: str
    sealed: bool
    """A sealed record's contact details, old and current, are withheld, as on every
    engineer's page."""
    applied: bool
    """Its feed now carries every new value."""
    fields: tuple[FieldChange, ...]


@dataclass(frozen=True)
class Notification:
    id: int
    change_id: int
    person_id: int | None
    agency: str
    kind: str
    new_values: dict[str, str]
    reported_at: datetime
    status: str
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None
    sealed: bool
    records: tuple[RecordChange, ...]

    @property
    def shown_status(self) -> str:
        """``applied`` once the agency's feed carries the new values (and it did not reject
        the change), else the stored status."""
        if self.status != "rejected" and self.records and all(r.applied for r in self.records):
            return APPLIED
        return self.status


def _notifications_query() -> Select[Any]:
    n, c = change_notification.c, change_request.c
    return (select(n.id, n.change_id, person_link.c.person_id, agency.c.name.label("agency"),
                   c.kind, c.new_values, c.reported_at, n.status, n.decided_by, n.decided_at,
                   n.reason, n.sealed)
            .join(change_request, c.id == n.change_id)
            .join(agency, agency.c.id == n.agency_id)
            .outerjoin(person_link, person_link.c.source_record_id == c.source_record_id)
            .order_by(n.id))


def _records(connection: Connection, notification_ids: Sequence[int]
             ) -> dict[int, list[Any]]:
    found: dict[int, list[Any]] = defaultdict(list)
    if not notification_ids:
        return found
    cr = change_record.c
    rows = connection.execute(
        select(cr.notification_id, cr.previous_values, SR, source.c.name.label("source_name"))
        .join(SR, SR.c.id == cr.source_record_id)
        .join(source, source.c.id == SR.c.source_id)
        .where(cr.notification_id.in_(list(notification_ids)))
        .order_by(source.c.name, SR.c.record_id))
    for row in rows:
        found[row.notification_id].append(row)
    return found


def _build(row: Any, records: Sequence[Any]) -> Notification:
    new = json.loads(row.new_values)
    changes = []
    for r in records:
        previous = json.loads(r.previous_values)
        sealed = r.sensitivity == SEALED
        fields = KINDS[row.kind]
        applied = all(getattr(r, f) == new[f] for f in fields)
        changes.append(RecordChange(r.source_name, r.record_id, sealed, applied, tuple(
            FieldChange(f, LABELS[f], None if sealed else previous.get(f), new[f],
                        None if sealed else getattr(r, f)) for f in fields)))
    return Notification(row.id, row.change_id, row.person_id, row.agency, row.kind, new,
                        row.reported_at, row.status, row.decided_by, row.decided_at,
                        row.reason, row.sealed, tuple(changes))


def _load(connection: Connection, query: Select[Any]) -> list[Notification]:
    rows = connection.execute(query).all()
    records = _records(connection, [r.id for r in rows])
    return [_build(r, records.get(r.id, ())) for r in rows]


def _agencies_of(connection: Connection, actor: Actor, council: Council) -> list[str]:
    names = connection.execute(select(agency.c.name).order_by(agency.c.name)).scalars()
    return [name for name in names if acts_for(actor, name, council)]


def _audit_reads(connection: Connection, actor: Actor, purpose: str, action: str,
                 found: Sequence[Notification], *, now: datetime) -> None:
    request_id = audit.new_request_id()
    for n in found:
        tools.record(connection, actor, purpose, action,
                     f"change notification #{n.id} to {n.agency}", now=now,
                     person_id=n.person_id, request_id=request_id)


def notifications(connection: Connection, actor: Actor, purpose: str, *, now: datetime,
                  agency_name: str | None = None, status: str | None = None,
                  limit: int = 200, council: Council = NORFOLK) -> list[Notification]:
    """The change notifications ``actor`` may see, oldest first: a data engineer's are those
    of the agencies they act for (for ``data_quality``), the DPO's all (for ``audit``). Each
    person shown is audited; asking for another agency's is refused, audited."""
    detail = f"agency={agency_name}; status={status}"
    tools.require(connection, actor, purpose, "read_change_notifications", purposes=READ,
                  now=now, detail=detail)
    if status is not None and status not in STATUSES:
        raise BadInput(f"a notification's status is one of {', '.join(STATUSES)}, "
                       f"not {status!r}")
    query = _notifications_query().limit(limit)
    if actor.role is Role.DATA_ENGINEER:
        mine = _agencies_of(connection, actor, council)
        if agency_name is not None and agency_name not in mine:
            raise _refuse(connection, actor, purpose, "read_change_notifications",
                          f"{actor.organisation} does not act for {agency_name}", now=now,
                          detail=detail)
        query = query.where(agency.c.name.in_([agency_name] if agency_name else mine))
    elif agency_name is not None:
        query = query.where(agency.c.name == agency_name)
    if status is not None:
        query = query.where(change_notification.c.status == status)
    found = _load(connection, query)
    _audit_reads(connection, actor, purpose, "read_change_notifications", found, now=now)
    return found


def _one(connection: Connection, actor: Actor, purpose: str, notification_id: int,
         action: str, purposes: Collection[Purpose], *, now: datetime, council: Council
         ) -> Notification:
    """One notification, for someone who may see it; another agency's is refused, audited."""
    detail = f"notification {notification_id}"
    tools.require(connection, actor, purpose, action, purposes=purposes, now=now,
                  detail=detail)
    found = _load(connection, _notifications_query()
                  .where(change_notification.c.id == notification_id))
    if not found:
        raise NotFound(f"no change notification with id {notification_id}")
    [n] = found
    if actor.role is not Role.DPO and not acts_for(actor, n.agency, council):
        raise _refuse(connection, actor, purpose, action,
                      f"change notification {notification_id} is addressed to {n.agency}, "
                      f"which {actor.organisation} does not act for", now=now,
                      person_id=n.person_id, detail=detail)
    return n


def notification(connection: Connection, actor: Actor, purpose: str, notification_id: int,
                 *, now: datetime, council: Council = NORFOLK) -> Notification:
    """One notification, with the agency's records old beside new (audited)."""
    n = _one(connection, actor, purpose, notification_id, "read_change_notification", READ,
             now=now, council=council)
    _audit_reads(connection, actor, purpose, "read_change_notification", [n], now=now)
    return n


def decide(connection: Connection, actor: Actor, purpose: str, notification_id: int, *,
           accept: bool, reason: str = "", now: datetime, council: Council = NORFOLK
           ) -> Notification:
    """The agency accepts (it will update its own system) or rejects (with a reason the
    person is shown) a pending notification, audited. Only someone acting for the agency."""
    action = "accept_change" if accept else "reject_change"
    n = _one(connection, actor, purpose, notification_id, action, DECIDE, now=now,
             council=council)
    stated = " ".join(reason.split())
    if not accept and not stated:
        raise BadInput("give a reason for rejecting a change: the person is shown it")
    if n.status != "pending":
        raise BadInput(f"change notification {notification_id} was already {n.status} by "
                       f"{n.decided_by} on {n.decided_at:%Y-%m-%d %H:%M}")
    status = "accepted" if accept else "rejected"
    connection.execute(update(change_notification)
                       .where(change_notification.c.id == notification_id)
                       .values(status=status, decided_by=actor.user, decided_at=now,
                               reason=stated or None))
    audit.append(connection, [audit.Event(
        actor, purpose, action, "done",
        f"change notification #{notification_id} {status} for {n.agency}",
        person_id=n.person_id, detail=stated or None)], now=now)
    return _load(connection, _notifications_query()
                 .where(change_notification.c.id == notification_id))[0]


# -- the person's own view --------------------------------------------------------------------

@dataclass(frozen=True)
class AgencyStatus:
    agency: str
    status: str
    decided_at: datetime | None
    reason: str | None
    """Why it was rejected, in the agency's words."""


@dataclass(frozen=True)
class ChangeStatus:
    """A change the person reported, and where each agency has got to with it."""

    id: int
    kind: str
    new_values: dict[str, str]
    reported_at: datetime
    agencies: tuple[AgencyStatus, ...]


def _statuses(connection: Connection, person_id: int, change_id: int | None = None
              ) -> list[ChangeStatus]:
    query = _notifications_query().where(person_link.c.person_id == person_id,
                                         change_notification.c.sealed.is_(False))
    if change_id is not None:
        query = query.where(change_notification.c.change_id == change_id)
    by_change: dict[int, list[Notification]] = defaultdict(list)
    for n in _load(connection, query):
        by_change[n.change_id].append(n)
    return [ChangeStatus(cid, ns[0].kind, ns[0].new_values, ns[0].reported_at, tuple(
        AgencyStatus(n.agency, n.shown_status, n.decided_at, n.reason) for n in ns))
        for cid, ns in sorted(by_change.items(), reverse=True)]


def changes_of(connection: Connection, actor: Actor, person_id: int, *, now: datetime
               ) -> list[ChangeStatus]:
    """Every change reported for the person, newest first (the citizen portal passes the
    signed-in citizen's own person id); the look is audited."""
    found = _statuses(connection, person_id)
    tools.record(connection, actor, PURPOSE, "read_own_changes",
                 f"{len(found)} changes of details shown", now=now, person_id=person_id)
    return found


def change_of(connection: Connection, actor: Actor, person_id: int, change_id: int, *,
              now: datetime) -> ChangeStatus:
    """One of the person's changes with its status per agency. Someone else's change, or
    one that does not exist, is the same ``NotTheirs`` (404), and the attempt is audited."""
    found = _statuses(connection, person_id, change_id)
    if not found:
        audit.append(connection, [audit.Event(
            actor, PURPOSE, "read_own_change", "deny",
            f"change {change_id} is not one of this person's", person_id=person_id)],
            now=now)
        raise NotTheirs(f"you have told us of no change #{change_id}")
    tools.record(connection, actor, PURPOSE, "read_own_change",
                 f"change #{change_id} shown", now=now, person_id=person_id)
    return found[0]
