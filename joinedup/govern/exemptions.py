"""Accesses a person is not shown, because showing them would prejudice what they were for
(DPA 2018 Sch. 2): telling someone that the police looked at their record tips off a suspect.

Two rules, both checked for every access the citizen portal or a delivered subject access pack
would show:

- **by default**, accesses by police officers for safeguarding (the purpose police act under
  when investigating: the prevention and detection of crime, Sch. 2 para 2);
- **recorded by the DPO** for one person (``joinedup exemptions add``): accesses by an
  organisation (or any), for a purpose (or any), within a period (open-ended if no end), on a
  ground (crime and taxation, or a safeguarding investigation: Sch. 2 para 2, Sch. 3 para 21).
  Anchored to one of the person's records, like an objection, so it follows re-linking.

An exemption is never mentioned to the person; each withholding is itself audited, for the
DPO, without the person's id (a later subject access pack would otherwise name it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, select, update

from joinedup.errors import AccessDenied, BadInput
from joinedup.govern import audit
from joinedup.govern.relationships import anchor
from joinedup.govern.vocabulary import Actor, Purpose, Role
from joinedup.store.schema import access_exemption, person_link

GROUNDS = {
    "crime": "DPA 2018 Sch. 2 para 2 (crime and taxation)",
    "safeguarding": "DPA 2018 Sch. 3 para 21 (a safeguarding investigation: serious harm)",
}
DEFAULT = ("police_officer", "safeguarding", "crime")
"""Role, purpose and ground of the accesses withheld whatever the DPO has recorded."""


@dataclass(frozen=True)
class Exemption:
    id: int
    organisation: str | None
    purpose: str | None
    ground: str
    starts_on: date
    ends_on: date | None
    reason: str
    recorded_by: str
    recorded_at: datetime
    withdrawn_at: datetime | None

    def covers(self, organisation: str, purpose: str, on: date) -> bool:
        return (self.withdrawn_at is None
                and self.organisation in (None, organisation)
                and self.purpose in (None, purpose)
                and self.starts_on <= on and (self.ends_on is None or on <= self.ends_on))


@dataclass(frozen=True)
class Exemptions:
    """The rules in force for one person."""

    recorded: tuple[Exemption, ...]

    def ground(self, *, organisation: str, role: str, purpose: str, at: str) -> str | None:
        """The ground an access (its audit ``at`` timestamp) is withheld on, or None."""
        if (role, purpose) == DEFAULT[:2]:
            return DEFAULT[2]
        on = date.fromisoformat(at[:10])
        return next((e.ground for e in self.recorded if e.covers(organisation, purpose, on)),
                    None)


def _dpo_only(connection: Connection, actor: Actor, action: str, person_id: int | None,
              now: datetime) -> None:
    if actor.role is not Role.DPO:
        reason = f"only the DPO records exemptions, not {actor.role}"
        audit.append(connection, [audit.Event(actor, Purpose.SUBJECT_ACCESS, action, "deny",
                                              reason, person_id=person_id)], now=now)
        raise AccessDenied(reason)


def add_exemption(connection: Connection, actor: Actor, person_id: int, *, ground: str,
                  reason: str, starts_on: date, ends_on: date | None = None,
                  organisation: str | None = None, purpose: str | None = None,
                  now: datetime) -> int:
    """Record (audited) that accesses to the person's data matching the rule are withheld
    from them. The DPO only; the reason is kept for the DPO, never shown to the person."""
    problems = []
    if ground not in GROUNDS:
        problems.append(f"ground must be one of {', '.join(GROUNDS)}, not {ground!r}")
    if purpose is not None and purpose not in {p.value for p in Purpose}:
        problems.append(f"unknown purpose {purpose!r}; expected one of "
                        f"{', '.join(p.value for p in Purpose)}")
    if ends_on is not None and ends_on < starts_on:
        problems.append(f"the period ends ({ends_on}) before it starts ({starts_on})")
    if not reason.strip():
        problems.append("a reason is required (what investigation, who asked)")
    if problems:
        raise BadInput("cannot record the exemption: " + "; ".join(problems))
    _dpo_only(connection, actor, "add_exemption", person_id, now)
    record = anchor(connection, person_id)
    if record is None:
        raise BadInput(f"no person with id {person_id}")
    exemption_id = int(connection.execute(access_exemption.insert().values(
        source_record_id=record, organisation=organisation or None, purpose=purpose or None,
        ground=ground, starts_on=starts_on, ends_on=ends_on, reason=reason.strip(),
        recorded_by=actor.user, recorded_at=now).returning(access_exemption.c.id)
    ).scalar_one())
    audit.append(connection, [audit.Event(
        actor, Purpose.SUBJECT_ACCESS, "add_exemption", "done",
        f"exemption #{exemption_id} ({GROUNDS[ground]}) recorded", detail=reason.strip())],
        now=now)  # no person id: a later subject access pack must not mention it
    return exemption_id


def withdraw_exemption(connection: Connection, actor: Actor, exemption_id: int, *,
                       now: datetime) -> None:
    _dpo_only(connection, actor, "withdraw_exemption", None, now)
    done = connection.execute(update(access_exemption).where(
        access_exemption.c.id == exemption_id, access_exemption.c.withdrawn_at.is_(None)
    ).values(withdrawn_at=now)).rowcount
    if not done:
        raise BadInput(f"no exemption {exemption_id} in force; see joinedup exemptions list")
    audit.append(connection, [audit.Event(actor, Purpose.SUBJECT_ACCESS, "withdraw_exemption",
                                          "done", f"exemption #{exemption_id} withdrawn")],
                 now=now)


def exemptions_of(connection: Connection, person_ids: Iterable[int]) -> Exemptions:
    """The exemptions recorded on any record of these person ids (a person and the ids they
    have had), withdrawn ones included (``covers`` skips them)."""
    e = access_exemption.c
    rows = connection.execute(
        select(e.id, e.organisation, e.purpose, e.ground, e.starts_on, e.ends_on, e.reason,
               e.recorded_by, e.recorded_at, e.withdrawn_at)
        .join(person_link, person_link.c.source_record_id == e.source_record_id)
        .where(person_link.c.person_id.in_(list(person_ids))).order_by(e.id))
    return Exemptions(tuple(Exemption(**r._mapping) for r in rows))


def list_exemptions(connection: Connection, actor: Actor, *, now: datetime
                    ) -> list[tuple[int | None, Exemption]]:
    """Every exemption with the person it is about now (DPO only; audited)."""
    _dpo_only(connection, actor, "list_exemptions", None, now)
    e = access_exemption.c
    rows = connection.execute(
        select(person_link.c.person_id, e.id, e.organisation, e.purpose, e.ground, e.starts_on,
               e.ends_on, e.reason, e.recorded_by, e.recorded_at, e.withdrawn_at)
        .outerjoin(person_link, person_link.c.source_record_id == e.source_record_id)
        .order_by(e.id)).all()
    audit.append(connection, [audit.Event(actor, Purpose.SUBJECT_ACCESS, "list_exemptions",
                                          "done", f"{len(rows)} exemptions listed")], now=now)
    return [(r.person_id, Exemption(**{k: v for k, v in r._mapping.items()
                                        if k != "person_id"})) for r in rows]


def record_withheld(connection: Connection, actor: Actor, *, where: str, seqs: list[int],
                    grounds: Iterable[str], now: datetime) -> None:
    """Audit that accesses (by their audit seqs) were withheld from a person in ``where`` (the
    portal, a pack): for the DPO, without the person's id, so it is never shown to them."""
    if not seqs:
        return
    cited = ", ".join(GROUNDS[g] for g in sorted(set(grounds)))
    audit.append(connection, [audit.Event(
        actor, Purpose.SUBJECT_ACCESS, "withhold_accesses", "done",
        f"{len(seqs)} accesses withheld from {actor.user} in {where} under {cited}: "
        f"audit events {', '.join(map(str, seqs))}")], now=now)
