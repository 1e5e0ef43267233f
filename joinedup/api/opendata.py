"""The public open data API: no login, no purpose, rate-limited per client (HTTP 429 with
Retry-After). It serves only what a release published, as it was published: nothing is
counted from person data on a public request. ``/opendata/catalog.json`` is the DCAT
catalogue in JSON-LD."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from joinedup.api.auth import HubDep
from joinedup.errors import NotFound
from joinedup.opendata import dcat, releases
from joinedup.opendata.query import MAX_LIMIT, page
from joinedup.opendata.ratelimit import TokenBucket
from joinedup.opendata.releases import Release
from joinedup.opendata.tables import Dataset, Table, csv_text
from joinedup.server.errors import ERROR_RESPONSES, ErrorResponse, error_json
from joinedup.server.hub import Hub

_LOCK = threading.Lock()
LIMITED: dict[int | str, dict[str, Any]] = {429: {
    "model": ErrorResponse, "description": "too many requests",
    "headers": {"Retry-After": {"description": "Seconds to wait.",
                                "schema": {"type": "integer"}}}}}
RESPONSES: dict[int | str, dict[str, Any]] = {**ERROR_RESPONSES, **LIMITED}


def bucket(request: Request, hub: Hub) -> TokenBucket:
    """The app's token bucket, made on first use from its hub's settings."""
    state = request.app.state
    with _LOCK:
        found: TokenBucket | None = getattr(state, "opendata_bucket", None)
        if found is None:
            found = state.opendata_bucket = TokenBucket(hub.settings.opendata_rate_per_minute,
                                                        hub.settings.opendata_burst)
    return found


def wait(request: Request, hub: Hub) -> int:
    """0, or how many seconds this client must wait before its next request."""
    return bucket(request, hub).take(request.client.host if request.client else "unknown")


def too_many(seconds: int) -> str:
    return (f"too many requests: open data allows a burst, then a steady rate per client; "
            f"try again in {seconds} s")


def limited(request: Request, hub: HubDep) -> None:
    """Refuse a client over its rate (``Retry-After`` says when to come back)."""
    seconds = wait(request, hub)
    if seconds:
        raise StarletteHTTPException(429, too_many(seconds),
                                     headers={"Retry-After": str(seconds)})


router = APIRouter(tags=["open data"], responses=RESPONSES, dependencies=[Depends(limited)])
catalog_router = APIRouter(tags=["open data"])
Name = Annotated[str, Path(max_length=100, description="The dataset, e.g. "
                                                       "adult-social-care-by-age")]
Key = Annotated[str, Path(max_length=100, description="The table, e.g. by-ward")]


class TableSummary(BaseModel):
    key: str
    title: str
    description: str
    columns: list[str]
    labels: list[str]
    """The columns that label a row (a ward; a month and a ward); the rest are counts."""
    rows: int
    suppressed: int
    person_derived: bool
    epsilon: float | None
    csv: str
    json_: str


class DatasetPublic(BaseModel):
    name: str
    title: str
    description: str
    topic: str
    keywords: list[str]
    notes: list[str]
    disclosure: str
    epsilon: float | None
    temporal: list[str] | None
    spatial: str
    release: int
    modified: datetime
    tables: list[TableSummary]


class RowsPage(BaseModel):
    dataset: str
    table: str
    columns: list[str]
    total: int
    offset: int
    limit: int
    rows: list[dict[str, str | int | float | None]]
    """A suppressed count is null."""
    next: str | None
    """The address of the next page, if there is one."""


def published(hub: Hub) -> Release:
    with hub.engine.connect() as connection:
        release = releases.load(connection)
    if release is None:
        raise NotFound("no open data has been published yet: joinedup opendata publish")
    return release


def find(hub: Hub, name: str, key: str | None = None) -> tuple[Release, Dataset, Table | None]:
    release = published(hub)
    dataset = release.dataset(name)
    if dataset is None:
        raise NotFound(f"no open dataset {name!r}; the datasets are "
                       f"{', '.join(d.name for d in release.datasets)}")
    if key is None:
        return release, dataset, None
    table = dataset.table(key)
    if table is None:
        raise NotFound(f"the dataset {name} has no table {key!r}; its tables are "
                       f"{', '.join(t.key for t in dataset.tables)}")
    return release, dataset, table


def public(release: Release, d: Dataset) -> DatasetPublic:
    at = f"/api/opendata/datasets/{d.name}"
    return DatasetPublic(
        name=d.name, title=d.title, description=d.description, topic=d.topic,
        keywords=list(d.keywords), notes=list(d.notes), disclosure=d.disclosure,
        epsilon=d.epsilon, spatial=d.spatial, release=release.id,
        modified=release.released_at,
        temporal=None if d.temporal is None else [t.isoformat() for t in d.temporal],
        tables=[TableSummary(key=t.key, title=t.title, description=t.description,
                             columns=list(t.columns), labels=list(t.labels), rows=len(t.rows),
                             suppressed=t.suppressed(), person_derived=t.person_derived,
                             epsilon=t.epsilon, csv=f"{at}/{t.key}.csv",
                             json_=f"{at}/{t.key}.json") for t in d.tables])


@router.get("/opendata/datasets", summary="The open datasets published")
def datasets(hub: HubDep) -> list[DatasetPublic]:
    """Every dataset of the latest release, with its tables; empty before the first."""
    with hub.engine.connect() as connection:
        release = releases.load(connection)
    return [] if release is None else [public(release, d) for d in release.datasets]


@router.get("/opendata/datasets/{name}", summary="One open dataset's metadata")
def dataset(hub: HubDep, name: Name) -> DatasetPublic:
    release, found, _table = find(hub, name)
    return public(release, found)


def _download(table: Table, name: str, kind: str, body: str, media: str) -> Response:
    return Response(body, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="{name}-{table.key}.{kind}"'})


@router.get("/opendata/datasets/{name}/{key}.csv", summary="A table as CSV",
            response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def table_csv(hub: HubDep, name: Name, key: Key) -> Response:
    """The whole table; a suppressed count reads ``[c]``."""
    _release, _dataset, table = find(hub, name, key)
    assert table is not None
    return _download(table, name, "csv", csv_text(table.columns, table.records()),
                     "text/csv; charset=utf-8")


@router.get("/opendata/datasets/{name}/{key}.json", summary="A table as JSON",
            response_class=JSONResponse)
def table_json(hub: HubDep, name: Name, key: Key) -> list[dict[str, str | int | float | None]]:
    """The whole table, a row an object; a suppressed count is null."""
    _release, _dataset, table = find(hub, name, key)
    assert table is not None
    return table.records()


@router.get("/opendata/datasets/{name}/{key}", summary="A table's rows, filtered and paged")
def rows(request: Request, hub: HubDep, name: Name, key: Key,
         filter: Annotated[list[str], Query(
             max_length=20, description="column:value, e.g. ward:Eaton; several are all "
             "required. A suppressed count is matched by [c].")] = [],  # noqa: B006
         limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
         offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> RowsPage:
    """The rows matching every filter, ``limit`` at a time from ``offset``, with the total
    and the next page's address."""
    _release, _dataset, table = find(hub, name, key)
    assert table is not None
    found = page(table, filter, limit=limit, offset=offset)
    following = None
    if found.next_offset is not None:
        following = str(request.url.include_query_params(offset=found.next_offset))
    return RowsPage(dataset=name, table=key, columns=list(table.columns), total=found.total,
                    offset=offset, limit=limit, rows=found.rows, next=following)


@catalog_router.get("/opendata/catalog.json", summary="The open data catalogue (DCAT, JSON-LD)",
                    response_class=JSONResponse,
                    responses={200: {"content": {"application/ld+json": {}}}, **RESPONSES})
def catalog(request: Request, hub: HubDep) -> Response:
    """Every dataset of the latest release as DCAT in JSON-LD: title, description, licence
    (OGL v3.0), publisher, coverage, frequency, and a CSV and a JSON download per table."""
    seconds = wait(request, hub)
    if seconds:
        return error_json(429, "too_many_requests", too_many(seconds),
                          {"Retry-After": str(seconds)})
    with hub.engine.connect() as connection:
        release = releases.load(connection)
        issued = releases.first_issued(connection)
    base = str(request.base_url).rstrip("/")
    return JSONResponse(dcat.catalog(base, release, issued, hub.settings.opendata_publisher),
                        media_type="application/ld+json")
