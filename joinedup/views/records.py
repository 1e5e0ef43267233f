"""Person records as the views show them: the source's current values with every correction
the person asked for applied (``govern.rectify``), and where each came from.

Read only for record ids a ``Decision`` allows, set-based: two queries for any number of
records, however many agencies hold them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, select

from joinedup.govern.decide import Decision
from joinedup.govern.rectify import PROVENANCE, apply, corrections
from joinedup.govern.vocabulary import GROUP_FIELDS, Group
from joinedup.store.ids import any_of
from joinedup.store.schema import agency, person_link, source, source_record

CHUNK = 500
"""Ids per IN (...) list: well inside SQLite's and PostgreSQL's parameter limits."""
VALUE_FIELDS = tuple(f for g in (Group.IDENTITY, Group.CONTACT_DETAILS)
                     for f in GROUP_FIELDS[g] if f != "identifiers")
"""The person-record fields a view may show, identity first."""

_SR = source_record.table.c
_KEYS = (_SR.id, _SR.record_id, _SR.source_id, _SR.valid_from, _SR.load_id, _SR.identifiers,
         _SR.sensitivity)
_VALUES = (len(_KEYS), len(_KEYS) + len(VALUE_FIELDS))
"""Where ``VALUE_FIELDS`` are in a row of ``_HELD`` and ``_HELD_BY_PERSON`` (the person id
follows them)."""
_SOURCE = [c.name for c in _KEYS].index("source_id")
_COLUMNS = (*_KEYS, *(_SR[f] for f in VALUE_FIELDS), person_link.c.person_id)
_HELD = (select(*_COLUMNS)
         .outerjoin(person_link, person_link.c.source_record_id == _SR.id)
         .where(any_of(_SR.id, "ids")))
_SOURCES = select(source.c.id, source.c.name, agency.c.name, source.c.kind).join(
    agency, agency.c.id == source.c.agency_id)


class Source(NamedTuple):
    name: str
    agency: str
    kind: str


def sources(connection: Connection) -> dict[int, Source]:
    """Every source by id, with its agency: a small table read once per view, so that row
    queries filter on ids alone. Given a join to ``source`` to filter on, the planners walk
    every row of a source instead of the index of the ids asked for (SQLite always;
    PostgreSQL before its statistics are gathered)."""
    return {r[0]: Source(r[1], r[2], r[3]) for r in connection.execute(_SOURCES)}


class Held(NamedTuple):
    """One person record as the hub shows it (internal: views copy out what is granted). A
    named tuple, not a frozen dataclass: as immutable, and made five times faster, which
    counts when a list of ten thousand persons makes twenty-five thousand."""

    id: int
    person_id: int | None
    source: str
    agency: str
    record_id: str
    values: dict[str, Any]
    """``VALUE_FIELDS`` -> value, corrections applied (a date of birth is a ``date``)."""
    rectified: frozenset[str]
    """Fields whose value is a correction, not the source's."""
    rectified_at: dict[str, int]
    """Field -> the correction's id (a later correction has a higher id)."""
    loaded_at: datetime
    load_id: int
    sensitivity: str
    identifiers: str | None

    def text(self, field: str) -> str | None:
        """A value as text: dates in ISO form, so JSON and comparisons agree."""
        value = self.values.get(field)
        if value is None:
            return None
        return value.isoformat() if isinstance(value, date) else str(value)


def chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start:start + CHUNK]


_HELD_BY_PERSON = (
    select(*_COLUMNS)
    .join(person_link, person_link.c.source_record_id == _SR.id)
    .where(any_of(person_link.c.person_id, "persons")))


def held(connection: Connection, record_ids: Sequence[int],
         known: dict[int, Source] | None = None) -> list[Held]:
    """The records with these ids, corrections applied, ordered by agency, source, id."""
    return _made(connection.execute(_HELD, {"ids": sorted(set(record_ids))}).all(), connection,
                 known)


def held_by(connection: Connection, persons: Sequence[int], source_ids: Sequence[int],
            known: dict[int, Source] | None = None) -> list[Held]:
    """The records of these persons in these sources, as ``held`` gives them: one query for
    any number of persons (the households in an area). The sources are picked
    here, not in SQL, where SQLite would walk a source's whole index rather than the persons'
    few records."""
    wanted = set(source_ids)
    return _made([row for row in connection.execute(_HELD_BY_PERSON, {"persons": sorted(set(
        persons))}) if row[_SOURCE] in wanted], connection, known)


def _made(rows: Sequence[Any], connection: Connection, known: dict[int, Source] | None
          ) -> list[Held]:
    if not rows:
        return []
    known = known if known is not None else sources(connection)
    made = corrections(connection, [r[0] for r in rows])
    found = []
    first, last = _VALUES
    for row in rows:  # by position: a view of thousands of records spends its time here
        record, key, source_id, valid_from, load_id, identifiers, sensitivity = row[:first]
        values = dict(zip(VALUE_FIELDS, row[first:last], strict=True))
        provenance: dict[str, int] = {}
        if record in made:
            values = apply(values, made[record])
            provenance = values.pop(PROVENANCE)
        where = known[source_id]
        found.append(Held(record, row[last], where.name, where.agency, key, values,
                          frozenset(provenance), provenance, valid_from, load_id,
                          sensitivity or "standard", identifiers))
    return sorted(found, key=lambda h: (h.agency, h.source, h.record_id))


def granted(records: Sequence[Held], decision: Decision, group: Group) -> list[Held]:
    """The records the decision covers whose ``group`` it grants."""
    return [h for h in records if h.id in decision.records and decision.allows(h.source, group)]
