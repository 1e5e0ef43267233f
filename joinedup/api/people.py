"""Persons: search, the single view, who else is involved, my caseload, break-glass and the
contact-centre call. Every answer is decided and audited by ``joinedup.govern``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from joinedup.accounts.users import get_user
from joinedup.api.auth import CallerDep, HubDep, PurposeDep
from joinedup.govern import relationships
from joinedup.govern.register import register
from joinedup.govern.session import governed
from joinedup.server.errors import ERROR_RESPONSES
from joinedup.views import (
    CaseloadEntry,
    Involved,
    PersonView,
    SearchQuery,
    SearchResult,
    caseload,
    involved,
    person_view,
    search_persons,
)

router = APIRouter(tags=["persons"], responses=ERROR_RESPONSES)

MAX_ID = 2**31 - 1
PersonId = Annotated[int, Path(ge=1, le=MAX_ID, description="The hub's person id.")]
Text = Annotated[str | None, Query(max_length=200)]


@router.get("/persons", summary="Search for a person")
def search(hub: HubDep, who: CallerDep, purpose: PurposeDep, name: Text = None,
           date_of_birth: Text = None, postcode: Text = None, nhs_number: Text = None,
           limit: Annotated[int, Query(ge=1, le=100)] = 20) -> SearchResult:
    """Fuzzy search by name, date of birth, postcode or NHS number, ranked, identity only.
    Each person listed is an audited decision."""
    query = SearchQuery(name=name, date_of_birth=date_of_birth, postcode=postcode,
                        nhs_number=nhs_number)
    with governed(hub.engine) as c:
        return search_persons(c, register(c), who.actor, purpose, query, limit=limit,
                              now=hub.now(), policy=hub.policy)


@router.get("/persons/{person_id}", summary="The single view of one person")
def person(hub: HubDep, who: CallerDep, purpose: PurposeDep, person_id: PersonId,
           service: Text = None) -> PersonView:
    """The golden record, the timeline of contacts across agencies (newest first, optionally
    one service), open involvements, household and flags: as far as policy allows."""
    with governed(hub.engine) as c:
        return person_view(c, register(c), who.actor, purpose, person_id, service=service,
                           now=hub.now(), policy=hub.policy)


@router.get("/persons/{person_id}/involved", summary="Everyone involved, and a suggested lead")
def involved_with(hub: HubDep, who: CallerDep, purpose: PurposeDep,
                  person_id: PersonId) -> Involved:
    with governed(hub.engine) as c:
        return involved(c, register(c), who.actor, purpose, person_id, now=hub.now(),
                        policy=hub.policy)


@router.get("/caseload", summary="My caseload")
def my_caseload(hub: HubDep, who: CallerDep, purpose: PurposeDep) -> list[CaseloadEntry]:
    """Persons with an open involvement whose key worker is the caller (or, without a
    matching practitioner, the caller's team)."""
    with governed(hub.engine) as c:
        user = get_user(c, who.actor.user)
        return list(caseload(c, register(c), who.actor, purpose,
                             email=user.email if user else None, now=hub.now(),
                             policy=hub.policy))


class BreakGlassCreate(BaseModel):
    reason: str = Field(min_length=1, max_length=2000,
                        description="Why detail is needed now, before a relationship can be "
                        "recorded. The DPO reviews every use.")


class BreakGlassPublic(BaseModel):
    id: int
    alert_id: int
    expires_at: str


@router.post("/persons/{person_id}/break-glass", summary="Break glass", status_code=201)
def break_glass(hub: HubDep, who: CallerDep, purpose: PurposeDep, person_id: PersonId,
                body: BreakGlassCreate) -> BreakGlassPublic:
    """Emergency access to a person's detail for a limited time, with a stated reason; it
    raises an alert the DPO must close."""
    with governed(hub.engine) as c:
        glass = relationships.open_break_glass(c, who.actor, purpose or "", person_id,
                                               body.reason, policy=hub.policy, now=hub.now())
    return BreakGlassPublic(id=glass.id, alert_id=glass.alert_id,
                            expires_at=glass.expires_at.isoformat())


class ContactCreate(BaseModel):
    channel: str = Field(default="phone", min_length=1, max_length=50)


class ContactPublic(BaseModel):
    id: int


@router.post("/persons/{person_id}/contacts", summary="Start a contact-centre call",
             status_code=201)
def start_contact(hub: HubDep, who: CallerDep, person_id: PersonId,
                  body: ContactCreate) -> ContactPublic:
    """An advisor takes a call from the person: while it is open, they may see detail."""
    with governed(hub.engine) as c:
        return ContactPublic(id=relationships.start_contact(c, who.actor, person_id,
                                                            body.channel, now=hub.now()))


@router.post("/contacts/{contact_id}/end", summary="End a contact-centre call",
             status_code=204)
def end_contact(hub: HubDep, who: CallerDep,
                contact_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> None:
    with governed(hub.engine) as c:
        relationships.end_contact(c, who.actor, contact_id, now=hub.now())
