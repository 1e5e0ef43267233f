"""Mapping: raw rows to the canonical values of their kind, with warnings or rejections.

The rules that keep data from being lost silently:

* a row that cannot be identified or used (no record id, no usable name, a required field of
  its kind missing or unreadable) is **rejected** into quarantine with the reason;
* a bad optional value (an NHS number failing Modulus 11, an implausible postcode, an
  unparseable date) is **kept raw** in the record's ``invalid`` JSON, left empty in its canonical
  field, and reported as a data-quality warning; it never rejects the row.

Rows are mapped a batch at a time, column by column, on Arrow arrays: dates, postcodes, NHS
numbers, phones and emails are checked by Arrow kernels in their common shapes, with Python
only for the values those leave undecided; other fields whose values repeat (names, addresses)
are converted once per distinct value and the results spread back over the column; and only
the rare bad values take the slow path that explains them. Ingest speed is a product
requirement (docs/benchmarks.md).
"""

from __future__ import annotations

import itertools
import json
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from joinedup.sources.definition import (
    CANONICAL_FIELDS,
    REQUIRED_FIELDS,
    SENSITIVITIES,
    FieldSpec,
    Kind,
    SourceDefinition,
    ValueType,
)
from joinedup.standardise import (
    InvalidValue,
    accept_dates,
    accept_emails,
    accept_nhs_numbers,
    accept_phones,
    accept_postcodes,
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
from joinedup.standardise.dates import ACCEPTED_FORMATS as ACCEPTED_DATE_FORMATS
from joinedup.store.issues import Issue

Value = str | float | None
INVALID: Any = object()
"""What a converter returns for a value it cannot accept; the reason is worked out later."""

# Values that repeat across rows (names, addresses, dates and postcodes in rarer formats) are
# converted once per distinct value; values unique to a record (NHS number, phone, email) are
# not, since remembering them would only cost memory.
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
    """The usable rows of a batch, column by column, and the issues found in it."""

    numbers: list[int] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    columns: list[list[Any]] = field(default_factory=list)
    """One list per ``staging_columns(kind)``, in that order."""
    warnings: list[Issue] = field(default_factory=list)
    rejected: list[Issue] = field(default_factory=list)

    @property
    def rows(self) -> list[tuple[Any, ...]]:
        """Staging rows: row number, record id, then ``staging_columns(kind)``."""
        return list(zip(self.numbers, self.ids, *self.columns, strict=True))


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


def _tolerant(parse: Callable[[str], Any]) -> Callable[[str | None], Any]:
    """Wrap a strict parser for mapping over a column: blanks become None, bad values
    INVALID."""

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

    return convert


Values = tuple[list[Any], list[int]]
"""A converted column and the positions of its INVALID values."""
Strategy = Callable[[pa.Array], Values]
Accept = Callable[[pa.Array], pa.Array]


def _objects(values: Sequence[Any]) -> Any:
    """A numpy object array of ``values`` (tuples stay single elements)."""
    return np.fromiter(values, dtype=object, count=len(values))


class _Distinct:
    """For values that repeat (names, addresses, sex): each distinct value is converted once
    per load, however many rows and batches hold it; a batch costs Python work per distinct
    value only, Arrow and numpy spread the results over its rows."""

    LIMIT = 1 << 16
    """Distinct values remembered; past it they are forgotten, which bounds memory."""

    def __init__(self, convert: Callable[[str | None], Any]) -> None:
        self.convert = convert
        self._forget()

    def _forget(self) -> None:
        self.place: dict[str, int] = {}  # a value's place in ``objects``
        self.objects = _objects([None])  # None for null cells, then the converted values
        self.invalid: list[int] = []  # places of INVALID values

    def __call__(self, raw: pa.Array) -> Values:
        encoded = pc.dictionary_encode(raw)
        distinct = encoded.dictionary.to_pylist()
        if len(self.place) + len(distinct) > self.LIMIT:
            self._forget()
        place = self.place
        new = [v for v in distinct if v not in place]
        if new:
            start = len(self.objects)
            converted = [self.convert(v) for v in new]
            place.update(zip(new, range(start, start + len(new)), strict=True))
            self.invalid += [k for k, v in enumerate(converted, start=start) if v is INVALID]
            self.objects = np.concatenate([self.objects, _objects(converted)])
        places = np.fromiter(itertools.chain(map(place.__getitem__, distinct), (0,)),
                             dtype=np.int64, count=len(distinct) + 1)  # then null cells
        codes = encoded.indices
        at = places[(codes.fill_null(len(distinct)) if codes.null_count else codes).to_numpy()]
        invalid = np.flatnonzero(np.isin(at, self.invalid)).tolist() if self.invalid else []
        return self.objects[at].tolist(), invalid


def _values_at(raw: pa.Array, at: list[int]) -> list[str | None]:
    return raw.take(pa.array(at, type=pa.int64())).to_pylist()  # type: ignore[no-any-return]


def _converted(raw: pa.Array, convert: Callable[[str | None], Any], accept: Accept | None
               ) -> Values:
    """``raw`` converted: by ``accept`` for the whole column where it can decide (the common
    shapes), by ``convert`` one value at a time for the rest."""
    if accept is None:
        converted = list(map(convert, raw.to_pylist()))
        return converted, [i for i, v in enumerate(converted) if v is INVALID]
    accepted = accept(raw)
    result = accepted.to_pylist()
    undecided = pc.fill_null(pc.and_(pc.is_null(accepted), pc.not_equal(raw, "")), False)
    at = np.flatnonzero(undecided.to_numpy(zero_copy_only=False)).tolist()
    invalid = []
    for i, value in zip(at, _values_at(raw, at), strict=True):
        result[i] = converted_value = convert(value)
        if converted_value is INVALID:
            invalid.append(i)
    return result, invalid


ACCEPT: dict[ValueType, Accept] = {
    ValueType.POSTCODE: accept_postcodes,
    ValueType.NHS_NUMBER: accept_nhs_numbers,
    ValueType.PHONE: accept_phones,
    ValueType.EMAIL: accept_emails,
}


def _accept(name: str, vtype: ValueType, fmt: str | None) -> Accept | None:
    if vtype is ValueType.DATE:
        return partial(accept_dates, fmt=fmt, birth=name == "date_of_birth") \
            if fmt in ACCEPTED_DATE_FORMATS else None
    return ACCEPT.get(vtype)


def _strategy(name: str, vtype: ValueType, fmt: str | None,
              convert: Callable[[str | None], Any]) -> Strategy:
    """Arrow kernels where they can decide, else one conversion per distinct value where
    values repeat, else one per value."""
    accept = _accept(name, vtype, fmt)
    if accept is None and vtype not in UNIQUE_VALUES:
        return _Distinct(convert)
    return partial(_converted, convert=convert, accept=accept)


def _stripped(raw: pa.Array) -> pa.Array:
    """Each value stripped as ``str.strip`` strips it, null where nothing is left (worked out
    once per distinct value)."""
    encoded = pc.dictionary_encode(raw)
    distinct = [v.strip() or None for v in encoded.dictionary.to_pylist()]
    return pa.array(distinct, type=pa.string()).take(encoded.indices)


def _joined(parts: Sequence[pa.Array], joiner: str) -> pa.Array:
    """Each row's stripped, non-blank parts joined with ``joiner``, null if there are none."""
    joined = _stripped(parts[0])
    for part in map(_stripped, parts[1:]):
        both = pc.and_(pc.is_valid(joined), pc.is_valid(part))
        joined = pc.if_else(both, pc.binary_join_element_wise(joined, part, joiner),
                            pc.coalesce(joined, part))
    return joined


@dataclass(frozen=True)
class _Field:
    name: str
    slot: int  # position among the staging columns, -1 for full_name
    positions: tuple[int, ...]
    constant: str | None
    parse: Callable[[str], Any]
    strategy: Strategy
    label: str  # the source column(s), as the definition names them

    def raw_column(self, columns: Sequence[pa.Array], size: int) -> pa.Array:
        if self.constant is not None:
            return pa.array([self.constant] * size, type=pa.string())
        if len(self.positions) == 1:
            return columns[self.positions[0]]
        # Several columns: their stripped, non-blank values joined, as one value.
        joiner = ", " if self.name == "address" else " "
        return _joined([columns[i] for i in self.positions], joiner)

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
                parse=parse, strategy=_strategy(name, vtype, spec.format, _tolerant(parse)),
                label=_label(spec, name)))
        self.identifiers = [(name, tuple(position[c] for c in spec.columns))
                            for name, spec in definition.identifiers.items()]
        required = ("uprn",) if kind is Kind.PROPERTY else REQUIRED_FIELDS[kind]
        self.required = [f for f in self.fields if f.name in required]
        self.required_names = frozenset(required)
        self.name_slots = [slots[n] for n in ("given_name", "middle_names", "family_name")] \
            if kind is Kind.PERSON else []

    def warm_up(self) -> None:
        """Map one blank row and drop it. The first batch otherwise pays about a quarter of a
        second of one-off costs: Arrow's kernels set up on first use, and pyarrow imports
        pandas (where it is installed) on its first conversion of Python values."""
        self.map_batch([0], [pa.array([""], type=pa.string())] * len(self.definition.columns()))

    def map_batch(self, row_numbers: Sequence[int], columns: Sequence[pa.Array]
                  ) -> MappedBatch:
        """Map a batch of rows, given as one array per ``definition.columns()``."""
        size = len(row_numbers)
        if not size:
            return MappedBatch()
        raw_ids = columns[0].to_pylist()
        ids = [(r or "").strip() for r in raw_ids]
        out: list[list[Any]] = [[None] * size for _ in self.columns]
        warnings: list[Issue] = []
        bad: dict[int, dict[str, str]] = {}
        reject: dict[int, Issue] = {}
        for f in self.fields:
            raw_col = f.raw_column(columns, size)
            values, invalid = f.strategy(raw_col)
            if invalid:
                for i, raw in zip(invalid, _values_at(raw_col, invalid), strict=True):
                    value = str(raw).strip()
                    issue = Issue(row_numbers[i], ids[i] or None, f.label, value,
                                  f"invalid {f.name}", f.expected(value), f.name)
                    if f.name in self.required_names:
                        reject.setdefault(i, Issue(issue.row_no, issue.record_id, f.label,
                                                   value, f"{f.name} cannot be read",
                                                   issue.expected))
                    else:
                        warnings.append(issue)
                        bad.setdefault(i, {})[f.name] = value
                    values[i] = None
            if f.slot >= 0:
                out[f.slot] = values
            else:  # full_name: split into the three name columns
                split = [v if v is not None else (None, None, None) for v in values]
                for slot, part in zip(self.name_slots, zip(*split, strict=True), strict=True):
                    out[slot] = list(part)
        self._reject_unusable(row_numbers, ids, raw_ids, out, bad, reject)
        if self.identifiers:
            out[-2] = self._identifiers(columns, size)
        if bad:
            invalid_json = out[-1]
            for i, originals in bad.items():
                invalid_json[i] = json.dumps(originals, sort_keys=True, ensure_ascii=False)
        numbers = list(row_numbers)
        if not reject:
            return MappedBatch(numbers, ids, out, warnings)
        kept = [i for i in range(size) if i not in reject]
        rejected = [reject[i] for i in sorted(reject)]
        gone = {x.row_no for x in rejected}
        return MappedBatch(_taken(numbers, kept), _taken(ids, kept),
                           [_taken(column, kept) for column in out],
                           [w for w in warnings if w.row_no not in gone], rejected)

    def _reject_unusable(self, row_numbers: Sequence[int], ids: list[str],
                         raw_ids: list[str | None], out: list[list[Any]],
                         bad: dict[int, dict[str, str]], reject: dict[int, Issue]) -> None:
        """Rows without a record id, a usable name, or a required field of their kind."""
        record_id = self.definition.record_id
        for i in [i for i, v in enumerate(ids) if not v]:
            reject[i] = Issue(row_numbers[i], None, record_id, raw_ids[i], "no record id",
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

    def _identifiers(self, columns: Sequence[pa.Array], size: int) -> list[str | None]:
        raw = {p: columns[p].to_pylist() for _, positions in self.identifiers for p in positions}
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


def _taken(values: list[Any], at: list[int]) -> list[Any]:
    """``values`` at the positions ``at``."""
    if len(at) < 2:
        return [values[i] for i in at]
    return list(operator.itemgetter(*at)(values))
