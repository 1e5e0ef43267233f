"""Emergencies: the stored areas, and the vulnerable people inside one (or inside a polygon
sent in the request). Refused, and audited, without an emergency role and the purpose
``emergency_response`` in ``X-Purpose``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from joinedup.api.auth import CallerDep, HubDep, PurposeDep
from joinedup.errors import AccessDenied
from joinedup.govern.session import governed
from joinedup.places import named
from joinedup.places.emergency import Requested, run, signed_bundle
from joinedup.places.vulnerable import VulnerableList
from joinedup.server.errors import ERROR_RESPONSES

router = APIRouter(tags=["emergencies"], responses=ERROR_RESPONSES)


class AreaSummary(BaseModel):
    kind: str
    name: str
    vertices: int
    square_km: float


@router.get("/areas", summary="Stored areas a planner can pick")
def areas(hub: HubDep, who: CallerDep, kind: Annotated[str | None, Query(max_length=50)] = None
          ) -> list[AreaSummary]:
    """Wards, parishes and flood zones loaded with ``joinedup places load-areas``: shapes,
    not person data."""
    with hub.engine.connect() as connection:
        return [AreaSummary(kind=s.kind, name=s.name, vertices=s.vertices,
                            square_km=s.square_km) for s in named.listing(connection, kind)]


class AreaRequest(BaseModel):
    """Either a stored area's name or a GeoJSON Polygon / MultiPolygon (Geometry, Feature or
    FeatureCollection), optionally widened."""

    area_name: str | None = Field(default=None, max_length=250)
    area: dict[str, Any] | None = Field(
        default=None, description="GeoJSON; WGS84 lon/lat unless it has a crs member or "
        "`crs` says otherwise.")
    crs: str | None = Field(default=None, max_length=100, examples=["EPSG:27700"])
    buffer: float = Field(default=0.0, ge=0, le=10_000, description="Metres.")


@router.post("/emergency/vulnerable", summary="The vulnerable people inside an area",
             response_model=VulnerableList,
             responses={200: {"content": {"application/zip": {}}}})
def vulnerable(hub: HubDep, who: CallerDep, purpose: PurposeDep,
               body: Annotated[AreaRequest, Body()],
               format: Literal["json", "zip"] = "json") -> Any:
    """The households inside the area with the people who need help to leave them, minimised
    to what a responder needs. ``format=zip`` is the signed CSV export (``.csv``, ``.sig``
    and the hub's ``.pub``) to hand on; every person listed is audited either way."""
    if purpose is None:
        raise AccessDenied("a purpose is required: send X-Purpose: emergency_response")
    asked = Requested(area_name=body.area_name, geojson=body.area, crs=body.crs,
                      buffer=body.buffer, where="the request's area")
    with governed(hub.engine) as c:
        found, _area = run(c, hub.settings, who.actor, purpose, asked, now=hub.now())
        if format == "json":
            return found
        name, data = signed_bundle(found, hub.settings.key_dir, who.actor, purpose)
    return Response(data, media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
