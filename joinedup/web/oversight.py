"""The DPO's pages: the alert queue (break-glass uses to review), agreements in force, the
audit log's status, and audit search."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from joinedup.errors import BadInput
from joinedup.govern import relationships, reports
from joinedup.govern.session import governed
from joinedup.views import agreements_in_force, chain_status
from joinedup.web.session import Visit, VisitDep
from joinedup.web.templating import render

router = APIRouter(include_in_schema=False)
Short = Annotated[str, Query(max_length=200)]


def _overview(request: Request, visit: Visit, *, verify: bool) -> Response:
    with governed(visit.hub.engine) as c:
        alerts = reports.alerts(c, visit.actor, now=visit.hub.now())
        glass = {g.id: g for g in reports.break_glass_report(c, visit.actor, now=visit.hub.now())}
        agreements = agreements_in_force(c, visit.actor, now=visit.hub.now())
        chain = chain_status(c, visit.actor, key_dir=visit.hub.settings.key_dir,
                             now=visit.hub.now(), verify=verify)
    return render(request, "dpo.html", visit=visit, alerts=alerts, glass=glass,
                  agreements=agreements, chain=chain)


@router.get("/dpo", response_class=HTMLResponse)
def overview(request: Request, visit: VisitDep) -> Response:
    return _overview(request, visit, verify=False)


@router.post("/dpo/verify", response_class=HTMLResponse)
def verify(request: Request, visit: VisitDep,
           csrf_token: Annotated[str, Form(max_length=100)] = "") -> Response:
    visit.check(csrf_token)
    return _overview(request, visit, verify=True)


@router.post("/dpo/alerts/{alert_id}/close")
def close(visit: VisitDep, alert_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
          outcome: Annotated[str, Form(max_length=20)] = "",
          note: Annotated[str, Form(max_length=2000)] = "",
          csrf_token: Annotated[str, Form(max_length=100)] = "") -> Response:
    visit.check(csrf_token)
    with governed(visit.hub.engine) as c:
        relationships.close_alert(c, visit.actor, alert_id, outcome, note, now=visit.hub.now())
    return RedirectResponse("/dpo", status_code=303)


def _day(value: str, name: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), time())
    except ValueError:
        raise BadInput(f"{name}: expected a date as YYYY-MM-DD, got {value!r}") from None


@router.get("/dpo/audit", response_class=HTMLResponse)
def audit_search(request: Request, visit: VisitDep, person_id: Short = "", user: Short = "",
                 purpose: Short = "", action: Short = "", decision: Short = "",
                 since: Short = "", until: Short = "") -> Response:
    asked = {"person_id": person_id, "user": user, "purpose": purpose, "action": action,
             "decision": decision, "since": since, "until": until}
    rows, error = None, None
    if any(asked.values()):
        try:
            if person_id and not person_id.isdigit():
                raise BadInput(f"person id: expected a number, got {person_id!r}")
            with governed(visit.hub.engine) as c:
                rows = reports.search_audit(
                    c, visit.actor, person_id=int(person_id) if person_id else None,
                    user=user or None, purpose=purpose or None, action=action or None,
                    decision=decision or None, since=_day(since, "since"),
                    until=_day(until, "until"), now=visit.hub.now())
        except BadInput as exc:
            error = exc.message
    return render(request, "audit.html", 400 if error else 200, visit=visit, asked=asked,
                  rows=rows, error=error)
