"""The analyst's dashboards: each a page of server-drawn charts with the figures in a table
under each, and every chart's figures as a CSV download. Only aggregates reach the page;
each view and each download is audited (``joinedup.dashboards``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from joinedup.dashboards import DASHBOARDS, Options, chart_svg, dashboard, kind_of
from joinedup.dashboards.demand import wards
from joinedup.errors import BadInput
from joinedup.govern.session import governed
from joinedup.web.session import VisitDep
from joinedup.web.templating import render

router = APIRouter(include_in_schema=False)
Name = Annotated[str, Path(max_length=50)]
Asked = Annotated[str, Query(max_length=200)]


def _day(value: str, label: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{label}: expected a date as YYYY-MM-DD, got {value!r}") from None


def _asked(since: str, until: str, ward: str) -> dict[str, str]:
    """What the analyst narrowed the page by, as the query string that repeats it."""
    return {k: v for k, v in (("since", since), ("until", until), ("ward", ward)) if v}


@router.get("/dashboards", response_class=HTMLResponse)
def index(request: Request, visit: VisitDep) -> Response:
    """The dashboards there are: names and questions, no figures (nothing to audit)."""
    return render(request, "dashboards.html", visit=visit, kinds=DASHBOARDS.values())


@router.get("/dashboards/{name}", response_class=HTMLResponse)
def page(request: Request, visit: VisitDep, name: Name, since: Asked = "", until: Asked = "",
         ward: Asked = "") -> Response:
    kind = kind_of(name)
    asked = _asked(since, until, ward)
    options = Options.from_settings(visit.hub.settings, since=_day(since, "from"),
                                    until=_day(until, "to"), ward=ward)
    with governed(visit.hub.engine) as c:
        board = dashboard(c, visit.actor, visit.purpose, name, options=options,
                          now=visit.hub.now())
        places = wards(c) if "ward" in kind.asks else []
    return render(request, "dashboard.html", visit=visit, kind=kind, board=board,
                  charts=[(t, chart_svg(t)) for t in board.tables], asked=asked,
                  query=urlencode(asked), wards=places)


@router.get("/dashboards/{name}/{chart}.csv")
def download(visit: VisitDep, name: Name, chart: Annotated[str, Path(max_length=50)],
             since: Asked = "", until: Asked = "", ward: Asked = "") -> Response:
    """One chart's figures, exactly as the page shows them, audited as a download."""
    options = Options.from_settings(visit.hub.settings, since=_day(since, "from"),
                                    until=_day(until, "to"), ward=ward)
    with governed(visit.hub.engine) as c:
        board = dashboard(c, visit.actor, visit.purpose, name, options=options,
                          now=visit.hub.now(), download=chart)
    return Response(board.table(chart).csv(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="{name}-{chart}.csv"'})
