"""``decide``: the one access decision every read of person data goes through, audited in the
same transaction as the read it allows.

Deny by default. In order, a request is refused, or narrowed, when:

1. it has no purpose, or the actor's role may not act for that purpose at all;
2. the person does not exist *for this actor*: records sealed from them are invisible, and a
   person all of whose records are sealed gets exactly the answer an unknown id gets;
3. the person objected (to research, or to one agency seeing their data);
4. no sharing agreement in force covers the source, the recipient organisation and role and the
   purpose (an agency always sees its own data, so loading needs no agreement);
5. detail (contacts, involvements, flags) is asked for without a legitimate relationship: an
   open (or recently closed) involvement or referral with the actor's team, a live contact the
   advisor is handling, or break-glass. Without one the answer is identity only.

What is granted is per source and field group, minimised to the intersection of what was asked
and what every rule allows.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from joinedup.govern import audit
from joinedup.govern.agreements import Agreement
from joinedup.govern.facts import DEFAULT_POLICY, NO_FACTS, Facts, Policy, gather
from joinedup.govern.register import Register
from joinedup.govern.vocabulary import (
    DETAIL_GROUPS,
    IDENTITY_GROUPS,
    KIND_GROUPS,
    RESEARCH_PURPOSES,
    ROLE_PURPOSES,
    SEALED,
    STATUTORY_PURPOSES,
    Actor,
    Group,
    Purpose,
)

ALL_GROUPS = frozenset(Group)
OWN_AGENCY = "own-agency"
STATUTORY = "UK-GDPR-Art-15"


def field_names(grants: dict[str, frozenset[Group]]) -> tuple[str, ...]:
    """``source:group`` for every grant: what an audit event records as returned."""
    return tuple(sorted(f"{s}:{g}" for s, groups in grants.items() for g in groups))


@dataclass(frozen=True)
class Decision:
    """The answer, and the audit event that recorded it."""

    allowed: bool
    reason: str
    person_id: int
    grants: dict[str, frozenset[Group]] = field(default_factory=dict)
    """Source name -> the field groups of it that may be shown."""
    records: frozenset[int] = frozenset()
    """The person's source records the grants apply to (sealed ones dropped unless allowed).
    A view shows a contact, involvement or flag only if it is filed under one of these, so
    the activity of a sealed record stays as hidden as the record."""
    agreements: tuple[str, ...] = ()
    break_glass: bool = False
    sealed: frozenset[str] = frozenset()
    """Sources whose sealed rows this actor may see (named in a sealed share)."""
    seq: int = 0
    request_id: str = ""
    basis: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Source name -> why it may be shown: the agreements (``DSA-X/v1``) that share it with
    this actor, ``own-agency`` or the statutory right; so a view can say, panel by panel,
    which agency a value came from and why the actor may see it."""
    relationship: str | None = None
    """The legitimate relationship (or ``break-glass #n``) that unlocked detail, if any."""
    held_back: bool = False
    """Detail the actor asked for was withheld for want of a legitimate relationship."""

    @property
    def fields(self) -> tuple[str, ...]:
        return field_names(self.grants)

    def allows(self, source_name: str, group: Group) -> bool:
        return group in self.grants.get(source_name, ())


@dataclass(frozen=True)
class Outcome:
    """A decision before it is audited: ``reason`` is for the user, ``audit_reason`` for the
    DPO (they differ only where the truth would leak that sealed records exist)."""

    allowed: bool
    reason: str
    audit_reason: str = ""
    grants: dict[str, frozenset[Group]] = field(default_factory=dict)
    records: frozenset[int] = frozenset()
    agreements: tuple[str, ...] = ()
    break_glass: bool = False
    sealed: frozenset[str] = frozenset()
    basis: dict[str, tuple[str, ...]] = field(default_factory=dict)
    relationship: str | None = None
    held_back: bool = False


def _deny(reason: str, audit_reason: str = "") -> Outcome:
    return Outcome(False, reason, audit_reason or reason)


def purpose_refusal(actor: Actor, purpose: str | None) -> str | None:
    """Why no request of this actor for this purpose can succeed, or ``None``: rule 1, which
    a search checks before it looks for anyone."""
    if not purpose:
        return "a purpose is required for every request for person data"
    try:
        why = Purpose(purpose)
    except ValueError:
        return (f"unknown purpose {purpose!r}; expected one of "
                f"{', '.join(p.value for p in Purpose)}")
    if why not in ROLE_PURPOSES[actor.role]:
        return f"the role {actor.role} may not act for the purpose {why}"
    return None


