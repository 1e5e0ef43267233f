"""Factories: small fixture files, source definitions and store snapshots for the tests.

Every writer takes the path to write and returns it, so a test reads as
``ingest_file(engine, person_definition(tmp_path), write_csv(tmp_path / "a.csv", ...))``.
Nothing here is shared between tests: each writes into its own ``tmp_path``, so the suite is
safe under ``pytest -n``.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine, Table, func, select

from joinedup.sources.definition import SourceDefinition, load_definition
from joinedup.sources.fhir import NHS_NUMBER_SYSTEM
from joinedup.sources.ingest import LoadReport, ingest
from joinedup.store import schema

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
"""Under CI=true a missing PostgreSQL or Spark fails the run instead of skipping."""

# -- people -----------------------------------------------------------------------------------

# NHS numbers that pass the Modulus 11 check (9434765919 is the NHS's own test number).
NHS = ["9434765919", "9434765005", "9434765013", "9434765021", "9434765048", "9434765056"]
NHS_FAILING_CHECK = "9434765918"

PERSON_HEADER = ["id", "forename", "surname", "dob", "sex", "nhs_no", "addr1", "town",
                 "postcode", "tel", "email"]
PEOPLE: list[list[str]] = [
    ["P1", "Mary", "O'Brien", "01/02/1970", "F", NHS[0], "12 High Street", "Norwich",
     "nr2 4ab", "01603 123456", "mary@example.org"],
    ["P2", "JOHN", "SMITH", "15/06/1985", "M", NHS[1], "3 Mill Lane", "Dereham", "NR19 1AB",
     "07700 900123", "john@example.org"],
    ["P3", "Aisha", "Khan", "30/11/2001", "F", NHS[2], "Flat 2, 8 Queen Street", "King's Lynn",
     "PE30 1HP", "", ""],
    ["P4", "Tom", "Baker", "07/07/1950", "M", NHS[3], "1 Church Road", "Cromer", "NR27 9ES",
     "01263 512345", ""],
]

PERSON_FIELDS: dict[str, Any] = {
    "given_name": "forename",
    "family_name": "surname",
    "date_of_birth": {"column": "dob", "format": "%d/%m/%Y"},
    "sex": "sex",
    "nhs_number": "nhs_no",
    "address": ["addr1", "town"],
    "postcode": "postcode",
    "phone": "tel",
    "email": "email",
}


# -- data files -------------------------------------------------------------------------------

def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]], *,
              encoding: str = "utf-8", delimiter: str = ",", bom: bool = False) -> Path:
    """A CSV file in ``encoding``, optionally led by a UTF-8 byte-order mark."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding)
    path.write_bytes(codecs.BOM_UTF8 + data if bom else data)
    return path


def write_people_csv(path: Path, rows: Iterable[Sequence[Any]] = PEOPLE, **kwargs: Any) -> Path:
    return write_csv(path, PERSON_HEADER, rows, **kwargs)


def write_jsonl(path: Path, lines: Iterable[Mapping[str, Any] | str]) -> Path:
    """One JSON object per line; a ``str`` is written as it is (for malformed lines)."""
    with path.open("w", encoding="utf-8", newline="\n") as f:
        for line in lines:
            f.write((line if isinstance(line, str) else json.dumps(line)) + "\n")
    return path


def write_xlsx(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]], *,
               sheet: str = "Clients") -> Path:
    """A real workbook: ``date``/``datetime`` values become date cells, numbers numbers."""
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    book.save(path)
    return path


# -- FHIR -------------------------------------------------------------------------------------

def patient(pid: str, *, nhs_number: str | None = None, given: Sequence[str] = (),
            family: str | None = None, birth_date: str | None = None,
            gender: str | None = None, lines: Sequence[str] = (), city: str | None = None,
            postcode: str | None = None, phone: str | None = None, email: str | None = None,
            identifiers: Mapping[str, str] | None = None) -> dict[str, Any]:
    """An R4 Patient resource with the parts the flattener reads."""
    resource: dict[str, Any] = {"resourceType": "Patient", "id": pid}
    idents = [{"system": NHS_NUMBER_SYSTEM, "value": nhs_number}] if nhs_number else []
    idents += [{"system": s, "value": v} for s, v in (identifiers or {}).items()]
    if idents:
        resource["identifier"] = idents
    if given or family:
        resource["name"] = [{"use": "official", "family": family, "given": list(given)}]
    if birth_date:
        resource["birthDate"] = birth_date
    if gender:
        resource["gender"] = gender
    if lines or city or postcode:
        resource["address"] = [{"use": "home", "line": list(lines), "city": city,
                                "postalCode": postcode}]
    telecom = [{"system": "phone", "value": phone}] if phone else []
    telecom += [{"system": "email", "value": email}] if email else []
    if telecom:
        resource["telecom"] = telecom
    return resource


