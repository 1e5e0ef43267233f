"""File writers for every feed format, streaming, and byte-for-byte reproducible.

CSV and JSON Lines are written row by row; a FHIR Bundle is written entry by entry (Patients and
Encounters of one trust share one Bundle); an XLSX workbook is built in openpyxl's write-only
mode and re-zipped with fixed timestamps, since openpyxl stamps the time of saving.
"""

from __future__ import annotations

import csv
import io
import json
import random
import uuid
import zipfile
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Protocol

from joinedup.synth.feeds import Feed, Value
from joinedup.synth.text import FOLD_ERRORS, register_fold_errors

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
_ACT_CODES = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
_CLASS_DISPLAY = {"HH": "home health", "AMB": "ambulatory", "VR": "virtual"}


class RowWriter(Protocol):
    def write(self, row: list[Value]) -> None: ...

    def close(self) -> None: ...


class CsvWriter:
    def __init__(self, path: Path, feed: Feed) -> None:
        register_fold_errors()
        encoding = str(feed.options.get("encoding", "utf-8"))
        self._file = path.open("w", encoding=encoding, errors=FOLD_ERRORS, newline="")
        self._writer = csv.writer(self._file, delimiter=str(feed.options.get("delimiter", ",")),
                                  lineterminator="\r\n" if encoding == "cp1252" else "\n")
        self._writer.writerow([c.name for c in feed.columns])

    def write(self, row: list[Value]) -> None:
        self._writer.writerow(row)

    def close(self) -> None:
        self._file.close()


class JsonLinesWriter:
    """One JSON object per line; empty values are left out, as exporting systems do."""

    def __init__(self, path: Path, feed: Feed) -> None:
        self._file = path.open("w", encoding=str(feed.options.get("encoding", "utf-8")),
                               newline="\n")
        self._names = [c.name for c in feed.columns]
        self._encode = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode

    def write(self, row: list[Value]) -> None:
        obj = {k: v for k, v in zip(self._names, row, strict=True) if v}
        self._file.write(self._encode(obj) + "\n")

    def close(self) -> None:
        self._file.close()


class XlsxWriter:
    def __init__(self, path: Path, feed: Feed, saved: datetime) -> None:
        from openpyxl import Workbook

        self._path, self._saved = path, saved
        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet(str(feed.options.get("sheet", "Sheet1")))
        self._sheet.append([c.name for c in feed.columns])

    def write(self, row: list[Value]) -> None:
        self._sheet.append(row)

    def close(self) -> None:
        from openpyxl.writer.excel import ExcelWriter

        props = self._book.properties
        props.creator = props.lastModifiedBy = "joinedup synth"
        props.created = props.modified = self._saved
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            ExcelWriter(self._book, archive).save()
        _rezip_fixed_time(buffer, self._path, self._saved)


def _rezip_fixed_time(buffer: io.BytesIO, path: Path, when: datetime) -> None:
    stamp = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    buffer.seek(0)
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=stamp)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            dst.writestr(member, src.read(info.filename))


# One encoder for every entry: json.dumps with options builds a new encoder each call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


class FhirBundle:
    """A FHIR R4 Bundle of type collection, written entry by entry."""

    def __init__(self, path: Path, *, base_url: str, timestamp: str, rng: random.Random) -> None:
        self._file: IO[str] = path.open("w", encoding="utf-8", newline="\n")
        self._base, self._rng, self._first = base_url, rng, True
        bundle_id = self._uuid()
        head = {"resourceType": "Bundle", "id": bundle_id, "type": "collection",
                "timestamp": timestamp}
        self._file.write(json.dumps(head, separators=(",", ":"))[:-1] + ',"entry":[\n')

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def add(self, resource: dict[str, Any]) -> None:
        rid = resource.get("id")
        kind = resource["resourceType"]
        url = f"{self._base}/{kind}/{rid}" if rid else f"urn:uuid:{self._uuid()}"
        entry = _ENCODER.encode({"fullUrl": url, "resource": resource})
        self._file.write(entry if self._first else ",\n" + entry)
        self._first = False

    def close(self) -> None:
        self._file.write("\n]}\n")
        self._file.close()


class FhirRows:
    """Rows of flattened Patient or Encounter values (the keys ``joinedup.sources.fhir``
    flattens to) written into a shared Bundle as real resources."""

    def __init__(self, bundle: FhirBundle, feed: Feed, resource_type: str) -> None:
        self._bundle, self._type = bundle, resource_type
        self._names = [c.name for c in feed.columns]

    def write(self, row: list[Value]) -> None:
        flat = {k: str(v) for k, v in zip(self._names, row, strict=True) if v}
        self._bundle.add(patient(flat) if self._type == "Patient" else encounter(flat))

    def close(self) -> None:
        """The Bundle is closed by whoever opened it, after every feed that shares it."""


def patient(flat: dict[str, str]) -> dict[str, Any]:
    res: dict[str, Any] = {"resourceType": "Patient"}
    if "id" in flat:
        res["id"] = flat["id"]
    identifiers = []
    if "nhs_number" in flat:
        identifiers.append({"system": NHS_NUMBER_SYSTEM, "value": flat["nhs_number"]})
    identifiers.extend({"system": k.partition(":")[2], "value": v} for k, v in flat.items()
                       if k.startswith("identifier:"))
    if identifiers:
        res["identifier"] = identifiers
    name: dict[str, Any] = {"use": "official"}
    if "family" in flat:
        name["family"] = flat["family"]
    given = [flat[k] for k in ("given",) if k in flat] + flat.get("middle", "").split()
    if given:
        name["given"] = given
    if len(name) > 1:
        res["name"] = [name]
    telecom = []
    if "phone" in flat:
        use = "mobile" if flat["phone"].startswith("07") else "home"
        telecom.append({"system": "phone", "value": flat["phone"], "use": use})
    if "email" in flat:
        telecom.append({"system": "email", "value": flat["email"], "use": "home"})
    if telecom:
        res["telecom"] = telecom
    for key in ("gender", "birthDate"):
        if key in flat:
            res[key] = flat[key]
    address: dict[str, Any] = {"use": "home"}
    if "address_line" in flat:
        address["line"] = flat["address_line"].split(", ")
    for key in ("city", "district", "postalCode"):
        if key in flat:
            address[key] = flat[key]
    if len(address) > 1:
        address["country"] = "GB"
        res["address"] = [address]
    return res


def encounter(flat: dict[str, str]) -> dict[str, Any]:
    res: dict[str, Any] = {"resourceType": "Encounter"}
    if "id" in flat:
        res["id"] = flat["id"]
    res["status"] = "finished"
    code = flat.get("class", "HH")
    res["class"] = {"system": _ACT_CODES, "code": code, "display": _CLASS_DISPLAY.get(code, code)}
    if "type" in flat:
        res["type"] = [{"text": flat["type"]}]
    if "subject" in flat:
        res["subject"] = {"reference": f"Patient/{flat['subject']}"}
    if "participant" in flat:
        res["participant"] = [{"individual": {"display": flat["participant"]}}]
    period = {k: flat[f"period_{k}"] for k in ("start", "end") if f"period_{k}" in flat}
    if period:
        res["period"] = period
    if "reason" in flat:
        res["reasonCode"] = [{"text": flat["reason"]}]
    if "serviceProvider" in flat:
        res["serviceProvider"] = {"display": flat["serviceProvider"]}
    return res
