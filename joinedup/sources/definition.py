"""Source definitions: the YAML contract that maps an agency's file onto the canonical model.

A definition is validated whole and every problem is reported at once, so a data engineer
fixes a definition in one pass rather than one error per run (Splink's ``ErrorLogger`` habit).
Mapping lives here, in YAML, never in code.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import yaml

from joinedup.errors import Problem, SourceDefinitionError
from joinedup.sources import fhir


class Kind(StrEnum):
    """What one row of a source describes."""

    PERSON = "person"
    CONTACT = "contact"
    INVOLVEMENT = "involvement"
    FLAG = "flag"
    PROPERTY = "property"


class Format(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"
    XLSX = "xlsx"
    FHIR = "fhir"


class ValueType(StrEnum):
    """How a canonical field's raw text is parsed and checked."""

    TEXT = "text"
    NAME = "name"
    DATE = "date"
    DATETIME = "datetime"
    SEX = "sex"
    NHS_NUMBER = "nhs_number"
    UPRN = "uprn"
    POSTCODE = "postcode"
    PHONE = "phone"
    EMAIL = "email"
    ADDRESS = "address"
    SENSITIVITY = "sensitivity"
    FLOAT = "float"


# Canonical fields each kind accepts, with their value type. ``person`` (the column holding the
# id of the source record a row is about) is the key that ties contacts, involvements and flags
# to a person record.
CANONICAL_FIELDS: dict[Kind, dict[str, ValueType]] = {
    Kind.PERSON: {
        "given_name": ValueType.NAME,
        "middle_names": ValueType.NAME,
        "family_name": ValueType.NAME,
        "full_name": ValueType.NAME,
        "date_of_birth": ValueType.DATE,
        "sex": ValueType.SEX,
        "nhs_number": ValueType.NHS_NUMBER,
        "uprn": ValueType.UPRN,
        "address": ValueType.ADDRESS,
        "postcode": ValueType.POSTCODE,
        "phone": ValueType.PHONE,
        "email": ValueType.EMAIL,
        "sensitivity": ValueType.SENSITIVITY,
    },
    Kind.CONTACT: {
        "person": ValueType.TEXT,
        "occurred_at": ValueType.DATETIME,
        "service": ValueType.TEXT,
        "channel": ValueType.TEXT,
        "practitioner": ValueType.NAME,
        "team": ValueType.TEXT,
        "summary": ValueType.TEXT,
        "sensitivity": ValueType.SENSITIVITY,
    },
    Kind.INVOLVEMENT: {
        "person": ValueType.TEXT,
        "service": ValueType.TEXT,
        "team": ValueType.TEXT,
        "key_worker": ValueType.NAME,
        "key_worker_role": ValueType.TEXT,
        "key_worker_email": ValueType.EMAIL,
        "key_worker_phone": ValueType.PHONE,
        "reason": ValueType.TEXT,
        "started_on": ValueType.DATE,
        "ended_on": ValueType.DATE,
        "sensitivity": ValueType.SENSITIVITY,
    },
    Kind.FLAG: {
        "person": ValueType.TEXT,
        "flag": ValueType.TEXT,
        "description": ValueType.TEXT,
        "sensitivity": ValueType.SENSITIVITY,
        "raised_on": ValueType.DATE,
        "expires_on": ValueType.DATE,
    },
    Kind.PROPERTY: {
        "uprn": ValueType.UPRN,
        "address": ValueType.ADDRESS,
        "postcode": ValueType.POSTCODE,
        "easting": ValueType.FLOAT,
        "northing": ValueType.FLOAT,
        "latitude": ValueType.FLOAT,
        "longitude": ValueType.FLOAT,
        "ward": ValueType.TEXT,
        "parish": ValueType.TEXT,
    },
}