def encounter(eid: str, *, patient_id: str, start: str, end: str | None = None,
              class_code: str | None = None, type_text: str | None = None,
              provider: str | None = None, practitioner: str | None = None,
              reason: str | None = None) -> dict[str, Any]:
    """An R4 Encounter resource for ``Patient/<patient_id>``."""
    resource: dict[str, Any] = {"resourceType": "Encounter", "id": eid, "status": "finished",
                                "subject": {"reference": f"Patient/{patient_id}"},
                                "period": {"start": start, **({"end": end} if end else {})}}
    if class_code:
        resource["class"] = {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                             "code": class_code}
    if type_text:
        resource["type"] = [{"text": type_text}]
    if provider:
        resource["serviceProvider"] = {"display": provider}
    if practitioner:
        resource["participant"] = [{"individual": {"display": practitioner}}]
    if reason:
        resource["reasonCode"] = [{"text": reason}]
    return resource


def write_bundle(path: Path, resources: Iterable[Mapping[str, Any]], *,
                 bundle_type: str = "collection") -> Path:
    bundle = {"resourceType": "Bundle", "type": bundle_type,
              "entry": [{"fullUrl": f"urn:uuid:{r['resourceType']}-{r['id']}", "resource": r}
                        for r in resources]}
    path.write_text(json.dumps(bundle, indent=1), encoding="utf-8")
    return path


# -- definitions ------------------------------------------------------------------------------

def definition_text(*, name: str = "asc_clients", agency: str = "Adult Social Care",
                    kind: str | None = None, format: str = "csv", record_id: str = "id",
                    fields: Mapping[str, Any] | None = None,
                    options: Mapping[str, Any] | None = None,
                    person_source: str | None = None, **extra: Any) -> str:
    """The YAML of a source definition; ``extra`` adds keys as they are (valid or not)."""
    raw: dict[str, Any] = {"name": name, "agency": agency}
    if kind is not None:
        raw["kind"] = kind
    raw["format"] = format
    if options is not None:
        raw["options"] = dict(options)
    raw["record_id"] = record_id
    if person_source is not None:
        raw["person_source"] = person_source
    raw["fields"] = dict(PERSON_FIELDS if fields is None else fields)
    raw.update(extra)
    return yaml.safe_dump(raw, sort_keys=False, allow_unicode=True)


def write_definition(path: Path, **kwargs: Any) -> Path:
    path.write_text(definition_text(**kwargs), encoding="utf-8")
    return path


def make_definition(directory: Path, **kwargs: Any) -> SourceDefinition:
    """Write a definition as ``<name>.yaml`` in ``directory`` and load it."""
    name = kwargs.setdefault("name", "asc_clients")
    return load_definition(write_definition(directory / f"{name}.yaml", **kwargs))


def person_definition(directory: Path, **kwargs: Any) -> SourceDefinition:
    return make_definition(directory, **kwargs)


# -- files that cannot be loaded ------------------------------------------------------------

BadCase = Callable[[Path], tuple[SourceDefinition, Path]]


def _missing_column(d: Path) -> tuple[SourceDefinition, Path]:
    header = [h for h in PERSON_HEADER if h != "tel"]
    return (person_definition(d, name="bad_feed", agency="Police"),
            write_csv(d / "bad.csv", header, [r[:9] + r[10:] for r in PEOPLE]))


def _wrong_encoding(d: Path) -> tuple[SourceDefinition, Path]:
    rows = [PEOPLE[0], ["P9", "Renée", "Roy", "", "", "", "", "", "", "", ""]]
    return (person_definition(d, name="bad_feed", agency="Police"),
            write_people_csv(d / "bad.csv", rows, encoding="cp1252"))


