"""Pseudonymised analytics extracts: one row per person, no direct identifier, for the
analysts an agreement with ``pseudonymised: true`` names.

A person appears under a keyed pseudonym (HMAC-SHA256), not their id: the key lives outside
the database (``keys.pseudonym_key``), so whoever holds the extract, or the database, cannot
reverse or recompute it, yet the same person keeps the same pseudonym across extracts of one
project and gets an unrelated one in another, so projects cannot be joined behind the DPO's
back. Everything else is generalised before it leaves, and only from the field groups the
agreement shares: an age band and sex (``identity``), a postcode district
(``contact_details``), counts of recent contacts and open involvements (``contacts``,
``involvements``). Sealed records, and activity filed under them, never leave at all; a research
objection, or one to the recipient, keeps the person out altogether. The extract streams, so a
county of a million people fits in memory.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from itertools import groupby
from typing import Any, Protocol

from sqlalchemy import (
    Connection,
    Date,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)

from joinedup.errors import AccessDenied, BadInput
from joinedup.govern import audit
from joinedup.govern.agreements import Agreement
from joinedup.govern.register import Register
from joinedup.govern.vocabulary import ROLE_PURPOSES, SEALED, Actor, Group
from joinedup.standardise.invalid import InvalidValue
from joinedup.standardise.postcodes import postcode_district
from joinedup.store.schema import (
    contact,
    involvement,
    objection,
    person_link,
    source,
    source_record,
)

ACTION = "extract"
BATCH = 10_000
"""Rows fetched at a time from the database's cursor."""
AGE_BANDS: tuple[tuple[int, str], ...] = (
    (4, "0-4"), (11, "5-11"), (15, "12-15"), (17, "16-17"), (24, "18-24"), (34, "25-34"),
    (49, "35-49"), (64, "50-64"), (74, "65-74"), (84, "75-84"))
"""(highest age, band): school phases for children, then decades-ish as ONS publishes."""
OLDEST = "85+"
PERSON, CONTACT, INVOLVEMENT = "person", "contact", "involvement"
COLUMNS = ("pseudonym", "age_band", "sex", "postcode_district", "sources")


class RowWriter(Protocol):
    """Where rows go: ``csv.writer`` or anything with its ``writerow``."""

    def writerow(self, row: Iterable[Any], /) -> Any: ...


@dataclass(frozen=True)
class ExtractReport:
    rows: int
    agreement: str
    """``code/vversion`` of the agreement the extract was made under."""
    columns: tuple[str, ...]
    seq: int
    """The audit event that records the extract."""


def pseudonym(key: bytes, purpose: str, value: str) -> str:
    """A stable pseudonym of ``value`` for one purpose: the same key, purpose and value always
    give the same 64 hex digits, another purpose an unrelated one, and without the key
    nobody can compute or reverse it (unlike a plain hash of a guessable id)."""
    return hmac.new(key, f"{purpose}\x1f{value}".encode(), hashlib.sha256).hexdigest()


def pseudonym_scope(purpose: str, agreement: Agreement) -> str:
    """What pseudonyms are keyed to: the purpose and the project (agreement code, not
    version), so a renewed agreement keeps its pseudonyms and two projects cannot link."""
    return f"{purpose}/{agreement.code}"


def age_band(born: date | None, today: date) -> str:
    if born is None or born > today:
        return ""
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return next((band for highest, band in AGE_BANDS if age <= highest), OLDEST)


def district(postcode: str | None) -> str:
    if not postcode:
        return ""
    try:
        return postcode_district(postcode)
    except InvalidValue:
        return ""


def year_before(moment: datetime) -> datetime:
    """The same moment twelve months earlier (29 February falls back to the 28th)."""
    try:
        return moment.replace(year=moment.year - 1)
    except ValueError:
        return moment.replace(year=moment.year - 1, day=28)


