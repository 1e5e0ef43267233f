"""The household: other persons with a record at the same property (UPRN) as the person viewed.

Only UPRNs the actor may see start the search (records whose contact details the decision
grants), and each member found is a person of their own, decided and audited
(``read_household``) before anything of them is shown. A member is listed only if a record of
theirs *at that address* is one their decision shows with its contact details: someone known
at the address only through a sealed record (a refuge) or through an agency the actor has no
agreement with is not listed, since listing them would say where they live.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, select

from joinedup.govern.decide import Decision, decide_many, sealed_visible
from joinedup.govern.facts import Policy
from joinedup.govern.register import Register
from joinedup.govern.vocabulary import SEALED, Actor, Group
from joinedup.store.schema import rectification, source_record
from joinedup.views.basis import basis
from joinedup.views.golden import chosen_value
from joinedup.views.records import Held, granted, held

HOUSEHOLD_LIMIT = 30
"""Persons decided at most: a household, not a care home or a block of flats (the lowest
person ids first, so the same data always gives the same list)."""

_SR = source_record.table.c
_AT = select(_SR.id).where(_SR.uprn.in_(bindparam("uprns", expanding=True)))
_CORRECTED_TO = select(rectification.c.source_record_id).where(
    rectification.c.field == "uprn", rectification.c.value.in_(bindparam("uprns",
                                                                          expanding=True)))


@dataclass(frozen=True)
class HouseholdMember:
    """Another person at the same address: who, and why the actor may see them."""

    person_id: int
    given_name: str | None
    family_name: str | None
    year_of_birth: int | None
    basis: str


@dataclass(frozen=True)
class Household:
    members: tuple[HouseholdMember, ...]
    decisions: dict[int, Decision]
    """The listed members' decisions (their other activity is read only through these)."""


def uprns(records: Sequence[Held], decision: Decision) -> set[str]:
    """The UPRNs of the records whose contact details the decision shows."""
    return {u for h in granted(records, decision, Group.CONTACT_DETAILS)
            if (u := h.text("uprn")) is not None}


def household(connection: Connection, register: Register, actor: Actor, purpose: str | None,
              person_id: int, at: Collection[str], *, groups: Collection[Group],
              now: datetime, policy: Policy, request_id: str) -> Household:
    """Members at any of the UPRNs ``at``, each decided for ``groups``."""
    if not at:
        return Household((), {})
    wanted = sorted(at)
    ids = {*connection.execute(_AT, {"uprns": wanted}).scalars(),
           *connection.execute(_CORRECTED_TO, {"uprns": wanted}).scalars()}
    sealed_ok = sealed_visible(actor, purpose, register.in_force(now.date()))
    there: dict[int, list[Held]] = {}
    for h in held(connection, sorted(ids)):
        if h.person_id is None or h.person_id == person_id or h.text("uprn") not in at:
            continue  # a correction moved it elsewhere, or it is the person themself
        if h.sensitivity == SEALED and sealed_ok is not None and h.source not in sealed_ok:
            continue
        there.setdefault(h.person_id, []).append(h)
    persons = sorted(there)[:HOUSEHOLD_LIMIT]
    decisions = decide_many(connection, register, actor, purpose, persons, groups,
                            policy=policy, now=now, action="read_household",
                            request_id=request_id) if persons else []
    members = []
    listed = {}
    for d in decisions:
        home = granted(there[d.person_id], d, Group.CONTACT_DETAILS) if d.allowed else []
        if not home:
            continue
        named = granted(there[d.person_id], d, Group.IDENTITY)
        born = chosen_value("date_of_birth", named)
        members.append(HouseholdMember(
            d.person_id, chosen_value("given_name", named), chosen_value("family_name", named),
            int(born[:4]) if born else None,
            "; ".join(dict.fromkeys(basis(d, h.source, h.agency, purpose) for h in home))))
        listed[d.person_id] = d
    members.sort(key=lambda m: (m.family_name or "", m.given_name or "", m.person_id))
    return Household(tuple(members), listed)
