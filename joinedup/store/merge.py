"""Merging a filled staging table into a versioned table, set-based, on both backends.

Order matters and every step runs in the load's transaction:

1. references (person record, practitioner) are resolved, and rows that refer to a person
   record nobody has loaded go to quarantine;
2. the current version of every changed record (any value differs, NULL-safely) is copied to
   history, then updated in place;
3. records never seen before are inserted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

from joinedup.store.schema import Versioned
from joinedup.store.staging import Staging


@dataclass(frozen=True)
class MergeCounts:
    new: int
    updated: int


def resolve_person_records(connection: Connection, staging: Staging, *, load_id: int,
                           person_source_id: int, person_source: str, column: str) -> int:
    """Point each row at its person record; quarantine rows whose person was never loaded."""
    s = staging.name
    connection.execute(text(f"""
        UPDATE {s} SET person_record_id = (
            SELECT r.id FROM source_record r
            WHERE r.source_id = :person_source AND r.record_id = {s}.person_ref)
    """), {"person_source": person_source_id})
    missing = connection.execute(text(f"""
        INSERT INTO quarantine (load_id, row_no, record_id, column_name, value, reason, expected)
        SELECT :load, row_no, record_id, CAST(:column AS TEXT), person_ref,
               'no person record with this id in source ' || CAST(:name AS TEXT),
               'the record id of a person already loaded from ' || CAST(:name AS TEXT)
        FROM {s} WHERE person_record_id IS NULL
    """), {"load": load_id, "column": column, "name": person_source}).rowcount
    if missing:
        _drop_quarantined_rows(connection, staging, load_id=load_id)
    return missing


def resolve_practitioners(connection: Connection, staging: Staging, *, agency_id: int,
                          target: str) -> None:
    """Register practitioners named in the file (one per agency and email, else name), then
    point each row at its practitioner."""
    s = staging.name
    columns = set(staging.written)
    field = {c: (f"practitioner_{c}" if f"practitioner_{c}" in columns else "NULL")
             for c in ("role", "email", "phone")}
    key = (f"COALESCE(LOWER({field['email']}), LOWER(practitioner_name))"
           if field["email"] != "NULL" else "LOWER(practitioner_name)")
    connection.execute(text(f"""
        INSERT INTO practitioner (agency_id, key, name, role, team, email, phone)
        SELECT :agency, k, MAX(name), MAX(role), MAX(team), MAX(email), MAX(phone)
        FROM (SELECT {key} AS k, practitioner_name AS name, {field['role']} AS role,
                     team, {field['email']} AS email, {field['phone']} AS phone
              FROM {s} WHERE practitioner_name IS NOT NULL) named
        WHERE NOT EXISTS (SELECT 1 FROM practitioner p WHERE p.agency_id = :agency AND p.key = k)
        GROUP BY k
    """), {"agency": agency_id})
    connection.execute(text(f"""
        UPDATE {s} SET {target} = (
            SELECT p.id FROM practitioner p WHERE p.agency_id = :agency AND p.key = {key})
        WHERE practitioner_name IS NOT NULL
    """), {"agency": agency_id})


def merge(connection: Connection, staging: Staging, versioned: Versioned, *, source_id: int,
          load_id: int, now: datetime) -> MergeCounts:
    """History for changed records, update them in place, insert new ones."""
    s, t, h = staging.name, versioned.table.name, versioned.history.name
    values = versioned.values
    params = {"source": source_id, "load": load_id, "now": now}
    distinct = "IS DISTINCT FROM" if connection.dialect.name == "postgresql" else "IS NOT"
    differs = " OR ".join(f"{t}.{v} {distinct} {s}.{v}" for v in values)
    changed = f"{t}.source_id = :source AND {t}.record_id = {s}.record_id AND ({differs})"
    connection.execute(text(f"""
        INSERT INTO {h} (current_id, {', '.join(values)}, load_id, valid_from,
                         valid_to, superseded_by_load_id)
        SELECT {t}.id, {', '.join(f'{t}.{v}' for v in values)}, {t}.load_id,
               {t}.valid_from, :now, :load
        FROM {t} JOIN {s} ON {changed}
    """), params)
    updated = connection.execute(text(f"""
        UPDATE {t} SET {', '.join(f'{v} = {s}.{v}' for v in values)},
               load_id = :load, valid_from = :now
        FROM {s} WHERE {changed}
    """), params).rowcount
    new = connection.execute(text(f"""
        INSERT INTO {t} (source_id, record_id, {', '.join(values)}, load_id,
                         first_load_id, valid_from)
        SELECT :source, {s}.record_id, {', '.join(f'{s}.{v}' for v in values)},
               :load, :load, :now
        FROM {s}
        WHERE NOT EXISTS (SELECT 1 FROM {t} WHERE {t}.source_id = :source
                          AND {t}.record_id = {s}.record_id)
    """), params).rowcount
    return MergeCounts(new=new, updated=updated)


def _drop_quarantined_rows(connection: Connection, staging: Staging, *, load_id: int) -> None:
    """Remove quarantined rows from staging, and their warnings: a quarantined row is not
    accepted, so it is reported once, as quarantined."""
    s = staging.name
    connection.execute(text("""
        DELETE FROM data_warning WHERE load_id = :load AND row_no IN (
            SELECT row_no FROM quarantine WHERE load_id = :load)
    """), {"load": load_id})
    connection.execute(text(f"""
        DELETE FROM {s} WHERE row_no IN (SELECT row_no FROM quarantine WHERE load_id = :load)
    """), {"load": load_id})
