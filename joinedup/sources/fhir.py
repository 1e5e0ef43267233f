"""FHIR R4 Bundles flattened to named values, so a FHIR source maps like any other file.

Definitions name these keys as their "columns": for a Patient ``id, nhs_number, given, middle,
family, name_text, birthDate, gender, address_line, city, district, postalCode, phone, email``
and ``identifier:<system>`` for any other identifier; for an Encounter ``id, subject,
period_start, period_end, class, type, serviceProvider, participant, reason``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import ijson
from ijson.common import ObjectBuilder

from joinedup.errors import IngestError

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
IDENTIFIER_PREFIX = "identifier:"

FLAT_KEYS: dict[str, tuple[str, ...]] = {
    "Patient": ("id", "nhs_number", "given", "middle", "family", "name_text", "birthDate",
                "gender", "address_line", "city", "district", "postalCode", "phone", "email"),
    "Encounter": ("id", "subject", "period_start", "period_end", "class", "type",
                  "serviceProvider", "participant", "reason"),
}


def unknown_keys(resource_type: str, columns: list[str]) -> list[str]:
    """Columns a definition names that no flattened resource of this type can have."""
    known = FLAT_KEYS[resource_type]
    return [c for c in columns if c not in known and not c.startswith(IDENTIFIER_PREFIX)]


def read_bundle(stream: BinaryIO, resource_type: str, *, path: Path
                ) -> Iterator[tuple[int, dict[str, str | None]]]:
    """Yield ``(entry number, flat values)`` for each resource of ``resource_type`` in a
    Bundle, parsing the file as a stream: a Bundle of a million resources needs no more memory
    than one of ten."""
    flatten = _patient if resource_type == "Patient" else _encounter
    try:
        for number, entry in _entries(stream, path):
            resource = entry.get("resource") if isinstance(entry, dict) else None
            if not isinstance(resource, dict):
                raise IngestError("Bundle entry has no resource", path=path, row=number)
            if resource.get("resourceType") == resource_type:
                yield number, flatten(resource)
    except ijson.JSONError as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise IngestError(f"not valid JSON: {detail}", path=path) from exc


def _entries(stream: BinaryIO, path: Path) -> Iterator[tuple[int, Any]]:
    """The Bundle's entries, one at a time, checking as it goes that the file is a Bundle."""
    events = ijson.parse(stream, use_float=True)
    first = next(events, None)
    if first is None or first[1] != "start_map":
        found = {"start_array": "list"}.get(first[1], first[1]) if first else "nothing"
        raise IngestError(f"not a FHIR Bundle: expected resourceType 'Bundle', found {found!r}",
                          path=path)
    kind: str | None = None
    number = 0
    builder: ObjectBuilder | None = None
    for prefix, event, value in events:
        if builder is not None:
            builder.event(event, value)
            if prefix == "entry.item" and event in ("end_map", "end_array"):
                yield number, builder.value
                builder = None
        elif prefix == "entry.item":
            number += 1
            if event in ("start_map", "start_array"):
                builder = ObjectBuilder()
                builder.event(event, value)
            else:
                yield number, value
        elif prefix == "entry" and event not in ("start_array", "end_array"):
            raise IngestError("Bundle.entry must be a list of entries", path=path)
        elif prefix == "resourceType":
            kind = value
            if kind != "Bundle":
                raise IngestError(f"not a FHIR Bundle: expected resourceType 'Bundle', found "
                                  f"{kind!r}", path=path)
    if kind is None:
        raise IngestError("not a FHIR Bundle: it has no resourceType", path=path)


def _patient(resource: dict[str, Any]) -> dict[str, str | None]:
    flat: dict[str, str | None] = {"id": _text(resource.get("id")),
                                   "birthDate": _text(resource.get("birthDate")),
                                   "gender": _text(resource.get("gender"))}
    for ident in _list(resource.get("identifier")):
        system, value = _text(ident.get("system")), _text(ident.get("value"))
        if system == NHS_NUMBER_SYSTEM:
            flat["nhs_number"] = value
        elif system:
            flat[IDENTIFIER_PREFIX + system] = value
    name = _preferred(_list(resource.get("name")), "official")
    if name is not None:
        given = _strings(name.get("given"))
        flat["given"] = given[0] if given else None
        flat["middle"] = " ".join(given[1:]) or None
        flat["family"] = _text(name.get("family"))
        flat["name_text"] = _text(name.get("text"))
    address = _preferred(_list(resource.get("address")), "home")
    if address is not None:
        lines = _strings(address.get("line"))
        flat["address_line"] = ", ".join(lines) or None
        flat["city"] = _text(address.get("city"))
        flat["district"] = _text(address.get("district"))
        flat["postalCode"] = _text(address.get("postalCode"))
    for point in _list(resource.get("telecom")):
        system, key = point.get("system"), None
        if system == "phone":
            key = "phone"
        elif system == "email":
            key = "email"
        if key is not None and flat.get(key) is None:
            flat[key] = _text(point.get("value"))
    return flat


def _encounter(resource: dict[str, Any]) -> dict[str, str | None]:
    subject = _text((resource.get("subject") or {}).get("reference"))
    period = resource.get("period") or {}
    klass = resource.get("class") or {}
    types = _list(resource.get("type"))
    type_text = None
    if types:
        codings = _list(types[0].get("coding"))
        type_text = _text(types[0].get("text")) or (
            _text(codings[0].get("display")) if codings else None)
    participants = _list(resource.get("participant"))
    reasons = _list(resource.get("reasonCode"))
    return {
        "id": _text(resource.get("id")),
        "subject": subject.rsplit("/", 1)[-1] if subject else None,
        "period_start": _text(period.get("start")),
        "period_end": _text(period.get("end")),
        "class": _text(klass.get("code")) if isinstance(klass, dict) else None,
        "type": type_text,
        "serviceProvider": _text((resource.get("serviceProvider") or {}).get("display")),
        "participant": _text((participants[0].get("individual") or {}).get("display"))
        if participants else None,
        "reason": _text(reasons[0].get("text")) if reasons else None,
    }


def _list(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str) and v] if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _preferred(items: list[dict[str, Any]], use: str) -> dict[str, Any] | None:
    """The item marked with ``use`` (official name, home address), else the first."""
    for item in items:
        if item.get("use") == use:
            return item
    return items[0] if items else None
