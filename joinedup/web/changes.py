"""Tell us once in the browser: the citizen reports a change and follows it agency by agency
(/citizen/changes); a data engineer sees the notifications for the agencies they act for, the
citizen's old and new values per record, and accepts or rejects each (/changes)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from joinedup.citizen import Citizen
from joinedup.errors import BadInput
from joinedup.govern import changes
from joinedup.govern.session import governed
from joinedup.server.hub import Hub
from joinedup.views.engineering import WITHHELD_TEXT
from joinedup.web.citizen import CitizenDep, HubDep, check_citizen_csrf
from joinedup.web.session import Visit, VisitDep
from joinedup.web.templating import render

router = APIRouter(include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Text = Annotated[str, Form(max_length=300)]
Token = Annotated[str, Form(max_length=100)]
SHOWN = ("pending", "accepted", "rejected")


# -- the data engineer -----------------------------------------------------------------------

def _council(visit: Visit) -> changes.Council:
    return changes.Council.from_settings(visit.hub.settings)


def _engineer_page(request: Request, visit: Visit, status: str, *, code: int = 200,
                   error: str | None = None) -> Response:
    with governed(visit.hub.engine) as c:
        found = changes.notifications(c, visit.actor, visit.purpose, status=status,
                                      now=visit.hub.now(), council=_council(visit))
    return render(request, "changes.html", code, visit=visit, notifications=found,
                  status=status, statuses=SHOWN, error=error, withheld=WITHHELD_TEXT)


@router.get("/changes", response_class=HTMLResponse)
def notifications(request: Request, visit: VisitDep,
                  status: Literal["pending", "accepted", "rejected"] = "pending") -> Response:
    return _engineer_page(request, visit, status)


@router.post("/changes/{notification_id}/decision")
def decide(request: Request, visit: VisitDep, notification_id: Id,
           decision: Annotated[str, Form(pattern="^(accept|reject)$")],
           reason: Annotated[str, Form(max_length=2000)] = "", csrf_token: Token = ""
           ) -> Response:
    visit.check(csrf_token)
    try:
        with governed(visit.hub.engine) as c:
            changes.decide(c, visit.actor, visit.purpose, notification_id,
                           accept=decision == "accept", reason=reason, now=visit.hub.now(),
                           council=_council(visit))
    except BadInput as exc:
        return _engineer_page(request, visit, "pending", code=400, error=exc.message)
    return RedirectResponse(f"/changes?decided={notification_id}", status_code=303)


# -- the citizen -----------------------------------------------------------------------------

def _citizen_page(request: Request, hub: Hub, citizen: Citizen, *, code: int = 200,
                  error: str | None = None, entered: dict[str, str] | None = None
                  ) -> Response:
    with governed(hub.engine) as c:
        mine = changes.changes_of(c, citizen.actor, citizen.person_id, now=hub.now())
        told = changes.told(c, citizen.person_id)
    return render(request, "citizen_change.html", code, citizen=citizen, changes=mine,
                  told=told, error=error, entered=entered or {"kind": "address"},
                  kinds=changes.KINDS)


@router.get("/citizen/changes", response_class=HTMLResponse)
def report_form(request: Request, hub: HubDep, citizen: CitizenDep) -> Response:
    return _citizen_page(request, hub, citizen)


@router.post("/citizen/changes")
def report(request: Request, hub: HubDep, citizen: CitizenDep, kind: Text = "",
           address: Text = "", postcode: Text = "", phone: Text = "", email: Text = "",
           csrf_token: Token = "") -> Response:
    check_citizen_csrf(citizen, csrf_token)
    entered = {"kind": kind, "address": address, "postcode": postcode, "phone": phone,
               "email": email}
    values = {name: entered[name] for name in changes.KINDS.get(kind, ())}
    try:
        with governed(hub.engine) as c:
            done = changes.report_change(c, citizen.actor, citizen.person_id, kind, values,
                                         now=hub.now())
    except BadInput as exc:
        return _citizen_page(request, hub, citizen, code=400, error=exc.message,
                             entered=entered)
    return RedirectResponse(f"/citizen/changes/{done.change_id}", status_code=303)


@router.get("/citizen/changes/{change_id}", response_class=HTMLResponse)
def status(request: Request, hub: HubDep, citizen: CitizenDep, change_id: Id) -> Response:
    with governed(hub.engine) as c:
        found = changes.change_of(c, citizen.actor, citizen.person_id, change_id,
                                  now=hub.now())
    return render(request, "citizen_change_status.html", citizen=citizen, change=found,
                  kinds=changes.KINDS)
