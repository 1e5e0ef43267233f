"""Sensors over HTTP: the batch endpoint sensor feeds post readings to, and the read-only
NGSI-LD API (ETSI GS CIM 009) that smart-city tools read the sensors through.

Neither is person data, so neither takes ``X-Purpose`` nor writes audit events; each batch is
recorded with who sent it (``joinedup sensors batches``). Posting readings needs the role of
a sensor feed's service account or a data engineer; reading needs any signed-in caller.
Answers under ``/ngsi-ld/v1`` are NGSI-LD's: ``application/json`` with the ``@context`` in a
``Link`` header, or ``application/ld+json`` with it in the body when asked for by ``Accept``,
and errors as NGSI-LD's ProblemDetails rather than the hub's one error shape.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from joinedup.api.auth import CallerDep, HubDep
from joinedup.errors import AccessDenied, BadInput, JoinedUpError
from joinedup.govern.vocabulary import Role
from joinedup.sensors import RawReading, ingest, ingest_transaction, ngsi
from joinedup.server.errors import ERROR_RESPONSES
from joinedup.server.errors import validation_error as hub_validation_error

FEED_ROLES = frozenset({Role.SENSOR_FEED, Role.DATA_ENGINEER})
"""Who may post readings: a sensor feed's service account (role ``sensor_feed``, which reads
nothing personal) or a data engineer replaying a feed."""
MAX_READINGS = 100_000
MAX_BYTES = 32 << 20
NDJSON = frozenset({"application/x-ndjson", "application/ndjson", "application/jsonl",
                    "application/x-jsonlines"})
LD_JSON = "application/ld+json"
CONTEXT_LINK = (f'<{ngsi.DATA_MODELS_CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"; '
                'type="application/ld+json"')
"""The ``Link`` header of a plain JSON answer (NGSI-LD's core context is always implied)."""

router = APIRouter(tags=["sensors"], responses=ERROR_RESPONSES)


# -- the batch endpoint ----------------------------------------------------------------------

class ReadingProblemPublic(BaseModel):
    index: int = Field(description="The reading's position in the batch, from 0.")
    where: str = Field(examples=["readings[3]", "line 4"])
    what: str
    expected: str
    sensor: str
    observed_at: str
    value: str


class IngestReportPublic(BaseModel):
    """What became of a batch: ``read == accepted + duplicates + rejected``."""

    batch_id: int
    read: int
    accepted: int = Field(description="Stored: new readings and corrections.")
    duplicates: int = Field(description="Already held with the same value: changed nothing.")
    corrected: int = Field(description="Held with another value, now this one.")
    late: int = Field(description="Accepted, observed more than a day before they arrived.")
    out_of_order: int = Field(description="Accepted, older than the sensor's newest.")
    rejected: int
    problems: list[ReadingProblemPublic] = Field(description="The first 1,000 rejected.")


async def _body(request: Request) -> bytes:
    """The request body, refused once it passes ``MAX_BYTES`` rather than held whole."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BYTES:
            raise BadInput(f"the batch is over {MAX_BYTES >> 20} MiB; send at most "
                           f"{MAX_READINGS:,} readings a request")
        chunks.append(chunk)
    return b"".join(chunks)


_READING = {"type": "object", "required": ["sensor", "observed_at", "value"], "properties": {
    "sensor": {"type": "string", "examples": ["TRAFFIC-A11-001"]},
    "observed_at": {"type": "string", "examples": ["2024-06-03T08:15:00Z"]},
    "value": {"type": ["number", "string", "null"], "examples": [42]},
    "unit": {"type": "string", "examples": ["vehicles"]}}}


@router.post("/sensors/readings", summary="Post a batch of sensor readings",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": {"type": "array", "items": _READING}}}}})
def post_readings(hub: HubDep, who: CallerDep, body: Annotated[bytes, Depends(_body)],
                  content_type: Annotated[str, Header()] = "application/json",
                  source: Annotated[str, Query(min_length=1, max_length=200, description=(
                      "Where the readings come from, recorded with the batch."))] = "api",
                  ) -> IngestReportPublic:
    """Store a JSON array of readings (or NDJSON, one a line, sent as
    ``application/x-ndjson``) as one batch. Sending a batch again changes nothing: each
    (sensor, time) is held once."""
    if who.actor.role not in FEED_ROLES:
        raise AccessDenied(f"the role {who.actor.role} may not post sensor readings; a sensor "
                           "feed's service account (role sensor_feed) or a data engineer may")
    readings = _readings(body, content_type)
    index = {r.where: i for i, r in enumerate(readings)}
    with ingest_transaction(hub.engine) as c:
        report = ingest(c, readings, source=source, received_by=who.actor.user, now=hub.now())
    return IngestReportPublic(
        batch_id=report.batch_id, read=report.read, accepted=report.accepted,
        duplicates=report.duplicates, corrected=report.corrected, late=report.late,
        out_of_order=report.out_of_order, rejected=report.rejected,
        problems=[ReadingProblemPublic(index=index[p.where], where=p.where, what=p.what,
                                       expected=p.expected, sensor=p.sensor,
                                       observed_at=p.observed_at, value=p.value)
                  for p in report.problems])


def _readings(body: bytes, content_type: str) -> list[RawReading]:
    """The readings of a JSON array or an NDJSON body, each located for its problems."""
    items: list[tuple[str, Any]] = []
    if content_type.split(";")[0].strip().lower() in NDJSON:
        for number, line in enumerate(body.split(b"\n"), start=1):
            if line.strip():
                items.append((f"line {number}", _json(line, f"line {number}")))
    else:
        loaded = _json(body, "the body")
        if not isinstance(loaded, list):
            raise BadInput("expected a JSON array of readings, each {\"sensor\": ..., "
                           "\"observed_at\": ..., \"value\": ...}, or NDJSON sent with "
                           "Content-Type: application/x-ndjson")
        items = [(f"readings[{i}]", item) for i, item in enumerate(loaded)]
    if not items:
        raise BadInput("the batch holds no readings")
    if len(items) > MAX_READINGS:
        raise BadInput(f"the batch holds {len(items):,} readings; send at most "
                       f"{MAX_READINGS:,} a request")
    found = []
    for where, item in items:
        if not isinstance(item, dict):
            raise BadInput(f"{where} is not a reading; expected an object with sensor, "
                           "observed_at and value (and unit, if you like)")
        value = item.get("value")
        found.append(RawReading(
            _text(item.get("sensor")) or "", _text(item.get("observed_at")) or "",
            value if value is None or isinstance(value, str | int | float)
            else json.dumps(value), _text(item.get("unit")), where))
    return found


def _json(data: bytes, where: str) -> Any:
    try:
        return json.loads(data)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadInput(f"{where} is not JSON: {exc}") from exc


def _text(value: Any) -> str | None:
    return None if value is None else value if isinstance(value, str) else json.dumps(value)


# -- NGSI-LD ---------------------------------------------------------------------------------

class ProblemDetails(BaseModel):
    """NGSI-LD's error (RFC 7807)."""

    type: str = Field(examples=["https://uri.etsi.org/ngsi-ld/errors/ResourceNotFound"])
    title: str
    status: int
    detail: str


def _problem(status: int, detail: str) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(ngsi.problem(status, detail), status_code=status, headers=headers)


class NgsiRoute(APIRoute):
    """A route answering its errors, including those of its dependencies (sign-in) and of
    its parameters, as NGSI-LD ProblemDetails."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except JoinedUpError as exc:
                return _problem(exc.http_status, exc.message)
            except RequestValidationError as exc:
                hub_error = json.loads(bytes(hub_validation_error(request, exc).body))
                return _problem(400, hub_error["error"]["message"])
            except StarletteHTTPException as exc:
                return _problem(exc.status_code, str(exc.detail))

        return answer


PROBLEMS: dict[int | str, dict[str, Any]] = {
    status: {"model": ProblemDetails, "description": meaning}
    for status, meaning in ((400, "a parameter the hub cannot use"),
                            (401, "no token, or a bad one"), (404, "no such entity"))}
ngsi_router = APIRouter(prefix="/ngsi-ld/v1", tags=["NGSI-LD"], route_class=NgsiRoute,
                        responses=PROBLEMS)
ENTITY_JSON: dict[int | str, dict[str, Any]] = {
    200: {"description": "NGSI-LD JSON", "content": {LD_JSON: {}}}}
Listed = Annotated[str | None, Query(max_length=2000, description="Comma-separated.")]
Options = Annotated[str | None, Query(max_length=200)]
EntityId = Annotated[str, Path(alias="entityId", max_length=300,
                               examples=["urn:ngsi-ld:TrafficFlowObserved:TRAFFIC-A11-001"])]


def _answer(request: Request, body: dict[str, Any] | list[dict[str, Any]], *,
            status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """``body`` as JSON-LD with its ``@context`` in it, if ``Accept`` asks for
    ``application/ld+json``, else as JSON with the context in a ``Link`` header."""
    accepted = _accepted(request.headers.get("accept", ""))
    extra = dict(headers or {})
    if accepted == LD_JSON:
        content: Any = ([{**e, "@context": ngsi.CONTEXT} for e in body]
                        if isinstance(body, list) else {**body, "@context": ngsi.CONTEXT})
    else:
        content, extra["Link"] = body, CONTEXT_LINK
    return JSONResponse(content, status_code=status, media_type=accepted, headers=extra)


def _accepted(accept: str) -> str:
    """``application/ld+json`` if ``Accept`` names it (not with q=0), else
    ``application/json``, NGSI-LD's default."""
    for part in accept.split(","):
        media, *parameters = (p.strip().lower() for p in part.split(";"))
        if media == LD_JSON and "q=0" not in parameters:
            return LD_JSON
    return "application/json"


def _listed(text: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


@ngsi_router.get("/entities", summary="Sensors as NGSI-LD entities", responses=ENTITY_JSON,
                 response_class=JSONResponse)
def entities(request: Request, hub: HubDep, who: CallerDep,
             entity_type: Annotated[Listed, Query(alias="type")] = None,
             entity_id: Annotated[Listed, Query(alias="id")] = None,
             id_pattern: Annotated[str | None, Query(alias="idPattern", max_length=200)] = None,
             attrs: Listed = None, limit: Annotated[int, Query(ge=1, le=1000)] = 20,
             offset: Annotated[int, Query(ge=0)] = 0, count: bool = False,
             options: Options = None, answer_format: Annotated[Options, Query(
                 alias="format")] = None) -> Response:
    """The sensors of the types (``TrafficFlowObserved``, ``CrowdFlowObserved``,
    ``AirQualityObserved``, ...) or ids asked for, each with its latest reading."""
    ngsi.check_parameters(list(request.query_params), ngsi.ENTITY_PARAMETERS)
    query = ngsi.EntityQuery(
        types=_listed(entity_type), ids=_listed(entity_id), id_pattern=id_pattern,
        attrs=_listed(attrs), limit=limit, offset=offset,
        simplified=ngsi.representation(options, answer_format, temporal=False) != "normalized")
    with hub.engine.connect() as c:
        page = ngsi.query_entities(c, query)
    return _answer(request, page.entities,
                   headers={"NGSILD-Results-Count": str(page.total)} if count else None)


@ngsi_router.get("/entities/{entityId}", summary="One sensor as an NGSI-LD entity",
                 responses=ENTITY_JSON, response_class=JSONResponse)
def entity(request: Request, hub: HubDep, who: CallerDep, entity_id: EntityId,
           attrs: Listed = None, options: Options = None,
           answer_format: Annotated[Options, Query(alias="format")] = None) -> Response:
    """One sensor, with its latest reading."""
    ngsi.check_parameters(list(request.query_params), ngsi.ONE_ENTITY_PARAMETERS)
    simplified = ngsi.representation(options, answer_format, temporal=False) != "normalized"
    with hub.engine.connect() as c:
        body = ngsi.retrieve_entity(c, entity_id, attrs=_listed(attrs), simplified=simplified)
    return _answer(request, body)


@ngsi_router.get("/temporal/entities/{entityId}",
                 summary="A sensor's readings over time (NGSI-LD temporal representation)",
                 responses={**ENTITY_JSON, 206: {"description": "the first "
                            f"{ngsi.MAX_INSTANCES:,} instances; Content-Range says which"}},
                 response_class=JSONResponse)
def temporal_entity(
        request: Request, hub: HubDep, who: CallerDep, entity_id: EntityId,
        timerel: Annotated[str | None, Query(max_length=10)] = None,
        time_at: Annotated[str | None, Query(alias="timeAt", max_length=40)] = None,
        end_time_at: Annotated[str | None, Query(alias="endTimeAt", max_length=40)] = None,
        timeproperty: Annotated[str, Query(max_length=20)] = "observedAt",
        last_n: Annotated[int | None, Query(alias="lastN", ge=1, le=ngsi.MAX_INSTANCES)
                          ] = None,
        attrs: Listed = None, options: Options = None,
        answer_format: Annotated[Options, Query(alias="format")] = None,
        aggr_methods: Annotated[Listed, Query(alias="aggrMethods")] = None,
        aggr_period: Annotated[str | None, Query(alias="aggrPeriodDuration",
                                                 max_length=20)] = None) -> Response:
    """The readings of one sensor in a time range (``timerel`` before, after or between
    ``timeAt`` and ``endTimeAt``), the last ``lastN`` of them, or their aggregation
    (``options=aggregatedValues&aggrMethods=avg,max&aggrPeriodDuration=P1D``)."""
    ngsi.check_parameters(list(request.query_params), ngsi.TEMPORAL_PARAMETERS)
    if timeproperty != "observedAt":
        raise BadInput(f"timeproperty {timeproperty!r}: readings are kept by observedAt only")
    query = ngsi.TemporalQuery(
        timerel=timerel, time_at=time_at, end_time_at=end_time_at, last_n=last_n,
        attrs=_listed(attrs), values=ngsi.representation(options, answer_format, temporal=True),
        methods=_listed(aggr_methods), period=aggr_period)
    with hub.engine.connect() as c:
        found = ngsi.retrieve_temporal(c, entity_id, query)
    if not found.partial or found.first is None or found.last is None:
        return _answer(request, found.body)
    return _answer(request, found.body, status=206, headers={
        "Content-Range": f"date-time {ngsi.when(found.first)}-{ngsi.when(found.last)}/"
                         f"{ngsi.MAX_INSTANCES}"})
