"""The DPO's work queue of citizens' rights requests, at /dpo/requests: each request with its
statutory deadline (overdue ones first and marked), a button to process it (build and deliver
the subject access pack, apply the correction), a refusal with a reason, and the accesses
recently withheld from citizens under an exemption."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from joinedup.errors import BadInput
from joinedup.govern import reports, requests
from joinedup.govern.register import register
from joinedup.govern.session import governed
from joinedup.web.session import Visit, VisitDep
from joinedup.web.templating import render

router = APIRouter(include_in_schema=False)
RequestId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Token = Annotated[str, Form(max_length=100)]


def _queue(request: Request, visit: Visit, *, status: str, error: str | None = None,
           status_code: int = 200) -> Response:
    with governed(visit.hub.engine) as c:
        found = requests.queue(c, visit.actor, status=status or None, now=visit.hub.now())
        withheld = reports.search_audit(c, visit.actor, action="withhold_accesses", limit=20,
                                        now=visit.hub.now())
    return render(request, "requests.html", status_code, visit=visit, requests=found,
                  status=status, statuses=requests.STATUSES, today=visit.hub.now().date(),
                  kinds=requests.KINDS, withheld=withheld, error=error)


@router.get("/dpo/requests", response_class=HTMLResponse)
def queue(request: Request, visit: VisitDep,
          status: Annotated[str, Query(max_length=20)] = requests.RECEIVED) -> Response:
    return _queue(request, visit, status=status)


@router.get("/dpo/requests/{request_id}", response_class=HTMLResponse)
def one(request: Request, visit: VisitDep, request_id: RequestId) -> Response:
    with governed(visit.hub.engine) as c:
        found = requests.get_request(c, visit.actor, request_id, now=visit.hub.now())
        notes = (requests.dpo_notes(c, visit.actor, request_id, now=visit.hub.now())
                 if found.has_pack else None)
    return render(request, "requests_one.html", visit=visit, r=found, notes=notes,
                  today=visit.hub.now().date(), kinds=requests.KINDS, error=None)


@router.post("/dpo/requests/{request_id}/process")
def process(request: Request, visit: VisitDep, request_id: RequestId, csrf_token: Token = ""
            ) -> Response:
    visit.check(csrf_token)
    try:
        with governed(visit.hub.engine) as c:
            requests.process(c, register(c), visit.actor, request_id, now=visit.hub.now())
    except BadInput as exc:
        return _queue(request, visit, status=requests.RECEIVED, error=exc.message,
                      status_code=exc.http_status)
    return RedirectResponse(f"/dpo/requests/{request_id}", status_code=303)


@router.post("/dpo/requests/{request_id}/refuse")
def refuse(request: Request, visit: VisitDep, request_id: RequestId,
           reason: Annotated[str, Form(max_length=2000)] = "", csrf_token: Token = ""
           ) -> Response:
    visit.check(csrf_token)
    try:
        with governed(visit.hub.engine) as c:
            requests.refuse(c, visit.actor, request_id, reason, now=visit.hub.now())
    except BadInput as exc:
        return _queue(request, visit, status=requests.RECEIVED, error=exc.message,
                      status_code=exc.http_status)
    return RedirectResponse(f"/dpo/requests/{request_id}", status_code=303)
