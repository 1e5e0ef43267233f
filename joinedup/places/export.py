"""The vulnerable-people list as a responder's file: one row per person who needs help,
grouped by household, in the gov.uk Vulnerabilities Data Standard's terms (Person, Residence,
Household, Risk Indicator), as CSV or as GeoJSON points for a GIS; signed beside it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from joinedup.places.needs import LABELS
from joinedup.places.vulnerable import Household, Resident, VulnerableList

COLUMNS = ("household_id", "residence_uprn", "residence_address", "residence_postcode",
           "residence_easting", "residence_northing", "residence_latitude",
           "residence_longitude", "household_people_known", "household_people_needing_help",
           "person_id", "person_given_name", "person_family_name", "person_age",
           "person_phone", "risk_indicators", "risk_indicator_labels", "information_from")
"""Residence coordinates are British National Grid (EPSG:27700) and WGS84 lon/lat."""


def _row(list_: VulnerableList, number: int, h: Household, r: Resident) -> tuple[Any, ...]:
    return (f"H{number:05d}", h.uprn, h.address or "", h.postcode or "", f"{h.easting:.1f}",
            f"{h.northing:.1f}", f"{h.latitude:.6f}", f"{h.longitude:.6f}", h.people_known,
            len(h.residents), r.person_id, r.given_name or "", r.family_name or "",
            "" if r.age is None else r.age, r.phone or "",
            ";".join(r.needs), "; ".join(LABELS[n] for n in r.needs), "; ".join(r.sources))


def rows(list_: VulnerableList) -> Iterator[tuple[Any, ...]]:
    for number, h in enumerate(list_.households, start=1):
        for r in h.residents:
            yield _row(list_, number, h, r)


def to_csv(list_: VulnerableList) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows(list_))
    return buffer.getvalue()


def to_geojson(list_: VulnerableList) -> str:
    """One Point feature per household (RFC 7946: WGS84 lon/lat), its people as properties."""
    features = []
    for number, h in enumerate(list_.households, start=1):
        features.append({"type": "Feature", "id": f"H{number:05d}",
                         "geometry": {"type": "Point", "coordinates": [h.longitude, h.latitude]},
                         "properties": {
                             "household_id": f"H{number:05d}", "residence_uprn": h.uprn,
                             "residence_address": h.address, "residence_postcode": h.postcode,
                             "residence_easting": h.easting, "residence_northing": h.northing,
                             "household_people_known": h.people_known,
                             "risk_indicators": list(h.needs),
                             "people": [dict(zip(COLUMNS[10:], _row(list_, number, h, r)[10:],
                                                 strict=True)) for r in h.residents]}})
    return json.dumps({"type": "FeatureCollection", "name": f"vulnerable people: {list_.area}",
                       "features": features}, indent=1, ensure_ascii=False) + "\n"


def write(list_: VulnerableList, path: Path) -> None:
    """CSV, or GeoJSON when the file is named ``*.geojson``; whole or not at all (a responder
    must never be handed a list cut short)."""
    text = to_geojson(list_) if path.suffix.lower() == ".geojson" else to_csv(list_)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
