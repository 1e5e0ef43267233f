"""One way in for the CLI, the API and the planner's page: resolve the area asked for (a stored
area by name, or GeoJSON sent or uploaded), list the vulnerable people inside it, and make the
signed export a responder is handed."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from joinedup.errors import BadInput
from joinedup.govern import signing
from joinedup.govern.register import register
from joinedup.govern.vocabulary import Actor
from joinedup.places import export, named
from joinedup.places.areas import Area, parse_area
from joinedup.places.vulnerable import VulnerableList, vulnerable
from joinedup.settings import Settings


@dataclass(frozen=True)
class Requested:
    """The area as asked for: a stored one's name, or GeoJSON text or an object."""

    area_name: str | None = None
    geojson: str | bytes | dict[str, Any] | None = None
    crs: str | None = None
    buffer: float = 0.0
    where: str = "the area"
    """What error messages call the GeoJSON (a file name, "the uploaded area")."""
    name: str | None = None


def resolve(connection: Connection, asked: Requested) -> Area:
    if (asked.area_name is None) == (asked.geojson is None):
        raise BadInput("give either a stored area's name or a GeoJSON area (one of them)")
    if asked.area_name is not None:
        return named.load(connection, asked.area_name, buffer=asked.buffer)
    data = asked.geojson
    text = json.dumps(data) if isinstance(data, dict) else data
    assert text is not None
    return parse_area(text, where=asked.where, crs=asked.crs, buffer=asked.buffer,
                      name=asked.name)


def run(connection: Connection, settings: Settings, actor: Actor, purpose: str | None,
        asked: Requested, *, now: datetime) -> tuple[VulnerableList, Area]:
    area = resolve(connection, asked)
    found = vulnerable(connection, register(connection), actor, purpose, area, now=now,
                       buffer=asked.buffer)
    return found, area


def export_name(found: VulnerableList) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in found.area.lower()).strip("-")[:60]
    return f"vulnerable-{slug or 'area'}-{found.generated_at:%Y%m%dT%H%M}"


def write_signed(found: VulnerableList, path: Path, key_dir: Path, actor: Actor,
                 purpose: str) -> signing.Signed:
    """Write the export and sign it; if signing fails the export goes too, so no unsigned
    list is left to be handed on."""
    export.write(found, path)
    try:
        return signing.sign_export(
            path, key_dir, audit_seq=found.seq, purpose=purpose, actor=actor.user,
            now=found.generated_at,
            description=f"vulnerable people in {found.area} (buffer {found.buffer:g} m): "
                        f"{len(found.households)} households, {found.people} people")
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def signed_bundle(found: VulnerableList, key_dir: Path, actor: Actor, purpose: str
                  ) -> tuple[str, bytes]:
    """A zip of the CSV, its signature and the hub's public key: one download for the web."""
    base = export_name(found)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{base}.csv"
        signed = write_signed(found, path, key_dir, actor, purpose)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
            for file in (path, signed.signature_path, signed.public_key_path):
                bundle.write(file, file.name)
    return f"{base}.zip", buffer.getvalue()
