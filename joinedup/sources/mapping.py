"""Mapping: raw rows to the canonical values of their kind, with warnings or rejections.

The rules that keep data from being lost silently:

* a row that cannot be identified or used (no record id, no usable name, a required field of
  its kind missing or unreadable) is **rejected** into quarantine with the reason;
* a bad optional value (an NHS number failing Modulus 11, an implausible postcode, an
  unparseable date) is **kept raw** in the record's ``invalid`` JSON, left empty in its canonical
  field, and reported as a data-quality warning; it never rejects the row.

Rows are mapped a batch at a time, column by column: each field's converter is mapped over the
column at C speed with a cache for repeated values, and only the rare bad values take the slow
path that explains them. Ingest speed is a product requirement (docs/benchmarks.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from joinedup.sources.definition import (
    CANONICAL_FIELDS,
    REQUIRED_FIELDS,
    SENSITIVITIES,
    FieldSpec,
    Kind,
    SourceDefinition,
    ValueType,
)
from joinedup.sources.readers import Row
from joinedup.standardise import (
    InvalidValue,
    check_birth_date,
    clean_address,
    clean_name,
    clean_text,
    normalise_email,
    normalise_nhs_number,
    normalise_phone,
    normalise_postcode,
    normalise_sex,
    normalise_uprn,
    parse_date,
    parse_datetime,
    parse_float,
    split_full_name,
)
from joinedup.store.issues import Issue

Value = str | float | None
INVALID: Any = object()
"""What a converter returns for a value it cannot accept; the reason is worked out later."""

# Values that repeat across rows (names, dates, postcodes) are cached; values unique to a
# person (NHS number, phone, email) are not, since a cache would only cost memory.
UNIQUE_VALUES = {ValueType.NHS_NUMBER, ValueType.PHONE, ValueType.EMAIL, ValueType.UPRN,
                 ValueType.FLOAT, ValueType.DATETIME}

PRACTITIONER_FIELDS = {
    Kind.CONTACT: {"practitioner": "name"},
    Kind.INVOLVEMENT: {"key_worker": "name", "key_worker_role": "role",
                       "key_worker_email": "email", "key_worker_phone": "phone"},
}


def staging_column(kind: Kind, field_name: str) -> str:
    """The staging column a canonical field fills: the person reference and practitioner
    details are resolved to ids while merging; the rest keep their own names."""
    if field_name == "person":
        return "person_ref"
    practitioner = PRACTITIONER_FIELDS.get(kind, {})
    return f"practitioner_{practitioner[field_name]}" if field_name in practitioner \
        else field_name


def staging_columns(kind: Kind) -> tuple[str, ...]:
    names = [staging_column(kind, f) for f in CANONICAL_FIELDS[kind] if f != "full_name"]
    if kind is Kind.PERSON:
        names.append("identifiers")
    return (*names, "invalid")


@dataclass
class MappedBatch:
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    """Staging rows: row number, record id, then ``staging_columns(kind)``."""
    warnings: list[Issue] = field(default_factory=list)
    rejected: list[Issue] = field(default_factory=list)


def _sensitivity(raw: str) -> str:
    value = raw.strip().lower().replace(" ", "_").replace("-", "_")
    if value not in SENSITIVITIES:
        raise InvalidValue(f"one of {', '.join(SENSITIVITIES)}")
    return value


SIMPLE: dict[ValueType, Callable[[str], Value]] = {
    ValueType.TEXT: clean_text,
    ValueType.NAME: clean_name,
    ValueType.SEX: normalise_sex,
    ValueType.NHS_NUMBER: normalise_nhs_number,
    ValueType.UPRN: normalise_uprn,
    ValueType.POSTCODE: normalise_postcode,
    ValueType.PHONE: normalise_phone,
    ValueType.EMAIL: normalise_email,
    ValueType.SENSITIVITY: _sensitivity,
    ValueType.FLOAT: parse_float,
    ValueType.ADDRESS: lambda raw: clean_address(raw.split(", ")),
}


def _parser(name: str, vtype: ValueType, fmt: str | None) -> Callable[[str], Any]:
    """The strict parser of one field: returns the canonical value or raises InvalidValue."""
    if vtype is ValueType.DATE:
        birth = name == "date_of_birth"

        def date_value(raw: str) -> str:
            value = parse_date(raw, fmt)
            return (check_birth_date(value) if birth else value).isoformat()

        return date_value
    if vtype is ValueType.DATETIME:
        return lambda raw: parse_datetime(raw, fmt).isoformat(sep=" ")
    if name == "full_name":
        return split_full_name
    return SIMPLE[vtype]


def _tolerant(parse: Callable[[str], Any], cached: bool) -> Callable[[str | None], Any]:
    """Wrap a strict parser for mapping over a column: blanks become None, bad values
    INVALID, and repeated values come from a cache."""

    def convert(raw: str | None) -> Any:
        if raw is None:
            return None
        raw = raw.strip()
        if not raw:
            return None
        try:
            return parse(raw)
        except InvalidValue:
            return INVALID

    return lru_cache(maxsize=1 << 16)(convert) if cached else convert


@dataclass(frozen=True)
class _Field:
    name: str
    slot: int  # position among the staging columns, -1 for full_name
    positions: tuple[int, ...]
    constant: str | None
    parse: Callable[[str], Any]
    convert: Callable[[str | None], Any]
    label: str  # the source column(s), as the definition names them

    def raw_column(self, columns: Sequence[Sequence[str | None]], size: int
                   ) -> Sequence[str | None]:
        if self.constant is not None:
            return [self.constant] * size
        if len(self.positions) == 1:
            return columns[self.positions[0]]
        joiner = ", " if self.name == "address" else " "
        parts = [columns[i] for i in self.positions]
        return [joiner.join([p.strip() for p in row if p and p.strip()]) or None
                for row in zip(*parts, strict=True)]

    def expected(self, raw: str) -> str:
        try:
            self.parse(raw.strip())
        except InvalidValue as exc:
            return exc.expected
        raise AssertionError(f"{self.name}: {raw!r} was rejected, then accepted")


def _label(spec: FieldSpec, default: str) -> str:
    return "+".join(spec.columns) if spec.columns else f"{default} (constant)"


class RowMapper:
    """A definition compiled for batch mapping; call :meth:`map_batch` on each batch."""

    def __init__(self, definition: SourceDefinition) -> None:
        self.definition = definition
        self.kind = kind = definition.kind
        self.columns = staging_columns(kind)
        position = {c: i for i, c in enumerate(definition.columns())}
        slots = {name: i for i, name in enumerate(self.columns)}
        self.fields: list[_Field] = []
        for name, spec in definition.fields.items():
            vtype = CANONICAL_FIELDS[kind][name]
            parse = _parser(name, vtype, spec.format)
            self.fields.append(_Field(
                name=name, slot=slots.get(staging_column(kind, name), -1),
                positions=tuple(position[c] for c in spec.columns), constant=spec.value,
                parse=parse, convert=_tolerant(parse, cached=vtype not in UNIQUE_VALUES),
                label=_label(spec, name)))
        self.identifiers = [(name, tuple(position[c] for c in spec.columns))
                            for name, spec in definition.identifiers.items()]
        required = ("uprn",) if kind is Kind.PROPERTY else REQUIRED_FIELDS[kind]
        self.required = [f for f in self.fields if f.name in required]
        self.required_names = frozenset(required)
        self.name_slots = [slots[n] for n in ("given_name", "middle_names", "family_name")] \
            if kind is Kind.PERSON else []

    def map_batch(self, row_numbers: Sequence[int], rows: Sequence[Row]) -> MappedBatch:
        """Map a batch of rows (each a tuple of ``definition.columns()``)."""
        size = len(rows)
        raw: list[Sequence[str | None]] = list(zip(*rows, strict=True)) if rows else []
        result = MappedBatch()
        if not size:
            return result
        ids = [(r or "").strip() for r in raw[0]]
        out: list[Sequence[Any]] = [[None] * size for _ in self.columns]
        bad: dict[int, dict[str, str]] = {}
        reject: dict[int, Issue] = {}
        for f in self.fields:
            raw_col = f.raw_column(raw, size)
            values = list(map(f.convert, raw_col))
            if INVALID in values:
                for i in [i for i, v in enumerate(values) if v is INVALID]:
                    value = str(raw_col[i]).strip()
                    issue = Issue(row_numbers[i], ids[i] or None, f.label, value,
                                  f"invalid {f.name}", f.expected(value), f.name)
                    if f.name in self.required_names:
                        reject.setdefault(i, Issue(issue.row_no, issue.record_id, f.label,
                                                   value, f"{f.name} cannot be read",
                                                   issue.expected))
                    else:
                        result.warnings.append(issue)
                        bad.setdefault(i, {})[f.name] = value
                    values[i] = None
            if f.slot >= 0:
                out[f.slot] = values
            else:  # full_name: split into the three name columns
                split = [v if v is not None else (None, None, None) for v in values]
                for slot, part in zip(self.name_slots, zip(*split, strict=True), strict=True):
                    out[slot] = part
        self._reject_unusable(row_numbers, ids, raw, out, bad, reject)
        if self.identifiers:
            out[-2] = self._identifiers(raw, size)
        if bad:
            invalid = list(out[-1])
            for i, originals in bad.items():
                invalid[i] = json.dumps(originals, sort_keys=True, ensure_ascii=False)
            out[-1] = invalid
        staged = zip(row_numbers, ids, *out, strict=True)
        if reject:
            result.rejected = [reject[i] for i in sorted(reject)]
            result.rows = [r for i, r in enumerate(staged) if i not in reject]
            gone = {x.row_no for x in result.rejected}
            result.warnings = [w for w in result.warnings if w.row_no not in gone]
        else:
            result.rows = list(staged)
        return result

    def _reject_unusable(self, row_numbers: Sequence[int], ids: list[str],
                         raw: list[Sequence[str | None]], out: list[Sequence[Any]],
                         bad: dict[int, dict[str, str]], reject: dict[int, Issue]) -> None:
        """Rows without a record id, a usable name, or a required field of their kind."""
        record_id = self.definition.record_id
        for i in [i for i, v in enumerate(ids) if not v]:
            reject[i] = Issue(row_numbers[i], None, record_id, raw[0][i], "no record id",
                              f"a value in column {record_id!r} that identifies the record")
        if self.name_slots:
            given, middle, family = (out[s] for s in self.name_slots)
            named = [f.label for f in self.fields if "name" in f.name]
            column = ", ".join(named)
            expected = "a name with letters in " + " or ".join(repr(n) for n in named)
            for i, names in enumerate(zip(given, middle, family, strict=True)):
                if names == (None, None, None) and i not in reject:
                    shown = {k: v for k, v in bad.get(i, {}).items() if "name" in k}
                    reject[i] = Issue(row_numbers[i], ids[i], column,
                                      json.dumps(shown, ensure_ascii=False) if shown else None,
                                      "no usable name", expected)
        for f in self.required:
            for i, v in enumerate(out[f.slot]):
                if v is None and i not in reject:
                    reject[i] = Issue(row_numbers[i], ids[i], f.label, None, f"no {f.name}",
                                      f"a {f.name.replace('_', ' ')} in column {f.label!r}")

    def _identifiers(self, raw: list[Sequence[str | None]], size: int) -> list[str | None]:
        found: list[str | None] = [None] * size
        for i in range(size):
            values = {}
            for name, positions in self.identifiers:
                parts = [raw[p][i] for p in positions]
                text = " ".join(p.strip() for p in parts if p and p.strip())
                if text:
                    values[name] = text
            if values:
                found[i] = json.dumps(values, sort_keys=True, ensure_ascii=False)
        return found
