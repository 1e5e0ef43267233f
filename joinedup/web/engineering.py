"""The data engineer's pages: loads with their quarantine and warnings, and the linkage review
queue with the two records side by side and the match weight drawn as a waterfall."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from joinedup.govern.session import governed
from joinedup.link.charts import waterfall
from joinedup.views import (
    decide_review,
    load_view,
    loads_overview,
    review_detail,
    review_queue,
)
from joinedup.web.session import VisitDep
from joinedup.web.templating import render

router = APIRouter(include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/loads", response_class=HTMLResponse)
def loads(request: Request, visit: VisitDep) -> Response:
    with governed(visit.hub.engine) as c:
        rows = loads_overview(c, visit.actor, visit.purpose, now=visit.hub.now())
    return render(request, "loads.html", visit=visit, loads=rows)


@router.get("/loads/{load_id}", response_class=HTMLResponse)
def load(request: Request, visit: VisitDep, load_id: Id) -> Response:
    with governed(visit.hub.engine) as c:
        view = load_view(c, visit.actor, visit.purpose, load_id, now=visit.hub.now())
    return render(request, "load.html", visit=visit, view=view)


@router.get("/reviews", response_class=HTMLResponse)
def reviews(request: Request, visit: VisitDep) -> Response:
    with governed(visit.hub.engine) as c:
        pairs = review_queue(c, visit.actor, visit.purpose, now=visit.hub.now())
    return render(request, "reviews.html", visit=visit, pairs=pairs)


@router.get("/reviews/{review_id}", response_class=HTMLResponse)
def review(request: Request, visit: VisitDep, review_id: Id) -> Response:
    with governed(visit.hub.engine) as c:
        detail = review_detail(c, visit.actor, visit.purpose, review_id, now=visit.hub.now())
    # The chart is built by joinedup.link.charts, which escapes every label it draws.
    chart = Markup(waterfall(detail.explanation, threshold=detail.threshold))
    return render(request, "review.html", visit=visit, detail=detail, chart=chart)


@router.post("/reviews/{review_id}/decision")
def decide(visit: VisitDep, review_id: Id,
           decision: Annotated[str, Form(pattern="^(accept|reject)$")],
           reason: Annotated[str, Form(max_length=2000)] = "",
           csrf_token: Annotated[str, Form(max_length=100)] = "") -> Response:
    visit.check(csrf_token)
    with governed(visit.hub.engine) as c:
        decide_review(c, visit.actor, visit.purpose, review_id, accept=decision == "accept",
                      reason=reason, now=visit.hub.now())
    return RedirectResponse(f"/reviews?decided={review_id}", status_code=303)
