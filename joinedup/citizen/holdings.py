"""Which organisations hold records about a signed-in citizen: each agency's name, what its
records are (the source's own description) and how many of each kind, never their content.

Found only through the citizen's own links (``person_link`` from the record their account was
verified against), never by name or address. Sealed records (a refuge, an adoption) and what
is filed under them are left out, as are markers and activity whose sensitivity a subject
access pack withholds by default (crime: ``govern.sar.EXEMPT``), so the page tips no one off.
Each look is audited.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, func, select

from joinedup.citizen import PURPOSE, Citizen
from joinedup.govern import audit
from joinedup.govern.sar import EXEMPT
from joinedup.govern.vocabulary import SEALED
from joinedup.store.schema import agency, contact, flag, involvement, person_link, source
from joinedup.store.schema import source_record as person_record

KINDS = ("records", "contacts", "involvements", "flags")
WORDS = {"records": "records about you", "contacts": "contacts (calls, visits)",
         "involvements": "cases or care episodes", "flags": "notes to staff (such as access "
         "needs or risks)"}
HIDDEN = frozenset({SEALED, *EXEMPT})


@dataclass(frozen=True)
class Holding:
    """One agency's records about the citizen: counts by kind, and what its feeds are."""

    agency: str
    counts: dict[str, int]
    descriptions: tuple[str, ...] = field(default=())


def _records(connection: Connection, person_id: int) -> list[tuple[int, str, str, str]]:
    """The citizen's records: (id, agency, source description, sensitivity)."""
    sr = person_record.table.c
    rows = connection.execute(
        select(sr.id, agency.c.name, source.c.description, sr.sensitivity)
        .join(person_link, person_link.c.source_record_id == sr.id)
        .join(source, source.c.id == sr.source_id)
        .join(agency, agency.c.id == source.c.agency_id)
        .where(person_link.c.person_id == person_id)).all()
    return [(int(r[0]), r[1], r[2] or "", r[3] or "") for r in rows]


def holdings(connection: Connection, citizen: Citizen, *, now: datetime) -> list[Holding]:
    """The agencies holding records about the citizen, by name (audited)."""
    records = [r for r in _records(connection, citizen.person_id) if r[3] not in HIDDEN]
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(KINDS, 0))
    described: dict[str, set[str]] = defaultdict(set)
    owner = {}
    for record_id, name, description, _ in records:
        counts[name]["records"] += 1
        if description:
            described[name].add(description)
        owner[record_id] = name
    for kind, versioned in (("contacts", contact), ("involvements", involvement),
                            ("flags", flag)):
        t = versioned.table.c
        for name, n in connection.execute(
                select(agency.c.name, func.count())
                .join(source, source.c.id == t.source_id)
                .join(agency, agency.c.id == source.c.agency_id)
                .where(t.person_record_id.in_(list(owner)),
                       func.coalesce(t.sensitivity, "standard").not_in(list(HIDDEN)))
                .group_by(agency.c.name)):
            counts[name][kind] += int(n)
    found = [Holding(name, dict(counts[name]), tuple(sorted(described[name])))
             for name in sorted(counts)]
    audit.append(connection, [audit.Event(
        citizen.actor, PURPOSE, "citizen_records", "done",
        f"saw which organisations hold records about them ({len(found)})",
        person_id=citizen.person_id)], now=now)
    return found
