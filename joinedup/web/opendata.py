"""The public open data pages: the catalogue and each dataset (what it counts, its licence
and disclosure control, a chart, the figures, downloads). No sign-in; rate-limited like the
API; only what a release published is shown."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from joinedup.api.auth import HubDep
from joinedup.api.opendata import find, too_many, wait
from joinedup.dashboards import Measure, Row, chart_svg
from joinedup.dashboards import Table as Figures
from joinedup.opendata import releases
from joinedup.opendata.dcat import OGL
from joinedup.opendata.disclosure import TOTAL
from joinedup.opendata.tables import SUPPRESSED, Table
from joinedup.web.templating import render

router = APIRouter(include_in_schema=False)


def chart(table: Table) -> str:
    """A person-derived table's totals as bars, area by area (areas with nobody left out); a
    sensor table's measure as a line a ward, month by month (``dashboards.charts``)."""
    measures = tuple(Measure(m) for m in table.measures)
    if table.person_derived:  # the areas with anyone in them (a suppressed total reads [c])
        rows = tuple(Row(labels, values) for labels, values in table.rows
                     if labels[0] != TOTAL and values[-1] != 0)
        drawn, kind = (len(measures) - 1,), "bars"
    else:
        rows = tuple(Row(labels, values) for labels, values in table.rows)
        drawn, kind = (0,), "lines"
    return chart_svg(Figures(table.key, table.title, table.description, table.labels,
                             measures, rows, kind, drawn, SUPPRESSED))


def _limited(request: Request, hub: HubDep) -> Response | None:
    seconds = wait(request, hub)
    if not seconds:
        return None
    page = render(request, "error.html", 429, visit=None, title="Too many requests",
                  message=too_many(seconds), hint=None)
    page.headers["Retry-After"] = str(seconds)
    return page


@router.get("/opendata", response_class=HTMLResponse)
def catalogue(request: Request, hub: HubDep) -> Response:
    if (refused := _limited(request, hub)) is not None:
        return refused
    with hub.engine.connect() as connection:
        release = releases.load(connection)
    return render(request, "opendata.html", visit=None, release=release)


@router.get("/opendata/{name}", response_class=HTMLResponse)
def dataset(request: Request, hub: HubDep, name: Annotated[str, Path(max_length=100)]
            ) -> Response:
    if (refused := _limited(request, hub)) is not None:
        return refused
    release, found, _table = find(hub, name)
    return render(request, "opendata_dataset.html", visit=None, release=release,
                  dataset=found, charts=[(t, chart(t)) for t in found.tables], licence=OGL,
                  publisher=hub.settings.opendata_publisher, suppressed=SUPPRESSED)