# -- what the agreement allows ----------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    """What one pseudonymised agreement gives this actor: field groups per source."""

    agreement: Agreement
    groups: dict[str, frozenset[Group]]
    kinds: dict[str, str] = field(default_factory=dict)
    """Source name -> kind (person, contact, involvement, ...), as loaded."""

    @property
    def name(self) -> str:
        return f"{self.agreement.code}/v{self.agreement.version}"

    def sources_with(self, group: Group, kind: str) -> list[str]:
        """Shared sources of this kind whose rows of ``group`` the agreement shares: a
        ``contacts`` grant means something only on a source that holds contacts."""
        return sorted(s for s, g in self.groups.items()
                      if group in g and self.kinds.get(s) == kind)

    @property
    def person_sources(self) -> list[str]:
        return sorted(s for s in self.groups if self.kinds.get(s) == PERSON)

    @property
    def contact_sources(self) -> list[str]:
        return self.sources_with(Group.CONTACTS, CONTACT)

    @property
    def involvement_sources(self) -> list[str]:
        return self.sources_with(Group.INVOLVEMENTS, INVOLVEMENT)

    @property
    def columns(self) -> tuple[str, ...]:
        return (*COLUMNS, *(f"contacts_12m.{s}" for s in self.contact_sources),
                *(f"open_involvements.{s}" for s in self.involvement_sources))

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(sorted(f"{s}:{g}" for s, groups in self.groups.items() for g in groups))


def _recipient(recipients: Iterable[Any], actor: Actor) -> bool:
    return any(r.organisation == actor.organisation and actor.role in r.roles
               for r in recipients)


def scope_for(register: Register, actor: Actor, purpose: str, day: date,
              agreement: str | None = None) -> Scope | str:
    """The agreement this extract is made under, or why there is none."""
    if purpose not in {p.value for p in ROLE_PURPOSES[actor.role]}:
        return f"the role {actor.role} may not act for the purpose {purpose!r}"
    found: list[Scope] = []
    for a in register.in_force(day):
        if not a.pseudonymised or purpose not in a.purposes:
            continue
        if agreement is not None and a.code != agreement:
            continue
        groups: dict[str, set[Group]] = {}
        for share in a.shares:
            if _recipient(share.recipients, actor):
                for name in share.sources:
                    groups.setdefault(name, set()).update(share.groups)
        if groups:
            found.append(Scope(a, {s: frozenset(g) for s, g in groups.items()}))
    if not found:
        return (f"no pseudonymised sharing agreement in force names {actor.organisation} "
                f"({actor.role}) as a recipient for {purpose}")
    if len(found) > 1:
        codes = ", ".join(sorted(s.agreement.code for s in found))
        raise BadInput(f"several pseudonymised agreements cover {actor.organisation} for "
                       f"{purpose} ({codes}): name the one this extract is for")
    return found[0]


# -- the query ---------------------------------------------------------------------------------

def _not_sealed(column: Any) -> Any:
    return func.coalesce(column, "standard") != SEALED


def objecting(connection: Connection, actor: Actor) -> set[int]:
    """Persons who objected, on any of their records, to research or to the recipient seeing
    their data. Fetched once and checked in Python: a few per cent of a county at most, and
    unlike an anti-join it cannot be planned badly when statistics lag a bulk load."""
    rows = connection.execute(
        select(person_link.c.person_id).distinct()
        .join(objection, objection.c.source_record_id == person_link.c.source_record_id)
        .where(objection.c.withdrawn_at.is_(None),
               or_(objection.c.kind == "research",
                   and_(objection.c.kind == "agency",
                        objection.c.agency == actor.organisation)))).scalars()
    return {int(p) for p in rows}


def _rows_query(scope: Scope, now: datetime) -> Select[Any]:
    """One stream, ordered by person: their records in shared sources, then their contact
    and involvement counts per shared source. Sealed rows, and activity filed under a sealed
    record, never leave the database."""
    sr = source_record.table
    records = (select(person_link.c.person_id.label("person_id"),
                      literal("record", String).label("kind"),
                      source.c.name.label("source"),
                      sr.c.sex.label("sex"), sr.c.date_of_birth.label("born"),
                      sr.c.postcode.label("postcode"),
                      literal(0, Integer).label("counted"), sr.c.id.label("ordinal"))
               .join(sr, sr.c.id == person_link.c.source_record_id)
               .join(source, source.c.id == sr.c.source_id)
               .where(source.c.name.in_(scope.person_sources), _not_sealed(sr.c.sensitivity)))
    parts: list[Select[Any]] = [records]
    today = now.date()
    for kind, table, names, counted in (
            ("contacts", contact.table, scope.contact_sources,
             and_(contact.table.c.occurred_at >= year_before(now),
                  contact.table.c.occurred_at <= now)),
            ("involvements", involvement.table, scope.involvement_sources,
             and_(or_(involvement.table.c.started_on.is_(None),
                      involvement.table.c.started_on <= today),
                  or_(involvement.table.c.ended_on.is_(None),
                      involvement.table.c.ended_on >= today)))):
        if not names:
            continue
        parts.append(
            select(person_link.c.person_id, literal(kind, String), source.c.name,
                   cast(null(), String), cast(null(), Date),
                   cast(null(), String), func.sum(case((counted, 1), else_=0)),
                   literal(0, Integer))
            .select_from(table)
            .join(source, source.c.id == table.c.source_id)
            .join(sr, sr.c.id == table.c.person_record_id)
            .join(person_link, person_link.c.source_record_id == sr.c.id)
            .where(source.c.name.in_(names), _not_sealed(table.c.sensitivity),
                   _not_sealed(sr.c.sensitivity))
            .group_by(person_link.c.person_id, source.c.name))
    query = union_all(*parts).subquery()
    return select(query).order_by(query.c.person_id, query.c.kind, query.c.ordinal)


