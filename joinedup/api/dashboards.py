"""The evidence dashboards' figures, the web pages' JSON and CSV twin: aggregates only, for an
analyst sending ``X-Purpose: analytics``; anyone else is refused, and every answer (and
refusal) audited."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel

from joinedup.api.auth import CallerDep, HubDep, PurposeDep
from joinedup.dashboards import DASHBOARDS, Dashboard, Options, dashboard
from joinedup.govern.session import governed
from joinedup.server.errors import ERROR_RESPONSES

router = APIRouter(tags=["dashboards"], responses=ERROR_RESPONSES)
Name = Annotated[str, Path(max_length=50, description="duplication, overlap, visits or demand")]
Ward = Annotated[str | None, Query(max_length=200, description="Service demand and sensors of "
                                                               "one ward only.")]


class DashboardSummary(BaseModel):
    name: str
    title: str
    question: str
    charts: list[str]
    asks: list[str]
    """What it may be narrowed by: ``dates`` (``since``, ``until``), ``ward``."""


@router.get("/dashboards", summary="The evidence dashboards there are")
def index(who: CallerDep) -> list[DashboardSummary]:
    """Names, questions and chart keys: no figures, so nothing to audit."""
    return [DashboardSummary(name=k.name, title=k.title, question=k.question,
                             charts=list(k.charts), asks=sorted(k.asks))
            for k in DASHBOARDS.values()]


@router.get("/dashboards/{name}", summary="One dashboard's figures")
def figures(hub: HubDep, who: CallerDep, purpose: PurposeDep, name: Name,
            since: date | None = None, until: date | None = None, ward: Ward = None
            ) -> Dashboard:
    """Every chart's table: labels, measures and rows, a held-back value as ``null``."""
    options = Options.from_settings(hub.settings, since=since, until=until, ward=ward)
    with governed(hub.engine) as c:
        return dashboard(c, who.actor, purpose, name, options=options, now=hub.now())


@router.get("/dashboards/{name}/{chart}.csv", summary="One chart's figures as CSV",
            response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def download(hub: HubDep, who: CallerDep, purpose: PurposeDep, name: Name,
             chart: Annotated[str, Path(max_length=50)], since: date | None = None,
             until: date | None = None, ward: Ward = None) -> Response:
    """The same figures as the web page's download, a held-back value as ``<5``."""
    options = Options.from_settings(hub.settings, since=since, until=until, ward=ward)
    with governed(hub.engine) as c:
        board = dashboard(c, who.actor, purpose, name, options=options, now=hub.now(),
                          download=chart)
    return Response(board.table(chart).csv(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="{name}-{chart}.csv"'})
