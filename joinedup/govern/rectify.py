"""Rectification (UK GDPR Art. 16): a person's correction of what an agency holds about them.

The hub never rewrites a source's value: the agency's feed stays as it was sent (its history
kept), and a ``rectification`` row overrides it wherever the hub shows it, with who recorded it,
when and why. The newest rectification of a (record, field) wins. A corrected value is checked
and standardised exactly as ingestion would have, so it matches like any other value.

Art. 19 asks that every recipient the data was disclosed to be told of the correction: the
audit trail says who that was, field group by field group.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select

from joinedup.errors import AccessDenied, BadInput
from joinedup.govern import audit
from joinedup.govern.lineage import lineage
from joinedup.govern.vocabulary import GROUP_FIELDS, Actor, Purpose, Role
from joinedup.sources.definition import CANONICAL_FIELDS, Kind, ValueType
from joinedup.sources.mapping import SIMPLE
from joinedup.standardise import InvalidValue, check_birth_date, parse_date
from joinedup.store.ids import any_of
from joinedup.store.schema import (
    agency,
    audit_event,
    audit_subject,
    person_link,
    rectification,
    source,
    source_record,
)

RECTIFIABLE: dict[str, ValueType] = {name: CANONICAL_FIELDS[Kind.PERSON][name] for name in (
    "given_name", "middle_names", "family_name", "date_of_birth", "sex", "nhs_number",
    "address", "postcode", "phone", "email", "uprn")}
"""The person-record fields a person may have corrected, with how each is checked."""

PURPOSE = Purpose.SUBJECT_ACCESS
"""Data-subject rights requests are recorded under the statutory purpose."""
PROVENANCE = "provenance"
"""The key ``effective_records`` keeps field -> rectification id under."""


@dataclass(frozen=True)
class Correction:
    """One stored rectification."""

    id: int
    source_record_id: int
    field: str
    value: str | None
    previous_value: str | None
    reason: str
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class Rectification:
    """A correction recorded, and whom it must now be passed on to."""

    id: int
    person_id: int
    source_record_id: int
    source: str
    agency: str
    record_key: str
    """The agency's own id of the record (``A1``), as it would quote it."""
    field: str
    value: str | None
    previous_value: str | None
    reason: str
    recorded_by: str
    recorded_at: datetime
    recipients_to_notify: tuple[str, ...]
    """Organisations shown this field of this record (UK GDPR Art. 19), besides the actor's."""
    seq: int


def standardise(field: str, value: str | None, *, today: date) -> str | None:
    """The canonical text of a corrected value, as ingestion would store it; blank clears."""
    vtype = RECTIFIABLE.get(field)
    if vtype is None:
        raise BadInput(f"{field!r} cannot be rectified here; expected one of "
                       f"{', '.join(RECTIFIABLE)}")
    raw = (value or "").strip()
    if not raw:
        return None
    try:
        if vtype is ValueType.DATE:
            return check_birth_date(parse_date(raw), today=today).isoformat()
        result = SIMPLE[vtype](raw)
    except InvalidValue as exc:
        raise BadInput(f"{field}: {raw!r} is not valid; expected {exc.expected}") from exc
    return None if result is None else str(result)


def typed(field: str, text: str | None) -> Any:
    """A stored correction as the source column's own type (a date of birth is a date)."""
    if text is not None and RECTIFIABLE.get(field) is ValueType.DATE:
        return date.fromisoformat(text)
    return text


def corrections(connection: Connection, record_ids: Sequence[int]
                ) -> dict[int, list[Correction]]:
    """Every rectification of these records, oldest first, by record."""
    found: dict[int, list[Correction]] = defaultdict(list)
    for row in connection.execute(_CORRECTIONS, {"ids": sorted(set(record_ids))}):
        found[row.source_record_id].append(Correction(*row))
    return dict(found)


_R = rectification.c
_CORRECTIONS = (select(_R.id, _R.source_record_id, _R.field, _R.value, _R.previous_value,
                       _R.reason, _R.recorded_by, _R.recorded_at)
                .where(any_of(_R.source_record_id, "ids")).order_by(_R.id))


def apply(values: dict[str, Any], made: Sequence[Correction]) -> dict[str, Any]:
    """``values`` with the newest correction of each field applied, and ``provenance``
    (field -> rectification id) saying which values are corrections."""
    result = dict(values)
    provenance: dict[str, int] = {}
    for c in made:  # oldest first: the newest wins
        result[c.field] = typed(c.field, c.value)
        provenance[c.field] = c.id
    result[PROVENANCE] = provenance
    return result