def _mode(values: Sequence[Any]) -> Any:
    """The value most of the person's records agree on (ties: the earliest record's)."""
    present = [v for v in values if v is not None and v != ""]
    if not present:
        return None
    first = present[0]
    if all(v == first for v in present):
        return first
    counts = Counter(present)
    best = max(counts.values())
    return next(v for v in present if counts[v] == best)


class _Rows:
    """Turns one person's stream rows into their extract row; everything that is the same for
    every person is worked out once, since this runs a million times."""

    def __init__(self, scope: Scope, key: bytes, project: str, today: date) -> None:
        self.identity = frozenset(s for s, g in scope.groups.items() if Group.IDENTITY in g)
        self.located = frozenset(s for s, g in scope.groups.items()
                                 if Group.CONTACT_DETAILS in g)
        self.counted = [*(("contacts", s) for s in scope.contact_sources),
                        *(("involvements", s) for s in scope.involvement_sources)]
        # HMAC is streaming: the keyed state after "project\x1f" is copied for each person.
        self.keyed = hmac.new(key, f"{project}\x1f".encode(), hashlib.sha256)
        self.today = today

    def __call__(self, person_id: int, rows: list[Any]) -> list[Any]:
        records = [r for r in rows if r.kind == "record"]
        identity = [r for r in records if r.source in self.identity]
        sex = _mode([r.sex for r in identity]) or ""
        born = _mode([r.born for r in identity])
        postcode = _mode([district(r.postcode) for r in records
                          if r.source in self.located]) or ""
        counts = {(r.kind, r.source): int(r.counted or 0) for r in rows if r.kind != "record"}
        digest = self.keyed.copy()
        digest.update(str(person_id).encode())
        return [digest.hexdigest(), age_band(born, self.today), sex, postcode,
                ";".join(sorted({r.source for r in rows})),
                *(counts.get(c, 0) for c in self.counted)]


def _persons(connection: Connection, scope: Scope, actor: Actor, now: datetime
             ) -> Iterator[tuple[int, list[Any]]]:
    """Each person's rows in turn, objectors left out, streamed from the database."""
    left_out = objecting(connection, actor)
    query = _rows_query(scope, now).execution_options(yield_per=BATCH)
    for person_id, rows in groupby(connection.execute(query), key=lambda r: r.person_id):
        if person_id not in left_out:
            yield int(person_id), list(rows)


def analytics_extract(connection: Connection, register: Register, actor: Actor, purpose: str,
                      writer: RowWriter, *, key: bytes, now: datetime,
                      agreement: str | None = None) -> ExtractReport:
    """Write a pseudonymised extract (header first) for an analyst an agreement names, and
    audit it in the caller's transaction. Refusals are audited and raise ``AccessDenied``.

    ``agreement`` picks the agreement by code when several pseudonymised ones could apply.
    The caller should publish what ``writer`` wrote only after the transaction commits."""
    found = scope_for(register, actor, purpose, now.date(), agreement)
    if isinstance(found, str):
        audit.append(connection, [audit.Event(actor, purpose, ACTION, "deny", found)], now=now)
        raise AccessDenied(found)
    kinds = connection.execute(select(source.c.name, source.c.kind)
                               .where(source.c.name.in_(sorted(found.groups)))).all()
    scope = replace(found, kinds={name: str(kind) for name, kind in kinds})
    row_of = _Rows(scope, key, pseudonym_scope(purpose, scope.agreement), now.date())
    writer.writerow(scope.columns)
    count = 0
    for person_id, rows in _persons(connection, scope, actor, now):
        writer.writerow(row_of(person_id, rows))
        count += 1
    [seq] = audit.append(connection, [audit.Event(
        actor, purpose, ACTION, "allow",
        f"pseudonymised extract of {count} persons under {scope.name}", scope.fields,
        (scope.name,))], now=now)
    return ExtractReport(count, scope.name, scope.columns, seq)