def evaluate(actor: Actor, purpose: str | None, person_id: int, asked: Collection[Group],
             facts: Facts, agreements: Iterable[Agreement]) -> Outcome:
    """The policy itself, pure: the same facts and agreements always give the same outcome."""
    refused = purpose_refusal(actor, purpose)
    if refused is not None or not purpose:
        return _deny(refused or "")
    why = Purpose(purpose)
    unknown = f"no person with id {person_id}"
    if not facts.records:
        return _deny(unknown)
    if why in STATUTORY_PURPOSES:
        kinds = {r.source: "person" for r in facts.records} | {
            name: kind for name, _, _, kind in facts.activity}
        everything = set(kinds)
        reason = "subject access request (UK GDPR Art. 15)"
        return Outcome(True, reason, reason,
                       grants={s: frozenset(asked) & KIND_GROUPS[k] for s, k in kinds.items()},
                       records=frozenset(r.id for r in facts.records), agreements=(STATUTORY,),
                       sealed=frozenset(everything),
                       basis={s: (STATUTORY,) for s in everything})
    if why in RESEARCH_PURPOSES and any(kind == "research" for kind, _ in facts.objections):
        return _deny("the person has objected to the use of their data for planning or "
                     "research")
    barred = {a for kind, a in facts.objections if kind == "agency"}
    in_force = [a for a in agreements if why in a.purposes and not a.pseudonymised]
    sealed_ok = _sealed_shares(in_force, actor)
    visible = [r for r in facts.records if r.sensitivity != SEALED or r.source in sealed_ok]
    if not visible:
        return _deny(unknown, f"every record of person {person_id} is sealed from this role")

    grants: dict[str, frozenset[Group]] = {}
    basis: dict[str, tuple[str, ...]] = {}
    used: set[str] = set()
    held_back = False
    related = facts.relationship is not None or facts.break_glass is not None
    shown = {r.source for r in visible}
    sources = {(r.source, r.agency, "person") for r in visible} | {
        (name, agency_name, kind) for name, agency_name, parent, kind in facts.activity
        if parent in shown}
    for name, agency_name, kind in sorted(sources):
        own = agency_name == actor.organisation
        if not own and actor.organisation in barred:
            continue
        if own:
            allowed, free, codes = ALL_GROUPS, frozenset[Group](), {OWN_AGENCY}
        else:
            allowed, free, codes = _agreed(in_force, name, actor)
        groups = frozenset(asked) & allowed & KIND_GROUPS[kind]
        if not related:
            kept = {g for g in groups if g not in DETAIL_GROUPS or g in free}
            held_back |= len(kept) < len(groups)
            groups = frozenset(kept)
        if groups:
            grants[name] = groups
            basis[name] = tuple(sorted(codes))
            used |= codes
    if not grants:
        if actor.organisation in barred:
            return _deny(f"the person has objected to their data being shared with "
                         f"{actor.organisation}")
        return _deny(f"no sharing agreement in force lets {actor.organisation} "
                     f"({actor.role}) see this person's data for {why}")
    reason = _because(used, facts, held_back)
    glass = None if facts.break_glass is None else f"break-glass #{facts.break_glass}"
    return Outcome(True, reason, reason, grants,
                   frozenset(r.id for r in visible if r.source in grants),
                   tuple(sorted(used)),
                   facts.relationship is None and facts.break_glass is not None,
                   frozenset(sealed_ok & set(grants)), basis, facts.relationship or glass,
                   held_back)


def sealed_visible(actor: Actor, purpose: str | None, agreements: Iterable[Agreement]
                   ) -> frozenset[str] | None:
    """Sources whose sealed records this actor may see for ``purpose`` (``None``: all of
    them, as for a subject access request), so a search can leave the rest out before it
    ranks anything: a sealed record must never be what put a person on a page."""
    why = Purpose(purpose) if purpose in {p.value for p in Purpose} else None
    if why in STATUTORY_PURPOSES:
        return None
    return frozenset(_sealed_shares(
        [a for a in agreements if why in a.purposes and not a.pseudonymised], actor))


def _sealed_shares(in_force: Iterable[Agreement], actor: Actor) -> set[str]:
    return {s for a in in_force for share in a.shares if share.sealed
            for s in share.sources if _recipient(share.recipients, actor)}


@dataclass(frozen=True)
class Scope:
    """What a bulk read (an export) may include, source by source: no person is named in
    advance, so no relationship can exist and detail needs an agreement that asks for none."""

    grants: dict[str, frozenset[Group]]
    sealed: frozenset[str]
    agreements: tuple[str, ...]
    withheld: tuple[str, ...]


