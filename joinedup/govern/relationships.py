"""How a practitioner comes to see detail: a referral to their team, a live contact an advisor
is handling, or break-glass; and the DPO's queue that every break-glass lands on.

Involvements from the agencies' feeds are relationships already (``decide`` reads them); the
hub records the rest here, each audited, each anchored to one of the person's source records so
it follows them through re-linking.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, select, update

from joinedup.errors import AccessDenied, BadInput
from joinedup.govern import audit
from joinedup.govern.facts import DEFAULT_POLICY, Policy
from joinedup.govern.vocabulary import ROLE_PURPOSES, Actor, Purpose, Role
from joinedup.store.schema import break_glass, dpo_alert, live_contact, person_link, referral

BREAK_GLASS_ROLES = frozenset({Role.SOCIAL_WORKER, Role.COMMUNITY_NURSE, Role.POLICE_OFFICER,
                               Role.FIRE_OFFICER})
"""Front-line roles that may need detail before a relationship can be recorded."""
MIN_REASON = 10
OUTCOMES = ("no_concern", "flagged", "escalated")
"""How the DPO closes an alert (NHS privacy officer practice: close, flag or escalate)."""


def staff_key(user: str, role: str, organisation: str) -> str:
    """Whom a DPO alert concerns: one member of staff in one role."""
    return f"{user}|{role}|{organisation}"


def anchor(connection: Connection, person_id: int) -> int | None:
    """One current record of the person, so what is recorded follows them when re-linked."""
    row = connection.execute(select(person_link.c.source_record_id)
                             .where(person_link.c.person_id == person_id)
                             .order_by(person_link.c.source_record_id).limit(1)).first()
    return None if row is None else int(row[0])


def _refuse(connection: Connection, actor: Actor, purpose: str, action: str,
            person_id: int | None, reason: str, now: datetime) -> AccessDenied:
    audit.append(connection, [audit.Event(actor, purpose, action, "deny", reason,
                                          person_id=person_id)], now=now)
    return AccessDenied(reason)


@dataclass(frozen=True)
class BreakGlass:
    id: int
    alert_id: int
    expires_at: datetime


def open_break_glass(connection: Connection, actor: Actor, purpose: str, person_id: int,
                     reason: str, *, policy: Policy = DEFAULT_POLICY, now: datetime
                     ) -> BreakGlass:
    """Emergency access to detail for ``policy.break_glass_minutes``, with a stated reason and
    an alert the DPO must close. Refusals are audited (and committed by the caller) too.

    It replaces only the legitimate relationship: agreements, objections and sealed records
    still apply, so break-glass never unmasks a refuge address."""
    action = "break_glass"
    stated = reason.strip()
    if len(stated) < MIN_REASON:
        raise _refuse(connection, actor, purpose, action, person_id,
                      f"break-glass needs a stated reason of at least {MIN_REASON} characters",
                      now)
    if actor.role not in BREAK_GLASS_ROLES:
        raise _refuse(connection, actor, purpose, action, person_id,
                      f"the role {actor.role} may not break glass", now)
    if purpose not in {p.value for p in ROLE_PURPOSES[actor.role]}:
        raise _refuse(connection, actor, purpose, action, person_id,
                      f"the role {actor.role} may not act for the purpose {purpose!r}", now)
    record = anchor(connection, person_id)
    if record is None:
        raise _refuse(connection, actor, purpose, action, person_id,
                      f"no person with id {person_id}", now)
    expires = now + timedelta(minutes=policy.break_glass_minutes)
    glass_id = connection.execute(break_glass.insert().values(
        user_name=actor.user, organisation=actor.organisation, role=actor.role,
        purpose=purpose, source_record_id=record, reason=stated, started_at=now,
        expires_at=expires).returning(break_glass.c.id)).scalar_one()
    alert_id = connection.execute(dpo_alert.insert().values(
        kind="break_glass", break_glass_id=glass_id, raised_at=now, status="open",
        staff=staff_key(actor.user, actor.role, actor.organisation),
        summary=f"{actor.user} ({actor.role}, {actor.organisation}) broke glass on person "
                f"{person_id} for {purpose}").returning(dpo_alert.c.id)).scalar_one()
    audit.append(connection, [audit.Event(
        actor, purpose, action, "allow",
        f"break-glass #{glass_id} until {expires:%Y-%m-%d %H:%M}; DPO alert #{alert_id}",
        person_id=person_id, detail=stated)], now=now)
    return BreakGlass(int(glass_id), int(alert_id), expires)


def close_alert(connection: Connection, actor: Actor, alert_id: int, outcome: str, note: str,
                *, now: datetime) -> None:
    """Close a DPO alert; an alert cannot be closed without one of ``OUTCOMES``."""
    if actor.role is not Role.DPO:
        raise _refuse(connection, actor, Purpose.AUDIT, "close_alert", None,
                      f"only the DPO may close alerts, not {actor.role}", now)
    if outcome not in OUTCOMES:
        raise BadInput(f"an alert is closed with an outcome: one of {', '.join(OUTCOMES)}; "
                       f"got {outcome!r}")
    status = connection.execute(select(dpo_alert.c.status).where(dpo_alert.c.id == alert_id)
                                ).scalar_one_or_none()
    if status is None:
        raise BadInput(f"no alert with id {alert_id}")
    if status != "open":
        raise BadInput(f"alert {alert_id} is already closed")
    connection.execute(update(dpo_alert).where(dpo_alert.c.id == alert_id).values(
        status="closed", outcome=outcome, closed_by=actor.user, closed_at=now, note=note))
    audit.append(connection, [audit.Event(actor, Purpose.AUDIT, "close_alert", "done",
                                          f"alert #{alert_id} closed: {outcome}")], now=now)


def start_contact(connection: Connection, actor: Actor, person_id: int, channel: str, *,
                  now: datetime) -> int:
    """An advisor takes a call or visit: while it is open they may see the caller's detail."""
    if actor.role is not Role.CALL_CENTRE_ADVISOR:
        raise _refuse(connection, actor, Purpose.CUSTOMER_SERVICE, "start_contact", person_id,
                      f"only call-centre advisors record live contacts, not {actor.role}", now)
    record = anchor(connection, person_id)
    if record is None:
        raise _refuse(connection, actor, Purpose.CUSTOMER_SERVICE, "start_contact", person_id,
                      f"no person with id {person_id}", now)
    contact_id = int(connection.execute(live_contact.insert().values(
        source_record_id=record, user_name=actor.user, organisation=actor.organisation,
        started_at=now, channel=channel).returning(live_contact.c.id)).scalar_one())
    audit.append(connection, [audit.Event(actor, Purpose.CUSTOMER_SERVICE, "start_contact",
                                          "done", f"live contact #{contact_id} by {channel}",
                                          person_id=person_id)], now=now)
    return contact_id


