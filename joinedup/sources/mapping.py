"""Mapping: one raw row to the canonical values of its kind, with warnings or a rejection.

The rules that keep data from being lost silently:

* a row that cannot be identified or used (no record id, no usable name, a required field of
  its kind missing or unreadable) is **rejected** into quarantine with the reason;
* a bad optional value (an NHS number failing Modulus 11, an implausible postcode, an
  unparseable date) is **kept raw** in the record's ``invalid`` JSON, left empty in its canonical
  field, and reported as a data-quality warning; it never rejects the row.

A definition is compiled once into a list of small converters so the per-row loop is tight:
ingest speed is a product requirement (see docs/benchmarks.md).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

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

Value = str | float | None


@dataclass(frozen=True)
class Warning_:
    """A bad optional value: kept raw, left out of the canonical field."""

    field: str
    column: str
    value: str
    expected: str


class Rejected(Exception):  # noqa: N818 - it is an outcome, not an error to the user
    """A row that cannot be used; goes to quarantine."""

    def __init__(self, *, column: str | None, value: str | None, reason: str,
                 expected: str) -> None:
        super().__init__(reason)
        self.column = column
        self.value = value
        self.reason = reason
        self.expected = expected


@dataclass(frozen=True)
class Mapped:
    record_id: str
    values: tuple[Value, ...]
    row_hash: str
    warnings: tuple[Warning_, ...]


# Staging columns per kind, in order. "person_ref" and "practitioner_*" are resolved to ids
# while merging; everything else is the canonical value column of the same name.
PRACTITIONER_FIELDS = {
    Kind.CONTACT: {"practitioner": "name"},
    Kind.INVOLVEMENT: {"key_worker": "name", "key_worker_role": "role",
                       "key_worker_email": "email", "key_worker_phone": "phone"},
}


def staging_columns(kind: Kind) -> tuple[str, ...]:
    names = []
    for field in CANONICAL_FIELDS[kind]:
        if field == "full_name":
            continue
        if field == "person":
            names.append("person_ref")
        elif field in PRACTITIONER_FIELDS.get(kind, {}):
            names.append(f"practitioner_{PRACTITIONER_FIELDS[kind][field]}")
        else:
            names.append(field)
    if kind is Kind.PERSON:
        names.append("identifiers")
    return (*names, "invalid")


def _date(fmt: str | None, birth: bool) -> Callable[[str], str]:
    @lru_cache(maxsize=65536)
    def convert(raw: str) -> str:
        value = parse_date(raw, fmt)
        if birth:
            check_birth_date(value)
        return value.isoformat()
    return convert


def _datetime(fmt: str | None) -> Callable[[str], str]:
    @lru_cache(maxsize=65536)
    def convert(raw: str) -> str:
        return parse_datetime(raw, fmt).isoformat(sep=" ")
    return convert


def _sensitivity(raw: str) -> str:
    value = raw.strip().lower()
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
}


@dataclass(frozen=True)
class _Field:
    name: str
    slot: int
    positions: tuple[int, ...]
    constant: str | None
    convert: Callable[[str], Value]
    label: str  # the source column(s), as the user wrote them

    def raw(self, row: Row) -> str | None:
        if self.constant is not None:
            return self.constant
        if len(self.positions) == 1:
            value = row[self.positions[0]]
            return value.strip() or None if value is not None else None
        joiner = ", " if self.name == "address" else " "
        parts = [p.strip() for p in (row[i] for i in self.positions) if p and p.strip()]
        return joiner.join(parts) or None


class RowMapper:
    """A definition compiled for speed: call it on each row."""

    def __init__(self, definition: SourceDefinition) -> None:
        self.definition = definition
        self.kind = definition.kind
        self.columns = staging_columns(self.kind)
        columns = definition.columns()
        position = {c: i for i, c in enumerate(columns)}
        self._record_id = position[definition.record_id]
        slots = {name: i for i, name in enumerate(self.columns)}
        self._width = len(self.columns)
        self._fields: list[_Field] = []
        self._full_name: _Field | None = None
        for name, spec in definition.fields.items():
            target = self._target(name)
            field = self._compile(name, spec, slots.get(target, -1), position)
            if name == "full_name":
                self._full_name = field
            else:
                self._fields.append(field)
        self._identifiers = [self._compile(name, spec, -1, position, convert=clean_text)
                             for name, spec in definition.identifiers.items()]
        self._required = ("uprn",) if self.kind is Kind.PROPERTY else REQUIRED_FIELDS[self.kind]
        self._required_slots = []
        for required in self._required:
            spec = definition.fields[required]
            label = "+".join(spec.columns) if spec.columns else required
            self._required_slots.append((required, slots[self._target(required)], label))
        self._names = (slots["given_name"], slots["middle_names"], slots["family_name"]) \
            if self.kind is Kind.PERSON else None

    def _target(self, name: str) -> str:
        if name == "person":
            return "person_ref"
        practitioner = PRACTITIONER_FIELDS.get(self.kind, {})
        return f"practitioner_{practitioner[name]}" if name in practitioner else name

    def _compile(self, name: str, spec: FieldSpec, slot: int, position: dict[str, int],
                 convert: Callable[[str], Value] | None = None) -> _Field:
        if convert is None:
            vtype = CANONICAL_FIELDS[self.kind][name]
            if vtype is ValueType.DATE:
                convert = _date(spec.format, birth=name == "date_of_birth")
            elif vtype is ValueType.DATETIME:
                convert = _datetime(spec.format)
            elif vtype is ValueType.ADDRESS:
                convert = _address
            else:
                convert = SIMPLE[vtype]
        label = spec.columns[0] if len(spec.columns) == 1 else \
            "+".join(spec.columns) if spec.columns else "(constant)"
        return _Field(name=name, slot=slot, positions=tuple(position[c] for c in spec.columns),
                      constant=spec.value, convert=convert, label=label)

    def __call__(self, row: Row) -> Mapped:
        raw_id = row[self._record_id]
        record_id = raw_id.strip() if raw_id is not None else ""
        if not record_id:
            raise Rejected(column=self.definition.record_id, value=raw_id,
                           reason="no record id",
                           expected=f"a value in column {self.definition.record_id!r} that "
                                    "identifies the record")
        values: list[Value] = [None] * self._width
        warnings: list[Warning_] = []
        invalid: dict[str, str] = {}
        for field in self._fields:
            raw = field.raw(row)
            if raw is None:
                continue
            try:
                values[field.slot] = field.convert(raw)
            except InvalidValue as exc:
                if field.name in self._required:
                    raise Rejected(column=field.label, value=raw,
                                   reason=f"{field.name} cannot be read",
                                   expected=exc.expected) from None
                warnings.append(Warning_(field.name, field.label, raw, exc.expected))
                invalid[field.name] = raw
        if self._names is not None:
            self._person_names(row, values, warnings, invalid)
        for required, slot, label in self._required_slots:
            if values[slot] is None:
                raise Rejected(column=label, value=None, reason=f"no {required}",
                               expected=f"a {required.replace('_', ' ')} in column {label!r}")
        if self._identifiers:
            found = {}
            for ident in self._identifiers:
                raw = ident.raw(row)
                if raw is not None:
                    found[ident.name] = raw
            values[-2] = json.dumps(found, sort_keys=True, ensure_ascii=False) if found else None
        if invalid:
            values[-1] = json.dumps(invalid, sort_keys=True, ensure_ascii=False)
        key = "\x1f".join([str(v) for v in values])
        row_hash = hashlib.blake2b(key.encode(), digest_size=8).hexdigest()
        return Mapped(record_id, tuple(values), row_hash, tuple(warnings))

    def _person_names(self, row: Row, values: list[Value], warnings: list[Warning_],
                      invalid: dict[str, str]) -> None:
        assert self._names is not None
        full = self._full_name
        if full is not None:
            raw = full.raw(row)
            if raw is not None:
                try:
                    parts = split_full_name(raw)
                except InvalidValue as exc:
                    warnings.append(Warning_("full_name", full.label, raw, exc.expected))
                    invalid["full_name"] = raw
                else:
                    for slot, part in zip(self._names, parts, strict=True):
                        values[slot] = part
        if all(values[slot] is None for slot in self._names):
            labels = [full.label] if full is not None else [
                f.label for f in self._fields
                if f.name in ("given_name", "middle_names", "family_name")]
            shown = {k: v for k, v in invalid.items() if k.endswith("name")}
            raise Rejected(column=", ".join(labels),
                           value=json.dumps(shown, ensure_ascii=False) if shown else None,
                           reason="no usable name",
                           expected="a name with letters in " + " or ".join(
                               repr(lbl) for lbl in labels))


def _address(raw: str) -> str:
    return clean_address(raw.split(", "))

