"""What linkage compares: each person record reduced to comparison keys.

The same function turns a record into features for a batch run and for a record linked as it
loads, so the two cannot disagree. Values are upper-case keys (``name_key``, ``address_key``)
so that case, accents and punctuation never count as differences. A mistyped NHS number that
failed its checksum is kept (from the record's ``invalid`` JSON): it cannot identify anyone on
its own, but one digit off a valid number is strong evidence.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, select

from joinedup.standardise.addresses import address_key
from joinedup.standardise.names import canonical_given_names, name_key
from joinedup.standardise.postcodes import postcode_district, postcode_sector
from joinedup.store.schema import source, source_record

_RECORD = source_record.table

STRING_FEATURES = (
    "source_dataset", "record_id", "given", "given_formal", "middle", "family", "dob", "sex",
    "nhs", "uprn", "house", "postcode", "postcode_sector", "postcode_district", "address",
    "phone", "email",
)
LIST_FEATURES = ("given_names", "family_parts")
IDENTIFIER_PREFIX = "id_"
_DIGITS = re.compile(r"\D")
_IDENT = re.compile(r"[^a-z0-9_]")
_NOT_ALNUM = re.compile(r"[^A-Z0-9]")


def identifier_column(name: str) -> str:
    """The feature column of a named identifier: ``'Mosaic ID'`` -> ``'id_mosaic_id'``."""
    return IDENTIFIER_PREFIX + _IDENT.sub("_", name.lower())


def _key(value: str | None) -> str | None:
    key = name_key(value) if value else ""
    return key or None


def _nhs(value: str | None, invalid: Mapping[str, str]) -> str | None:
    if value:
        return value
    raw = _DIGITS.sub("", invalid.get("nhs_number", ""))
    return raw if len(raw) == 10 else None


def address_words(address: str) -> int:
    """The address's words as a 63-bit Bloom filter (one bit per word, by CRC-32), so that
    the share of words two addresses have in common is two bit counts instead of a set
    intersection, two hundred times faster over the random pairs training compares. Two words
    share a bit by chance about once in 63; a level needs most of the words to agree."""
    bits = 0
    for word in address.split():
        bits |= 1 << (zlib.crc32(word.encode()) % 63)
    return bits


def _formal(key: str | None, names: frozenset[str]) -> str | None:
    """One formal name to block on: 'BEX' -> 'REBECCA' (the first, where several fit)."""
    others = names - {key}
    return min(others) if others else key


def record_features(row: Mapping[str, Any]) -> dict[str, Any]:
    """One person record (columns of ``source_record`` plus ``source``) as linkage features."""
    invalid: dict[str, str] = json.loads(row["invalid"]) if row.get("invalid") else {}
    given, family = row.get("given_name"), row.get("family_name")
    postcode: str | None = row.get("postcode")
    address = address_key(row["address"]) if row.get("address") else ""
    dob: date | str | None = row.get("date_of_birth")
    given_key = _key(given)
    given_names = canonical_given_names(given) if given else frozenset()
    features: dict[str, Any] = {
        "unique_id": row["id"],
        "source_dataset": row["source"],
        "record_id": row["record_id"],
        "given": given_key,
        "given_formal": _formal(given_key, given_names),
        "middle": _key((row.get("middle_names") or "").split(" ")[0]),
        "family": _key(family),
        "dob": dob.isoformat() if isinstance(dob, date) else dob,
        "sex": row.get("sex"),
        "nhs": _nhs(row.get("nhs_number"), invalid),
        "uprn": row.get("uprn"),
        "postcode": postcode,
        "postcode_sector": postcode_sector(postcode) if postcode else None,
        "postcode_district": postcode_district(postcode) if postcode else None,
        "address": address or None,
        "house": next((w for w in address.split() if any(c.isdigit() for c in w)), None),
        "phone": row.get("phone"),
        "email": row.get("email"),
        "given_names": sorted(given_names),
        "family_parts": sorted({k for part in re.split(r"[-\s]+", family or "")
                                if (k := name_key(part))}),
        "address_words": address_words(address),
    }
    identifiers: dict[str, str] = json.loads(row["identifiers"]) if row.get("identifiers") else {}
    for name, value in identifiers.items():
        features[identifier_column(name)] = _NOT_ALNUM.sub("", str(value).upper()) or None
    return features


def features_table(rows: Iterable[Mapping[str, Any]],
                   identifiers: Sequence[str] | None = None) -> pa.Table:
    """Features of ``rows`` (store records) as an Arrow table for the engine."""
    return table_of([record_features(row) for row in rows], identifiers)


def table_of(records: Sequence[Mapping[str, Any]], identifiers: Sequence[str] | None = None
             ) -> pa.Table:
    """Records' features as an Arrow table: one column per identifier seen (or per name in
    ``identifiers``, so a table built for scoring matches the model's)."""
    names = sorted({k for r in records for k in r if k.startswith(IDENTIFIER_PREFIX)}
                   if identifiers is None else identifiers)
    columns: dict[str, pa.Array] = {
        "unique_id": pa.array([r["unique_id"] for r in records], pa.int64())}
    for name in (*STRING_FEATURES, *names):
        columns[name] = pa.array([r.get(name) for r in records], pa.string())
    columns["address_words"] = pa.array([r["address_words"] for r in records], pa.int64())
    for name in LIST_FEATURES:
        columns[name] = pa.array([r[name] for r in records], pa.list_(pa.string()))
    return pa.table(columns)


def all_features(connection: Connection, identifiers: Sequence[str] | None = None,
                 chunk: int = 50_000) -> pa.Table:
    """Features of every current person record, read in chunks so that only one chunk's
    Python dicts exist at a time (a million records would otherwise take gigabytes)."""
    rows = connection.execute(_query().execution_options(yield_per=chunk)).mappings()
    parts = [table_of([record_features(dict(row)) for row in part])
             for part in rows.partitions()]
    table = pa.concat_tables(parts, promote_options="default") if parts else table_of([])
    if identifiers is None:
        return table
    for name in table.column_names:
        if name.startswith(IDENTIFIER_PREFIX) and name not in identifiers:
            table = table.drop_columns([name])
    for name in identifiers:
        if name not in table.column_names:
            table = table.append_column(name, pa.nulls(table.num_rows, pa.string()))
    return table


ANONYMISED = "anonymised:"
"""The record id retention gives a record it anonymised: it names nobody, so it links to no one."""


def _query() -> Any:
    return (select(_RECORD, source.c.name.label("source"))
            .join(source, source.c.id == _RECORD.c.source_id)
            .where(source.c.kind == "person", _RECORD.c.record_id.not_like(f"{ANONYMISED}%"))
            .order_by(_RECORD.c.id))


def person_records(connection: Connection, ids: Sequence[int] | None = None) -> list[dict[str,
                                                                                         Any]]:
    """Current person records (all, or those with ``ids``) with their source's name."""
    query = _query()
    if ids is not None:
        query = query.where(_RECORD.c.id.in_(ids))
    return [dict(row) for row in connection.execute(query).mappings()]
