"""The DPO's tools: search the audit log, review break-glass, spot unusual access, work the
alert queue.

The audit log is itself personal data (who looked at whom, search terms, break-glass reasons),
so only the DPO, acting for ``audit``, may read it here, every look is audited in turn, and a
refusal is audited before it is raised. A person's history follows them through linkage: a
search by person also finds events recorded against ids later merged or split into them.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, func, or_, select, true

from joinedup.govern import audit, tools
from joinedup.govern.lineage import lineage
from joinedup.govern.relationships import staff_key
from joinedup.govern.vocabulary import Actor, Purpose
from joinedup.store.schema import (
    audit_event,
    audit_subject,
    break_glass,
    dpo_alert,
    person_link,
)

READ = "read_person"
UNUSUAL = "unusual_access"


@dataclass(frozen=True)
class AuditRow:
    seq: int
    at: str
    actor: str
    organisation: str
    role: str
    purpose: str
    action: str
    decision: str
    reason: str
    agreements: str
    fields: str
    person_id: int | None
    detail: str | None


@dataclass(frozen=True)
class BreakGlassUse:
    id: int
    user: str
    role: str
    organisation: str
    purpose: str
    person_id: int | None
    """The person the anchoring record belongs to now (None if it is no longer linked)."""
    reason: str
    started_at: datetime
    expires_at: datetime
    alert_id: int | None
    alert_status: str | None
    outcome: str | None
    closed_by: str | None
    note: str | None


@dataclass(frozen=True)
class UnusualAccess:
    user: str
    role: str
    organisation: str
    persons: int
    """Distinct persons read in the window."""
    role_median: float
    ratio: float
    alert_id: int | None = None
    """The open alert about it: raised now, or one already in the queue."""


@dataclass(frozen=True)
class Alert:
    id: int
    kind: str
    summary: str
    raised_at: datetime
    status: str
    outcome: str | None
    closed_by: str | None
    closed_at: datetime | None
    note: str | None
    break_glass_id: int | None


DPO_PURPOSES = frozenset({Purpose.AUDIT})


def require_dpo(connection: Connection, actor: Actor, action: str, now: datetime,
                person_id: int | None = None, detail: str | None = None) -> None:
    """Refuse (audited) anyone who may not act for ``audit``: only the DPO reads the log."""
    tools.require(connection, actor, Purpose.AUDIT, action, purposes=DPO_PURPOSES, now=now,
                  person_id=person_id, detail=detail)


def record(connection: Connection, actor: Actor, action: str, reason: str, now: datetime,
           person_id: int | None = None, detail: str | None = None) -> int:
    """The ``allow`` event of one of the DPO's looks."""
    return tools.record(connection, actor, Purpose.AUDIT, action, reason, now=now,
                        person_id=person_id, detail=detail)


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# -- audit search ------------------------------------------------------------------------------

def _filters_text(filters: dict[str, Any]) -> str:
    return "; ".join(f"{k}={v}" for k, v in filters.items() if v is not None) or "(none)"


def search_audit(connection: Connection, actor: Actor, *, person_id: int | None = None,
                 user: str | None = None, organisation: str | None = None,
                 purpose: str | None = None, action: str | None = None,
                 decision: str | None = None, since: datetime | None = None,
                 until: datetime | None = None, limit: int = 200,
                 now: datetime | None = None) -> list[AuditRow]:
    """Events matching every filter given, newest first; ``until`` is exclusive. The search
    is audited after it runs, so it never finds itself."""
    moment = now or _utcnow()
    filters = {"person": person_id, "user": user, "organisation": organisation,
               "purpose": purpose, "action": action, "decision": decision,
               "since": since and audit.timestamp(since),
               "until": until and audit.timestamp(until), "limit": limit}
    detail = _filters_text(filters)
    require_dpo(connection, actor, "audit_search", moment, person_id, detail)
    e = audit_event.c
    query = (select(e.seq, e.at, e.actor, e.organisation, e.role, e.purpose, e.action,
                    e.decision, e.reason, e.agreements, e.fields, audit_subject.c.person_id,
                    audit_subject.c.detail)
             .outerjoin(audit_subject, audit_subject.c.seq == e.seq))
    conditions: list[Any] = []
    known = None if person_id is None else lineage(connection, person_id)
    if known is not None:
        # Every id the person was known by, each only while it meant them (see lineage).
        conditions.append(or_(*(and_(audit_subject.c.person_id == p,
                                     true() if known.until[p] is None
                                     else e.at <= known.until[p])
                                for p in known.ids)))
    for column, value in ((e.actor, user), (e.organisation, organisation),
                          (e.purpose, purpose), (e.action, action), (e.decision, decision)):
        if value is not None:
            conditions.append(column == value)
    if since is not None:
        conditions.append(e.at >= audit.timestamp(since))
    if until is not None:
        conditions.append(e.at < audit.timestamp(until))
    rows = [AuditRow(**r._asdict()) for r in connection.execute(
        query.where(*conditions).order_by(e.seq.desc()).limit(max(limit, 0)))]
    record(connection, actor, "audit_search", f"{len(rows)} events found", moment,
           person_id, detail)
    return rows


# -- break-glass -------------------------------------------------------------------------------