def open_contact(connection: Connection, actor: Actor, person_id: int, *, now: datetime,
                 policy: Policy = DEFAULT_POLICY) -> int | None:
    """The actor's open live contact with the person (with any of their records), started
    within ``policy.live_contact_hours``: the one that lets them see detail, and that they
    can end. The latest, if there are several; None if there is none."""
    since = now - timedelta(hours=policy.live_contact_hours)
    found = connection.execute(
        select(live_contact.c.id)
        .join(person_link, person_link.c.source_record_id == live_contact.c.source_record_id)
        .where(person_link.c.person_id == person_id, live_contact.c.user_name == actor.user,
               live_contact.c.ended_at.is_(None), live_contact.c.started_at >= since)
        .order_by(live_contact.c.id.desc()).limit(1)).scalar_one_or_none()
    return None if found is None else int(found)


def end_contact(connection: Connection, actor: Actor, contact_id: int, *, now: datetime
                ) -> int | None:
    """End the actor's own open contact; returns the person it was with (None if their
    record is no longer linked to one)."""
    done = connection.execute(update(live_contact).where(
        live_contact.c.id == contact_id, live_contact.c.user_name == actor.user,
        live_contact.c.ended_at.is_(None)).values(ended_at=now)).rowcount
    if not done:
        raise BadInput(f"no open contact {contact_id} of {actor.user}")
    audit.append(connection, [audit.Event(actor, Purpose.CUSTOMER_SERVICE, "end_contact",
                                          "done", f"live contact #{contact_id} ended")], now=now)
    person = connection.execute(
        select(person_link.c.person_id)
        .join(live_contact, live_contact.c.source_record_id == person_link.c.source_record_id)
        .where(live_contact.c.id == contact_id)).scalar_one_or_none()
    return None if person is None else int(person)


def add_referral(connection: Connection, actor: Actor, person_id: int, *, team: str,
                 reason: str, started_on: date, ended_on: date | None = None,
                 now: datetime) -> int:
    """Record a referral or allocation of the person to a team (of the actor's
    organisation), which gives that team a legitimate relationship until it ends."""
    record = anchor(connection, person_id)
    if record is None:
        raise _refuse(connection, actor, Purpose.DIRECT_CARE, "add_referral", person_id,
                      f"no person with id {person_id}", now)
    referral_id = int(connection.execute(referral.insert().values(
        source_record_id=record, organisation=actor.organisation, team=team,
        started_on=started_on, ended_on=ended_on, recorded_by=actor.user, reason=reason)
    .returning(referral.c.id)).scalar_one())
    audit.append(connection, [audit.Event(actor, Purpose.DIRECT_CARE, "add_referral", "done",
                                          f"referral #{referral_id} to {team}",
                                          person_id=person_id, detail=reason)], now=now)
    return referral_id