# Fields without which a row of that kind cannot be used at all: such a row is quarantined.
REQUIRED_FIELDS: dict[Kind, tuple[str, ...]] = {
    Kind.PERSON: (),  # a usable name is checked separately: full_name or given/family
    Kind.CONTACT: ("person", "occurred_at"),
    Kind.INVOLVEMENT: ("person", "service"),
    # A flag's sensitivity decides who may see it: never guessed, so required (a feed without
    # one states it for every row with ``sensitivity: {value: special_category}``).
    Kind.FLAG: ("person", "flag", "sensitivity"),
    Kind.PROPERTY: (),
}

SENSITIVITIES = ("standard", "special_category", "criminal_offence", "sealed")
"""Who may see a flag or record (``joinedup.govern``): ``special_category`` is UK GDPR Art. 9
data (health, for one), ``criminal_offence`` Art. 10 data (police markers); ``sealed`` records
(a refuge address, an adoption) are shown only to roles an agreement names, and never hinted
at. Person records, contacts and involvements without one are ``standard``."""

TOP_LEVEL_KEYS = {
    "name", "agency", "kind", "format", "options", "record_id", "person_source", "fields",
    "description", "retention",
}
RETENTION_KEYS = {"keep_years", "keep_days", "after", "action"}
RETENTION_KINDS = (Kind.PERSON, Kind.CONTACT, Kind.INVOLVEMENT, Kind.FLAG)
"""Kinds a retention period applies to: the ones about a person (a property is not)."""
OPTION_KEYS: dict[Format, set[str]] = {
    Format.CSV: {"delimiter", "encoding", "quotechar"},
    Format.JSONL: {"encoding"},
    Format.XLSX: {"sheet", "header_row"},
    Format.FHIR: set(),
}
SPEC_KEYS = {"column", "columns", "format", "value"}

E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True)
class FieldSpec:
    """Where one canonical field comes from: one column, several joined, or a constant."""

    columns: tuple[str, ...] = ()
    value: str | None = None
    format: str | None = None


class RetentionAfter(StrEnum):
    """What the retention period is counted from."""

    LAST_ACTIVITY = "last_activity"
    """The latest thing the hub knows happened: a record's own version, its contacts, the end
    of its involvements, its flags (an open involvement never expires)."""
    RECORDED = "recorded"
    """When the hub last received the record as it stands (its ``valid_from``)."""


class RetentionAction(StrEnum):
    DELETE = "delete"
    ANONYMISE = "anonymise"
    """Keep the row for statistics with every direct identifier cleared (person sources)."""


@dataclass(frozen=True)
class Retention:
    """The agency's own retention schedule for a source: keep for ``keep_years`` or
    ``keep_days`` (exactly one) after ``after``, then ``action``."""

    keep_years: int | None = None
    keep_days: int | None = None
    after: RetentionAfter = RetentionAfter.LAST_ACTIVITY
    action: RetentionAction = RetentionAction.DELETE

    def cutoff(self, now: datetime) -> datetime:
        """Anything last active before this moment is past retention (29 February counts
        back to 28 February in a year without one)."""
        if self.keep_days is not None:
            return now - timedelta(days=self.keep_days)
        year = now.year - (self.keep_years or 0)
        try:
            return now.replace(year=year)
        except ValueError:
            return now.replace(year=year, day=28)

    def describe(self) -> str:
        """``8 years after last activity, then delete``: for tables and audit reasons."""
        n, unit = ((self.keep_days, "day") if self.keep_days is not None
                   else (self.keep_years or 0, "year"))
        return (f"{n} {unit}{'' if n == 1 else 's'} after {self.after.value.replace('_', ' ')}"
                f", then {self.action.value}")


@dataclass(frozen=True)
class SourceDefinition:
    name: str
    agency: str
    kind: Kind
    format: Format
    record_id: str
    fields: dict[str, FieldSpec]
    identifiers: dict[str, FieldSpec] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    person_source: str | None = None
    description: str = ""
    retention: Retention | None = None
    path: str = ""
    text: str = ""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    def columns(self) -> list[str]:
        """Every source column the definition reads, record id first, without repeats."""
        seen = [self.record_id]
        for spec in (*self.fields.values(), *self.identifiers.values()):
            seen.extend(c for c in spec.columns if c not in seen)
        return seen