def break_glass_report(connection: Connection, actor: Actor, *, since: datetime | None = None,
                       now: datetime | None = None) -> list[BreakGlassUse]:
    """Every break-glass use (since ``since``), newest first, with its alert's status."""
    moment = now or _utcnow()
    detail = _filters_text({"since": since and audit.timestamp(since)})
    require_dpo(connection, actor, "audit_break_glass", moment, detail=detail)
    g = break_glass.c
    query = (select(g.id, g.user_name.label("user"), g.role, g.organisation, g.purpose,
                    person_link.c.person_id, g.reason, g.started_at, g.expires_at,
                    dpo_alert.c.id.label("alert_id"), dpo_alert.c.status.label("alert_status"),
                    dpo_alert.c.outcome, dpo_alert.c.closed_by, dpo_alert.c.note)
             .outerjoin(person_link, person_link.c.source_record_id == g.source_record_id)
             .outerjoin(dpo_alert, dpo_alert.c.break_glass_id == g.id)
             .order_by(g.started_at.desc(), g.id.desc()))
    if since is not None:
        query = query.where(g.started_at >= since)
    uses = [BreakGlassUse(**r._asdict()) for r in connection.execute(query)]
    record(connection, actor, "audit_break_glass", f"{len(uses)} break-glass uses listed",
           moment, detail=detail)
    return uses


# -- unusual access ----------------------------------------------------------------------------

def _reads(since: datetime, until: datetime | None) -> Select[Any]:
    e = audit_event.c
    query = (select(e.actor, e.role, e.organisation,
                    func.count(audit_subject.c.person_id.distinct()).label("persons"))
             .join(audit_subject, audit_subject.c.seq == e.seq)
             .where(e.action == READ, e.decision == "allow",
                    audit_subject.c.person_id.is_not(None), e.at >= audit.timestamp(since))
             .group_by(e.actor, e.role, e.organisation))
    if until is not None:
        query = query.where(e.at < audit.timestamp(until))
    return query


def _open_alert(connection: Connection, staff: str) -> int | None:
    row = connection.execute(select(dpo_alert.c.id).where(
        dpo_alert.c.kind == UNUSUAL, dpo_alert.c.status == "open", dpo_alert.c.staff == staff)
        .order_by(dpo_alert.c.id).limit(1)).first()
    return None if row is None else int(row[0])


def unusual_access(connection: Connection, actor: Actor, *, since: datetime,
                   factor: float = 3.0, minimum: int = 20, raise_alerts: bool = False,
                   until: datetime | None = None, now: datetime | None = None
                   ) -> list[UnusualAccess]:
    """Actors who read far more distinct persons than the others in their role: above
    ``max(minimum, factor x the role's median)``. A peer group, not a fixed quota, because a
    duty social worker and a call-centre advisor read very different numbers in a normal week.

    With ``raise_alerts``, each one without an open ``unusual_access`` alert gets one."""
    moment = now or _utcnow()
    detail = _filters_text({"since": audit.timestamp(since),
                            "until": until and audit.timestamp(until), "factor": factor,
                            "minimum": minimum, "alert": raise_alerts})
    require_dpo(connection, actor, "audit_unusual", moment, detail=detail)
    counts = connection.execute(_reads(since, until)).all()
    by_role: dict[str, list[int]] = {}
    for row in counts:
        by_role.setdefault(row.role, []).append(int(row.persons))
    medians = {role: float(statistics.median(values)) for role, values in by_role.items()}
    flagged: list[UnusualAccess] = []
    for row in sorted(counts, key=lambda r: (-int(r.persons), r.actor, r.role)):
        median = medians[row.role]
        if row.persons <= max(minimum, factor * median):
            continue
        staff = staff_key(row.actor, row.role, row.organisation)
        alert_id = _open_alert(connection, staff)
        if alert_id is None and raise_alerts:
            alert_id = _raise(connection, actor, staff, int(row.persons), median, since,
                              moment)
        flagged.append(UnusualAccess(row.actor, row.role, row.organisation, int(row.persons),
                                     median, round(row.persons / median, 2), alert_id))
    record(connection, actor, "audit_unusual", f"{len(flagged)} actors flagged", moment,
           detail=detail)
    return flagged


def _raise(connection: Connection, actor: Actor, staff: str, persons: int, median: float,
           since: datetime, now: datetime) -> int:
    user, role, organisation = staff.split("|", 2)
    summary = (f"{user} ({role}, {organisation}) read {persons} persons since "
               f"{since:%Y-%m-%d}, against a role median of {median:g}")
    alert_id = connection.execute(dpo_alert.insert().values(
        kind=UNUSUAL, raised_at=now, status="open", staff=staff, summary=summary)
        .returning(dpo_alert.c.id)).scalar_one()
    audit.append(connection, [audit.Event(actor, Purpose.AUDIT, "raise_alert", "done",
                                          f"DPO alert #{alert_id}: {UNUSUAL}",
                                          detail=summary)], now=now)
    return int(alert_id)


# -- the queue ---------------------------------------------------------------------------------

def alerts(connection: Connection, actor: Actor, *, status: str | None = "open",
           now: datetime | None = None) -> list[Alert]:
    """The DPO's queue, oldest first (``status=None`` for every alert)."""
    moment = now or _utcnow()
    require_dpo(connection, actor, "audit_alerts", moment, detail=f"status={status}")
    a = dpo_alert.c
    query = select(a.id, a.kind, a.summary, a.raised_at, a.status, a.outcome, a.closed_by,
                   a.closed_at, a.note, a.break_glass_id).order_by(a.raised_at, a.id)
    if status is not None:
        query = query.where(a.status == status)
    rows = [Alert(**r._asdict()) for r in connection.execute(query)]
    record(connection, actor, "audit_alerts", f"{len(rows)} alerts listed", moment,
           detail=f"status={status}")
    return rows