def bulk_scope(actor: Actor, purpose: str, agreements: Iterable[Agreement],
               sources: Iterable[tuple[str, str, str]]) -> Scope | str:
    """The scope of a bulk read of ``sources`` ((name, agency, kind)), or why there is none."""
    why = Purpose(purpose) if purpose in {p.value for p in Purpose} else None
    if why is None or why not in ROLE_PURPOSES[actor.role]:
        return f"the role {actor.role} may not act for the purpose {purpose!r}"
    in_force = [a for a in agreements if why in a.purposes and not a.pseudonymised]
    grants: dict[str, frozenset[Group]] = {}
    used: set[str] = set()
    withheld = []
    for name, agency_name, kind in sorted(sources):
        if agency_name == actor.organisation:
            allowed, free, codes = ALL_GROUPS, ALL_GROUPS, {OWN_AGENCY}
        else:
            allowed, free, codes = _agreed(in_force, name, actor)
        groups = allowed & KIND_GROUPS[kind] & (free | IDENTITY_GROUPS)
        if groups:
            grants[name] = groups
            used |= codes
        else:
            withheld.append(name)
    sealed = _sealed_shares(in_force, actor)
    return Scope(grants, frozenset(sealed & set(grants)), tuple(sorted(used)), tuple(withheld))


def _recipient(recipients: Iterable[Any], actor: Actor) -> bool:
    return any(r.organisation == actor.organisation and actor.role in r.roles
               for r in recipients)


def _agreed(in_force: list[Agreement], source_name: str, actor: Actor
            ) -> tuple[frozenset[Group], frozenset[Group], set[str]]:
    """Groups of a source the agreements give this actor, those needing no relationship,
    and the agreements that gave them."""
    allowed: set[Group] = set()
    free: set[Group] = set()
    codes: set[str] = set()
    for a in in_force:
        for share in a.shares:
            if source_name in share.sources and _recipient(share.recipients, actor):
                allowed |= share.groups
                if not a.relationship_required:
                    free |= share.groups
                codes.add(f"{a.code}/v{a.version}")
    return frozenset(allowed), frozenset(free), codes


def _because(used: set[str], facts: Facts, held_back: bool) -> str:
    parts = [f"under {', '.join(sorted(used))}"]
    if facts.relationship is not None:
        parts.append(facts.relationship)
    elif facts.break_glass is not None:
        parts.append(f"break-glass #{facts.break_glass}")
    elif held_back:
        parts.append("identity only: no legitimate relationship")
    return "; ".join(parts)


def decide(connection: Connection, register: Register, actor: Actor, purpose: str | None,
           person_id: int, groups: Collection[Group] = ALL_GROUPS, *,
           policy: Policy = DEFAULT_POLICY, now: datetime | None = None,
           action: str = "read_person", request_id: str | None = None,
           detail: str | None = None) -> Decision:
    """Decide and audit, inside the caller's transaction: read what it allows in the same
    transaction, so a decision whose audit cannot be written returns nothing (fail closed)."""
    [decision] = decide_many(connection, register, actor, purpose, [person_id], groups,
                             policy=policy, now=now, action=action, request_id=request_id,
                             detail=detail)
    return decision


def decide_many(connection: Connection, register: Register, actor: Actor, purpose: str | None,
                person_ids: Sequence[int], groups: Collection[Group] = ALL_GROUPS, *,
                policy: Policy = DEFAULT_POLICY, now: datetime | None = None,
                action: str = "read_person", request_id: str | None = None,
                detail: str | None = None) -> list[Decision]:
    """One decision, and one audit event, per person, for a page of search results or a list
    of households: the facts are gathered set-based, in a few queries for the whole list."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    found = gather(connection, actor, person_ids, groups, policy, now)
    agreements = register.in_force(now.date())
    request = request_id or audit.new_request_id()
    outcomes = [evaluate(actor, purpose, p, groups, found.get(p, NO_FACTS), agreements)
                for p in person_ids]
    seqs = audit.append(connection, [audit.Event(
        actor, purpose or "", action, "allow" if o.allowed else "deny", o.audit_reason,
        field_names(o.grants), o.agreements, p, detail, request)
        for p, o in zip(person_ids, outcomes, strict=True)], now=now)
    return [Decision(o.allowed, o.reason, p, o.grants, o.records, o.agreements, o.break_glass,
                     o.sealed, seq, request, o.basis, o.relationship, o.held_back)
            for p, o, seq in zip(person_ids, outcomes, seqs, strict=True)]

