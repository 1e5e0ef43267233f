"""The planner's page: pick a stored area or upload a polygon, see the households inside with
the people who need help on a map beside the list, download the signed export.

An uploaded polygon is kept as a stored area (kind ``upload``), so the download, and the DPO's
review after the incident, name exactly the shape that was used.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Connection

from joinedup.errors import AccessDenied, BadInput
from joinedup.govern.session import governed
from joinedup.places import named
from joinedup.places.emergency import Requested, resolve, run, signed_bundle
from joinedup.places.maps import MapPoint, map_svg
from joinedup.places.needs import LABELS, Need
from joinedup.places.vulnerable import Household
from joinedup.web.session import Visit, VisitDep
from joinedup.web.templating import render

router = APIRouter(include_in_schema=False)
MAX_UPLOAD = 20 * 1024 * 1024
UPLOADED = "upload"
_MAP_GROUP = {Need.OXYGEN: "power", Need.ELECTRICITY: "power", Need.MOBILITY: "mobility",
              Need.UNDER_5: "age", Need.OVER_85: "age"}


def map_group(household: Household) -> str:
    """The marker of a household: its most urgent need's group."""
    for need in household.needs:
        if need in _MAP_GROUP:
            return _MAP_GROUP[need]
    return "other"


def _page(request: Request, visit: Visit, status: int = 200, **context: object) -> Response:
    with visit.hub.engine.connect() as c:
        stored = named.listing(c)
    shown = {"error": None, "found": None, "warnings": (), "area_name": "", "buffer": 0.0,
             **context}
    return render(request, "emergency.html", status, visit=visit, stored=stored,
                  labels=LABELS, **shown)


@router.get("/emergency", response_class=HTMLResponse)
def form(request: Request, visit: VisitDep) -> Response:
    return _page(request, visit)


async def _uploaded(upload: UploadFile | None) -> bytes | None:
    if upload is None or not upload.filename:
        return None
    data = await upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise BadInput(f"{upload.filename}: larger than {MAX_UPLOAD // 1024 // 1024} MB; "
                       "simplify the polygon first")
    return data


@router.post("/emergency", response_class=HTMLResponse)
async def show(request: Request, visit: VisitDep,
               area_name: Annotated[str, Form(max_length=250)] = "",
               upload: Annotated[UploadFile | None, File()] = None,
               crs: Annotated[str, Form(max_length=100)] = "",
               buffer: Annotated[float, Form(ge=0, le=10_000)] = 0.0,
               csrf_token: Annotated[str, Form(max_length=100)] = "") -> Response:
    visit.check(csrf_token)
    try:
        data = await _uploaded(upload)
        filename = (upload.filename if upload else None) or "the uploaded area"
        asked = Requested(area_name=None if data is not None else (area_name or None),
                          geojson=data, crs=crs or None, buffer=buffer, where=filename)
        with governed(visit.hub.engine) as c:
            if data is not None:
                asked = _keep_upload(c, visit, asked, filename)
            found, area = run(c, visit.hub.settings, visit.actor, visit.purpose, asked,
                              now=visit.hub.now())
    except (BadInput, AccessDenied) as exc:
        return _page(request, visit, 403 if isinstance(exc, AccessDenied) else 400,
                     error=exc.message, area_name=area_name, buffer=buffer)
    points = [MapPoint(h.easting, h.northing, f"{h.address or h.uprn}: "
                       f"{', '.join(LABELS[n] for n in h.needs)}", map_group(h), f"#{h.uprn}")
              for h in found.households]
    svg = map_svg(area.geometry, points, title=f"Vulnerable people in {area.name}",
                  area_label=area.name)
    return _page(request, visit, found=found, area=area, svg=svg, area_name=asked.area_name,
                 buffer=buffer, warnings=area.warnings, groups={h.uprn: map_group(h)
                                                              for h in found.households})


def _keep_upload(c: Connection, visit: Visit, asked: Requested, filename: str) -> Requested:
    """Parse the upload (errors name the file) and store it under a name the download uses."""
    now = visit.hub.now()
    name = f"{filename} by {visit.actor.user} {now:%Y-%m-%d %H:%M:%S}"
    area = resolve(c, Requested(geojson=asked.geojson, crs=asked.crs, where=asked.where,
                                name=name))
    named.save(c, [area], kind=UPLOADED, loaded_from=filename, now=now)
    return Requested(area_name=f"{UPLOADED}/{name}", buffer=asked.buffer)


@router.post("/emergency/download")
def download(visit: VisitDep, area_name: Annotated[str, Form(max_length=250)] = "",
             buffer: Annotated[float, Form(ge=0, le=10_000)] = 0.0,
             csrf_token: Annotated[str, Form(max_length=100)] = "") -> Response:
    """The signed export (CSV, signature, the hub's public key) as one zip; the list is made
    again, so it is current and audited as the export it is."""
    visit.check(csrf_token)
    asked = Requested(area_name=area_name or None, buffer=buffer)
    with governed(visit.hub.engine) as c:
        found, _area = run(c, visit.hub.settings, visit.actor, visit.purpose, asked,
                           now=visit.hub.now())
        name, data = signed_bundle(found, visit.hub.settings.key_dir, visit.actor,
                                   visit.purpose)
    return Response(data, media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