def load_definition(path: Path | str) -> SourceDefinition:
    """Read and validate a source definition file, raising with every problem found."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise SourceDefinitionError(path, [Problem("file not found")]) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceDefinitionError(path, [Problem(f"cannot read the file: {exc}")]) from exc
    return parse_definition(text, path=str(path))


def parse_definition(text: str, *, path: str = "<definition>") -> SourceDefinition:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        raise SourceDefinitionError(path, [Problem(f"not valid YAML: {exc}", where)]) from exc
    if not isinstance(raw, dict):
        raise SourceDefinitionError(path, [Problem("expected a mapping of keys such as name, "
                                                   "agency, format, record_id and fields")])
    problems: list[Problem] = []
    definition = _build(raw, problems, path=path, text=text)
    if problems or definition is None:
        raise SourceDefinitionError(path, problems)
    return definition


def _build(raw: dict[str, Any], problems: list[Problem], *, path: str, text: str
           ) -> SourceDefinition | None:
    for key in sorted(set(raw) - TOP_LEVEL_KEYS, key=str):
        problems.append(Problem(f"unknown key {key!r}; expected one of "
                                f"{', '.join(sorted(TOP_LEVEL_KEYS))}", str(key)))

    name = _required_text(raw, "name", problems)
    if name and not name.replace("_", "").replace("-", "").isalnum():
        problems.append(Problem("must be a slug of letters, digits, '_' or '-'", "name"))
    agency = _required_text(raw, "agency", problems)
    record_id = _required_text(raw, "record_id", problems)
    kind = _enum(raw, "kind", Kind, problems, default=Kind.PERSON)
    fmt = _enum(raw, "format", Format, problems, default=None)

    options = raw.get("options") or {}
    if not isinstance(options, dict):
        problems.append(Problem("expected a mapping such as {delimiter: ',', encoding: utf-8}",
                                "options"))
        options = {}
    elif fmt is not None:
        for key in sorted(set(options) - OPTION_KEYS[fmt], key=str):
            allowed = ", ".join(sorted(OPTION_KEYS[fmt])) or "none"
            problems.append(Problem(f"unknown option {key!r} for format {fmt.value}; "
                                    f"allowed: {allowed}", f"options.{key}"))
        delimiter = options.get("delimiter")
        if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
            problems.append(Problem("must be a single character", "options.delimiter"))
        encoding = options.get("encoding")
        if encoding is not None:
            import codecs

            try:
                codecs.lookup(str(encoding))
            except LookupError:
                problems.append(Problem(f"unknown encoding {encoding!r}", "options.encoding"))

    person_source = raw.get("person_source")
    if person_source is not None and not isinstance(person_source, str):
        problems.append(Problem("expected the name of a person source", "person_source"))
        person_source = None

    fields, identifiers = _fields(raw.get("fields"), kind, problems)
    if kind is not None:
        _check_kind_rules(kind, fields, person_source, problems)
    retention = _retention(raw.get("retention"), kind, problems)
    if fmt is Format.FHIR and kind is not None and record_id is not None:
        _check_fhir(kind, [record_id, *(c for s in (*fields.values(), *identifiers.values())
                                        for c in s.columns)], problems)

    if problems or name is None or agency is None or record_id is None or kind is None \
            or fmt is None:
        return None
    return SourceDefinition(
        name=name, agency=agency, kind=kind, format=fmt, record_id=record_id, fields=fields,
        identifiers=identifiers, options=dict(options), person_source=person_source,
        description=str(raw.get("description") or ""), retention=retention, path=path,
        text=text,
    )


def _required_text(raw: dict[str, Any], key: str, problems: list[Problem]) -> str | None:
    value = raw.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.append(Problem("is required", key))
        return None
    if not isinstance(value, str | int):
        problems.append(Problem(f"expected text, got {type(value).__name__}", key))
        return None
    return str(value).strip()


def _enum(raw: dict[str, Any], key: str, enum: type[E], problems: list[Problem],
                      *, default: E | None) -> E | None:
    value = raw.get(key)
    if value is None:
        if default is None:
            problems.append(Problem(f"is required: one of {', '.join(e.value for e in enum)}",
                                    key))
        return default
    try:
        return enum(str(value))
    except ValueError:
        problems.append(Problem(f"unknown {key} {value!r}; expected one of "
                                f"{', '.join(e.value for e in enum)}", key))
        return None


def _fields(raw: Any, kind: Kind | None, problems: list[Problem]
            ) -> tuple[dict[str, FieldSpec], dict[str, FieldSpec]]:
    if not isinstance(raw, dict) or not raw:
        problems.append(Problem("expected a mapping of canonical field: source column", "fields"))
        return {}, {}
    allowed = CANONICAL_FIELDS[kind] if kind is not None else {}
    fields: dict[str, FieldSpec] = {}
    identifiers: dict[str, FieldSpec] = {}
    for key, value in raw.items():
        where = f"fields.{key}"
        if key == "identifiers" and kind is Kind.PERSON:
            if not isinstance(value, dict) or not value:
                problems.append(Problem("expected a mapping of identifier name: source column",
                                        where))
                continue
            for ident, ident_spec in value.items():
                spec = _spec(ident_spec, f"{where}.{ident}", problems)
                if spec is not None:
                    identifiers[str(ident)] = spec
            continue
        if key not in allowed:
            expected = ", ".join([*allowed, *(["identifiers"] if kind is Kind.PERSON else [])])
            kind_name = kind.value if kind is not None else "this"
            problems.append(Problem(f"unknown canonical field {key!r} for kind {kind_name}; "
                                    f"expected one of {expected}", where))
            continue
        spec = _spec(value, where, problems)
        if spec is None:
            continue
        vtype = allowed[key]
        if spec.format is not None and vtype not in (ValueType.DATE, ValueType.DATETIME):
            problems.append(Problem("'format' applies only to dates", where))
        if spec.format is not None:
            _check_date_format(spec.format, where, problems)
        fields[str(key)] = spec
    return fields, identifiers


def _spec(value: Any, where: str, problems: list[Problem]) -> FieldSpec | None:
    if isinstance(value, str) and value.strip():
        return FieldSpec(columns=(value,))
    if isinstance(value, list) and value and all(isinstance(c, str) and c for c in value):
        return FieldSpec(columns=tuple(value))
    if isinstance(value, dict):
        unknown = set(value) - SPEC_KEYS
        if unknown:
            problems.append(Problem(f"unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
                                    f"expected column, columns, format or value", where))
            return None
        given = [k for k in ("column", "columns", "value") if k in value]
        if len(given) != 1:
            problems.append(Problem("give exactly one of column, columns or value", where))
            return None
        fmt = value.get("format")
        if fmt is not None and not isinstance(fmt, str):
            problems.append(Problem("format must be text such as '%d/%m/%Y'", where))
            return None
        if "value" in value:
            return FieldSpec(value=str(value["value"]), format=fmt)
        cols = value.get("column") if "column" in value else value.get("columns")
        if isinstance(cols, str) and cols:
            return FieldSpec(columns=(cols,), format=fmt)
        if isinstance(cols, list) and cols and all(isinstance(c, str) and c for c in cols):
            return FieldSpec(columns=tuple(cols), format=fmt)
        problems.append(Problem("expected a column name or a list of column names", where))
        return None
    problems.append(Problem("expected a column name, a list of columns, or a mapping "
                            "{column: ..., format: ...}", where))
    return None


def _retention(raw: Any, kind: Kind | None, problems: list[Problem]) -> Retention | None:
    """The optional ``retention`` block; every problem in it is reported."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.append(Problem("expected a mapping such as {keep_years: 8, after: "
                                "last_activity, action: delete}", "retention"))
        return None
    found = len(problems)
    for key in sorted(set(raw) - RETENTION_KEYS, key=str):
        problems.append(Problem(f"unknown key {key!r}; expected one of "
                                f"{', '.join(sorted(RETENTION_KEYS))}", f"retention.{key}"))
    periods = [k for k in ("keep_years", "keep_days") if k in raw]
    if len(periods) != 1:
        problems.append(Problem("give exactly one of keep_years or keep_days"
                                + (", not both" if periods else ""), "retention"))
    for key in periods:
        value = raw[key]
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(Problem(f"expected a whole number, got {value!r}",
                                    f"retention.{key}"))
        elif value <= 0:
            problems.append(Problem(f"must be a positive number, got {value}",
                                    f"retention.{key}"))
    after = _retention_enum(raw, "after", RetentionAfter, RetentionAfter.LAST_ACTIVITY,
                            problems)
    action = _retention_enum(raw, "action", RetentionAction, RetentionAction.DELETE, problems)
    if kind is not None and kind not in RETENTION_KINDS:
        problems.append(Problem(f"retention applies to sources about people "
                                f"({', '.join(k.value for k in RETENTION_KINDS)}), not kind "
                                f"{kind.value}", "retention"))
    elif kind is not None and kind is not Kind.PERSON and action is RetentionAction.ANONYMISE:
        problems.append(Problem(f"anonymise applies to person sources; a {kind.value} row "
                                "always names its person record, so use action: delete",
                                "retention.action"))
    if len(problems) > found or after is None or action is None:
        return None
    return Retention(keep_years=raw.get("keep_years"), keep_days=raw.get("keep_days"),
                     after=after, action=action)


