"""Finding and opening a person: search, the single view with its timeline, who else is
involved and a suggested lead, my caseload, break-glass and the contact-centre call."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from joinedup.accounts.users import get_user
from joinedup.errors import AccessDenied, BadInput
from joinedup.govern import relationships
from joinedup.govern.register import register
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import Role
from joinedup.views import SearchQuery, caseload, involved, person_view, search_persons
from joinedup.web.session import VisitDep
from joinedup.web.templating import render

router = APIRouter(include_in_schema=False)
MAX_ID = 2**31 - 1
PersonId = Annotated[int, Path(ge=1, le=MAX_ID)]
Text = Annotated[str, Query(max_length=200)]
FormText = Annotated[str, Form(max_length=2000)]


@router.get("/search", response_class=HTMLResponse)
def search(request: Request, visit: VisitDep, name: Text = "", date_of_birth: Text = "",
           postcode: Text = "", nhs_number: Text = "") -> Response:
    query = SearchQuery(name=name or None, date_of_birth=date_of_birth or None,
                        postcode=postcode or None, nhs_number=nhs_number or None)
    asked = any((name, date_of_birth, postcode, nhs_number))
    result, error = None, None
    if asked:
        try:
            with governed(visit.hub.engine) as c:
                result = search_persons(c, register(c), visit.actor, visit.purpose, query,
                                        now=visit.hub.now(), policy=visit.hub.policy)
        except (BadInput, AccessDenied) as exc:
            error = exc.message
    return render(request, "search.html", 400 if error else 200, visit=visit, query=query,
                  asked=asked, result=result, error=error)


@router.get("/persons/{person_id}", response_class=HTMLResponse)
def person(request: Request, visit: VisitDep, person_id: PersonId,
           service: Text = "") -> Response:
    purpose = visit.purpose
    with governed(visit.hub.engine) as c:
        reg = register(c)
        view = person_view(c, reg, visit.actor, purpose, person_id, service=service or None,
                           now=visit.hub.now(), policy=visit.hub.policy)
        advisor = visit.actor.role is Role.CALL_CENTRE_ADVISOR
        team, contact = None, None
        if advisor:
            contact = relationships.open_contact(c, visit.actor, person_id, now=visit.hub.now(),
                                                 policy=visit.hub.policy)
        elif not view.identity_only:
            team = involved(c, reg, visit.actor, purpose, person_id, now=visit.hub.now(),
                            policy=visit.hub.policy)
    held = {g.field: g.value for g in view.golden}
    name = " ".join(held[f] for f in ("given_name", "family_name") if held.get(f))
    return render(request, "person.html", visit=visit, view=view, team=team,
                  name=name or f"Person {person_id}", service=service, advisor=advisor,
                  contact=contact, contact_hours=visit.hub.policy.live_contact_hours)


@router.post("/persons/{person_id}/break-glass")
def break_glass(visit: VisitDep, person_id: PersonId, reason: FormText = "",
                csrf_token: FormText = "") -> Response:
    visit.check(csrf_token)
    with governed(visit.hub.engine) as c:
        relationships.open_break_glass(c, visit.actor, visit.purpose, person_id, reason,
                                       policy=visit.hub.policy, now=visit.hub.now())
    return RedirectResponse(f"/persons/{person_id}", status_code=303)


@router.post("/persons/{person_id}/contact")
def start_contact(visit: VisitDep, person_id: PersonId, channel: FormText = "phone",
                  csrf_token: FormText = "") -> Response:
    """The advisor takes the person's call: detail is shown while it is open."""
    visit.check(csrf_token)
    with governed(visit.hub.engine) as c:
        relationships.start_contact(c, visit.actor, person_id, channel, now=visit.hub.now())
    # the person page finds the open contact (relationships.open_contact) to offer its end
    return RedirectResponse(f"/persons/{person_id}", status_code=303)


@router.post("/contacts/{contact_id}/end")
def end_contact(visit: VisitDep, contact_id: Annotated[int, Path(ge=1, le=MAX_ID)],
                csrf_token: FormText = "") -> Response:
    """The call is over: the advisor ends the contact, and with it their sight of detail."""
    visit.check(csrf_token)
    with governed(visit.hub.engine) as c:
        person_id = relationships.end_contact(c, visit.actor, contact_id, now=visit.hub.now())
    return RedirectResponse("/search" if person_id is None else f"/persons/{person_id}",
                            status_code=303)


@router.get("/caseload", response_class=HTMLResponse)
def my_caseload(request: Request, visit: VisitDep) -> Response:
    with governed(visit.hub.engine) as c:
        user = get_user(c, visit.actor.user)
        entries = caseload(c, register(c), visit.actor, visit.purpose,
                           email=user.email if user else None, now=visit.hub.now(),
                           policy=visit.hub.policy)
    return render(request, "caseload.html", visit=visit, entries=entries)