def effective_records(connection: Connection, record_ids: Sequence[int]
                      ) -> dict[int, dict[str, Any]]:
    """Current source values of these person records with the latest rectification per
    (record, field) applied, plus ``provenance``: what the hub shows instead of the feed."""
    sr = source_record.table.c
    columns = [sr[name] for name in source_record.values]
    rows: dict[int, dict[str, Any]] = {}
    for row in connection.execute(select(sr.id, *columns).where(any_of(sr.id, "ids")),
                                  {"ids": sorted(set(record_ids))}):
        values = dict(row._mapping)
        rows[values.pop("id")] = values
    made = corrections(connection, list(rows))
    return {rid: apply(values, made.get(rid, ())) for rid, values in rows.items()}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def _record(connection: Connection, record_id: int) -> Any:
    sr = source_record.table.c
    return connection.execute(
        select(sr.id, sr.record_id, person_link.c.person_id, source.c.name.label("source"),
               agency.c.name.label("agency"))
        .join(person_link, person_link.c.source_record_id == sr.id)
        .join(source, source.c.id == sr.source_id)
        .join(agency, agency.c.id == source.c.agency_id)
        .where(sr.id == record_id)).first()


def find_record(connection: Connection, source_name: str, record_key: str) -> int:
    """The hub's id of a source's record, from the names an agency quotes (``asc_clients``,
    ``A1``)."""
    sr = source_record.table.c
    found = connection.execute(
        select(sr.id).join(source, source.c.id == sr.source_id)
        .where(source.c.name == source_name, sr.record_id == record_key)).scalar()
    if found is None:
        raise BadInput(f"no record {record_key!r} in source {source_name!r}")
    return int(found)


def rectify(connection: Connection, actor: Actor, person_id: int, *, record_id: int,
            field: str, value: str | None, reason: str, now: datetime) -> Rectification:
    """Record a correction of one field of one of the person's records, inside the caller's
    ``governed`` transaction, audited with it; a refusal is audited and raised as
    ``AccessDenied``. Only the DPO or staff of the agency holding the record may do it."""
    stated = " ".join(reason.split())
    if not stated:
        raise BadInput("a reason is required for every rectification")
    new = standardise(field, value, today=now.date())
    record = _record(connection, record_id)
    if record is None or record.person_id != person_id:
        raise BadInput(f"source record {record_id} is not a record of person {person_id}")
    if actor.role is not Role.DPO and actor.organisation != record.agency:
        why = "only the data protection officer or staff of the agency holding the record " \
              "may rectify it"
        audit.append(connection, [audit.Event(actor, PURPOSE, "rectify", "deny", why,
                                              person_id=person_id)], now=now)
        raise AccessDenied(why)
    shown = effective_records(connection, [record_id])[record_id]
    previous = _text(shown[field])
    if previous == new:
        raise BadInput(f"{field} of record {record.source}:{record.record_id} already reads "
                       f"{new!r}; there is nothing to rectify")
    rect_id = int(connection.execute(rectification.insert().values(
        source_record_id=record_id, field=field, value=new, previous_value=previous,
        reason=stated, recorded_by=actor.user, recorded_at=now)
        .returning(rectification.c.id)).scalar_one())
    recipients = recipients_to_notify(connection, person_id, record.source, field,
                                      exclude=actor.organisation)
    # The reason is free text about the person: it goes in the event's erasable detail.
    [seq] = audit.append(connection, [audit.Event(
        actor, PURPOSE, "rectify", "done",
        f"rectification #{rect_id} of {field} on {record.source} record {record_id}",
        fields=(f"{record.source}:{field}",), person_id=person_id, detail=stated)], now=now)
    return Rectification(rect_id, person_id, record_id, record.source, record.agency,
                         record.record_id, field, new, previous, stated, actor.user, now,
                         recipients, seq)


def recipients_to_notify(connection: Connection, person_id: int, source_name: str,
                         field: str, *, exclude: str | None = None) -> tuple[str, ...]:
    """Organisations whose allowed reads of the person (under any id they had) granted the
    group holding ``field`` of ``source_name``."""
    group = next(g for g, names in GROUP_FIELDS.items() if field in names)
    wanted = f"{source_name}:{group}"
    known = lineage(connection, person_id)
    e = audit_event.c
    rows = connection.execute(
        select(e.organisation, e.at, e.fields, audit_subject.c.person_id)
        .join(audit_subject, audit_subject.c.seq == e.seq)
        .where(audit_subject.c.person_id.in_(known.ids), e.decision == "allow"))
    return tuple(sorted({r.organisation for r in rows
                         if r.organisation != exclude and known.covers(r.person_id, r.at)
                         and wanted in r.fields.split(",")}))