def _retention_enum(raw: dict[str, Any], key: str, enum: type[E], default: E,
                    problems: list[Problem]) -> E | None:
    value = raw.get(key)
    if value is None:
        return default
    try:
        return enum(str(value))
    except ValueError:
        problems.append(Problem(f"unknown {key} {value!r}; expected one of "
                                f"{', '.join(e.value for e in enum)}", f"retention.{key}"))
        return None


def _check_date_format(fmt: str, where: str, problems: list[Problem]) -> None:
    if "%" not in fmt:
        problems.append(Problem(f"date format {fmt!r} has no % directives; "
                                "expected something like '%d/%m/%Y'", where))


def _check_fhir(kind: Kind, columns: list[str], problems: list[Problem]) -> None:
    resource = {Kind.PERSON: "Patient", Kind.CONTACT: "Encounter"}.get(kind)
    if resource is None:
        problems.append(Problem(f"format fhir reads Patient (kind person) or Encounter "
                                f"(kind contact) resources, not kind {kind.value}", "format"))
        return
    for column in fhir.unknown_keys(resource, columns):
        problems.append(Problem(f"a FHIR {resource} has no value {column!r}; expected one of "
                                f"{', '.join(fhir.FLAT_KEYS[resource])} or "
                                f"identifier:<system>", "fields"))


def _check_kind_rules(kind: Kind, fields: dict[str, FieldSpec], person_source: str | None,
                      problems: list[Problem]) -> None:
    for required in REQUIRED_FIELDS[kind]:
        if required not in fields:
            problems.append(Problem(f"kind {kind.value} needs the field {required!r}", "fields"))
    if kind is Kind.PERSON:
        has_split = "given_name" in fields or "family_name" in fields
        if "full_name" in fields and has_split:
            problems.append(Problem("give either full_name or given_name/family_name, not both",
                                    "fields"))
        if "full_name" not in fields and "family_name" not in fields:
            problems.append(Problem("a person source needs full_name or family_name", "fields"))
    if kind in (Kind.CONTACT, Kind.INVOLVEMENT, Kind.FLAG):
        if person_source is None:
            problems.append(Problem(f"a {kind.value} source needs person_source: the name of "
                                    "the person source whose record ids the 'person' field "
                                    "holds", "person_source"))
    elif person_source is not None:
        problems.append(Problem(f"person_source does not apply to kind {kind.value}",
                                "person_source"))
    if kind is Kind.PROPERTY and "uprn" not in fields:
        problems.append(Problem("a property source needs the field 'uprn'", "fields"))
