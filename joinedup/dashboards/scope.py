"""What an analyst's figures may be counted from, and the gate every dashboard passes.

The gate is the staff tools' (``govern.tools``): only a role that may act for ``analytics``,
acting for it, sees a dashboard; anyone else is refused and the refusal audited. Past the
gate the figures are counted only from:

- the sources a sharing agreement in force shares with the analyst's organisation and role
  for analytics (or their own agency's): a person source for its ``identity`` (linkage is who
  is who, even pseudonymised), a contact source for its ``contacts``. Aggregates are less
  than the pseudonymised extracts those agreements allow, so pseudonymised agreements count;
- records that are not sealed (a refuge or an adoption must not move a count either);
- persons who have not objected to planning and research, nor to sharing with the
  analyst's organisation: every record of theirs is left out, wherever the objection is
  anchored (``govern.objections``).

``counted`` is those person records as one SQL select (record, source, agency, person), so
each figure is a GROUP BY over it in the database, never a loop over persons.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import CTE, ColumnElement, Connection, and_, case, or_, select

from joinedup.errors import AccessDenied
from joinedup.govern import audit
from joinedup.govern.agreements import Agreement
from joinedup.govern.decide import OWN_AGENCY
from joinedup.govern.tools import require
from joinedup.govern.vocabulary import SEALED, Actor, Group, Purpose
from joinedup.store.schema import agency, objection, person_link, source, source_record

ANALYTICS = frozenset({Purpose.ANALYTICS})
BANDS = ((1, "1"), (2, "2"), (3, "3"), (4, "4+"))
"""How many agencies (or sources) know a person: one, two, three, four or more."""
NOT_KNOWN = "Not known"
"""The ward of a person with no known home, or of a property with no ward."""
ALL_WARDS = "All wards"
"""The county-wide row of a table by ward."""
NEEDED = {"person": Group.IDENTITY, "contact": Group.CONTACTS}
"""The group of each kind of source a count needs shared."""
_SR = source_record.table.c


@dataclass(frozen=True)
class Scope:
    """The sources counted, by kind; those withheld; the agreements that allowed them."""

    person_sources: tuple[str, ...]
    contact_sources: tuple[str, ...]
    withheld: tuple[str, ...]
    agreements: tuple[str, ...]

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(sorted((*self.person_sources, *self.contact_sources)))


def _shared(agreements: Iterable[Agreement], actor: Actor, name: str, group: Group
            ) -> set[str]:
    """The agreements (``CODE/vN``) that share ``group`` of source ``name`` with ``actor``
    for analytics."""
    return {f"{a.code}/v{a.version}" for a in agreements if Purpose.ANALYTICS in a.purposes
            for share in a.shares if name in share.sources and group in share.groups
            and any(r.organisation == actor.organisation and actor.role in r.roles
                    for r in share.recipients)}


def analytics_scope(connection: Connection, agreements: Iterable[Agreement], actor: Actor
                    ) -> Scope:
    """Which person and contact sources ``actor``'s figures may count, under ``agreements``
    (those in force today)."""
    in_force = list(agreements)
    counted: dict[str, list[str]] = {"person": [], "contact": []}
    withheld: list[str] = []
    used: set[str] = set()
    rows = connection.execute(select(source.c.name, source.c.kind, agency.c.name)
                              .join(agency, agency.c.id == source.c.agency_id)
                              .where(source.c.kind.in_(tuple(NEEDED))).order_by(source.c.name))
    for name, kind, agency_name in rows:
        codes = ({OWN_AGENCY} if agency_name == actor.organisation
                 else _shared(in_force, actor, name, NEEDED[kind]))
        if codes:
            counted[kind].append(name)
            used |= codes
        else:
            withheld.append(name)
    return Scope(tuple(counted["person"]), tuple(counted["contact"]), tuple(withheld),
                 tuple(sorted(used)))


def not_sealed(sensitivity: ColumnElement[Any]) -> ColumnElement[bool]:
    """A row (a record, a contact) that is not sealed."""
    return or_(sensitivity.is_(None), sensitivity != SEALED)


@dataclass(frozen=True)
class Counted:
    """What a dashboard's figures are counted from: the scope, and its person records."""

    scope: Scope
    records: CTE
    """``record_id, source_id, source, agency_id, person_id`` of every person record a figure
    may count."""


def counted(scope: Scope, actor: Actor) -> Counted:
    """The person records ``actor``'s figures may count, within ``scope``."""
    objectors = (select(person_link.c.person_id)
                 .join(objection, objection.c.source_record_id == person_link.c.source_record_id)
                 .where(objection.c.withdrawn_at.is_(None),
                        or_(objection.c.kind == "research",
                            and_(objection.c.kind == "agency",
                                 objection.c.agency == actor.organisation))))
    return Counted(scope, select(_SR.id.label("record_id"), _SR.source_id,
                                 source.c.name.label("source"), source.c.agency_id,
                                 person_link.c.person_id)
                   .join(person_link, person_link.c.source_record_id == _SR.id)
                   .join(source, source.c.id == _SR.source_id)
                   .where(source.c.name.in_(scope.person_sources), not_sealed(_SR.sensitivity),
                          person_link.c.person_id.not_in(objectors))
                   .cte("counted"))


def ward_order(name: str) -> tuple[bool, str]:
    """Sort key of wards: by name, with "Not known" last."""
    return name == NOT_KNOWN, name


def band_names(one: str, many: str) -> tuple[str, ...]:
    """``BANDS`` in words: ``1 agency``, ``2 agencies``, ... ``4+ agencies``."""
    return tuple(f"{label} {one if k == 1 else many}" for k, label in BANDS)


def band(count: ColumnElement[Any]) -> ColumnElement[Any]:
    """``count``, with four or more as 4 (``BANDS``)."""
    return case((count >= 4, 4), else_=count)


def gate(connection: Connection, actor: Actor, purpose: str | None, action: str, detail: str,
         *, now: datetime) -> str:
    """Refuse, audited, anyone who may not view dashboards for ``purpose``; returns it."""
    if not purpose:
        reason = f"a purpose is required: dashboards are for {Purpose.ANALYTICS}"
        audit.append(connection, [audit.Event(actor, "", action, "deny", reason,
                                              detail=detail)], now=now)
        raise AccessDenied(reason)
    require(connection, actor, purpose, action, purposes=ANALYTICS, now=now, detail=detail)
    return purpose


def record(connection: Connection, actor: Actor, purpose: str, action: str, detail: str,
           scope: Scope, threshold: int, *, now: datetime) -> int:
    """The ``allow`` event of one view or download: which figures, from which sources, under
    which agreements; returns its seq."""
    withheld = f"; withheld (no agreement): {', '.join(scope.withheld)}" if scope.withheld else ""
    reason = (f"aggregates of {', '.join(scope.sources) or 'no source'}, counts below "
              f"{threshold} suppressed{withheld}")
    [seq] = audit.append(connection, [audit.Event(
        actor, purpose, action, "allow", reason, fields=tuple(f"aggregate:{s}"
                                                               for s in scope.sources),
        agreements=scope.agreements, detail=detail)], now=now)
    return seq
