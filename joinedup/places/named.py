"""Named areas kept in the store (wards, parishes, flood zones), so that a planner picks
"Flood Zone 3" from a list instead of finding the file, and every list names the same shape."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import shapely
from sqlalchemy import Connection, delete, insert, select

from joinedup.errors import NotFound
from joinedup.places.areas import Area
from joinedup.store.schema import area


@dataclass(frozen=True)
class Stored:
    id: int
    kind: str
    name: str
    vertices: int
    square_km: float
    loaded_from: str
    loaded_at: datetime


def save(connection: Connection, areas: Sequence[Area], *, kind: str, loaded_from: str,
         now: datetime) -> int:
    """Store ``areas`` under ``kind``, replacing any of the same kind and name."""
    names = [a.name for a in areas]
    connection.execute(delete(area).where(area.c.kind == kind, area.c.name.in_(names)))
    connection.execute(insert(area), [
        {"kind": kind, "name": a.name, "geometry": shapely.to_wkb(a.geometry),
         "source_crs": a.source_crs, "loaded_from": loaded_from, "loaded_at": now}
        for a in areas])
    return len(areas)


def listing(connection: Connection, kind: str | None = None) -> list[Stored]:
    query = select(area).order_by(area.c.kind, area.c.name)
    if kind is not None:
        query = query.where(area.c.kind == kind)
    stored = []
    for row in connection.execute(query):
        geometry = shapely.from_wkb(row.geometry)
        stored.append(Stored(row.id, row.kind, row.name,
                             int(shapely.get_num_coordinates(geometry)),
                             round(float(geometry.area) / 1e6, 3), row.loaded_from,
                             row.loaded_at))
    return stored


def load(connection: Connection, name: str, *, buffer: float = 0.0) -> Area:
    """The stored area called ``name`` (any kind; ``kind/name`` when two kinds share it)."""
    kind, _, short = name.rpartition("/")
    query = select(area).where(area.c.name == (short if kind else name))
    if kind:
        query = query.where(area.c.kind == kind)
    rows = connection.execute(query).all()
    if not rows:
        known = ", ".join(f"{s.kind}/{s.name}" for s in listing(connection)) or "none yet"
        raise NotFound(f"no stored area called {name!r}; stored areas: {known}")
    if len(rows) > 1:
        raise NotFound(f"several areas are called {name!r}: "
                       f"{', '.join(f'{r.kind}/{r.name}' for r in rows)}; name one as kind/name")
    row = rows[0]
    geometry = shapely.from_wkb(row.geometry)
    if buffer:
        geometry = geometry.buffer(buffer)
    return Area(name=row.name, geometry=geometry, source_crs=row.source_crs, warnings=())