def _malformed_json_line(d: Path) -> tuple[SourceDefinition, Path]:
    good = dict(zip(PERSON_HEADER, PEOPLE[0], strict=True))
    return (person_definition(d, name="bad_feed", agency="Police", format="jsonl"),
            write_jsonl(d / "bad.jsonl", [good, good | {"id": "P2"}, '{"id": "P3",']))


def _not_a_bundle(d: Path) -> tuple[SourceDefinition, Path]:
    return (make_definition(d, name="bad_feed", agency="Police", format="fhir",
                            fields={"family_name": "family"}),
            write_jsonl(d / "bad.json", [{"resourceType": "Patient", "id": "x"}]))


def _empty_file(d: Path) -> tuple[SourceDefinition, Path]:
    (d / "bad.csv").write_bytes(b"")
    return person_definition(d, name="bad_feed", agency="Police"), d / "bad.csv"


def _header_only(d: Path) -> tuple[SourceDefinition, Path]:
    return (person_definition(d, name="bad_feed", agency="Police"),
            write_people_csv(d / "bad.csv", []))


def _person_source_not_loaded(d: Path) -> tuple[SourceDefinition, Path]:
    definition = make_definition(d, name="bad_feed", agency="Police", kind="contact",
                                 person_source="police_nominals", record_id="cid",
                                 fields={"person": "pid", "occurred_at": "when"})
    return definition, write_csv(d / "bad.csv", ["cid", "pid", "when"],
                                 [["C1", "N1", "2024-01-01 10:00"]])


# Files that cannot be loaded, for the ingest and CLI tests: case -> (builder, the row and column
# the error names, a fragment of its message). Each builder writes a definition of a new source
# ("bad_feed" of a new agency) and its data file into a directory.
BAD_FILES: dict[str, tuple[BadCase, int | None, str | None, str]] = {
    "missing column": (_missing_column, 1, "tel", "'tel'"),
    "wrong encoding": (_wrong_encoding, 3, None, "cannot decode"),
    "malformed json line": (_malformed_json_line, 3, None, "not valid JSON"),
    "not a fhir bundle": (_not_a_bundle, None, None, "not a FHIR Bundle"),
    "empty file": (_empty_file, None, None, "empty"),
    "header only": (_header_only, None, None, "no data rows"),
    "person source not loaded": (_person_source_not_loaded, None, None, "police_nominals"),
}


# -- the store --------------------------------------------------------------------------------

def ingest_file(engine: Engine, definition: SourceDefinition, path: Path,
                **kwargs: Any) -> LoadReport:
    return ingest(definition=definition, path=path, engine=engine, operator="tester", **kwargs)


def load_people(engine: Engine, tmp_path: Path) -> dict[int, str]:
    """Load the four standard people; returns record id by source_record id."""
    ingest_file(engine, person_definition(tmp_path), write_people_csv(tmp_path / "people.csv"))
    return {r["id"]: r["record_id"] for r in fetch(engine, schema.source_record.table)}


def table_counts(engine: Engine) -> dict[str, int]:
    """The row count of every table of the canonical model."""
    with engine.connect() as connection:
        return {name: connection.execute(select(func.count()).select_from(table)).scalar_one()
                for name, table in sorted(schema.metadata.tables.items())}


def fetch(engine: Engine, table: Table, *columns: str, order_by: str = "record_id"
          ) -> list[dict[str, Any]]:
    """Rows of ``table`` as dicts (only ``columns`` if given), in a stable order."""
    cols = [table.c[c] for c in columns] if columns else [table]
    query = select(*cols)
    if order_by in table.c:
        query = query.order_by(table.c[order_by], table.c.id)
    with engine.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(query)]


def records(engine: Engine) -> dict[str, dict[str, Any]]:
    """The current person records, by record id."""
    return {r["record_id"]: r for r in fetch(engine, schema.source_record.table)}


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (primary keys included): equal snapshots, equal stores."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        for name, table in sorted(schema.metadata.tables.items()):
            rows = connection.execute(select(table).order_by(*table.primary_key.columns))
            out[name] = [tuple(_plain(v) for v in r) for r in rows]
    return out


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def one_line(text: str) -> str:
    """Console output with every run of whitespace as one space (Rich wraps long lines)."""
    return " ".join(text.split())
