"""The DPO's work queue of citizens' rights requests as JSON: the twin of /dpo/requests. DPO
only (refusals audited), every use audited."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from joinedup.api.auth import CallerDep, HubDep
from joinedup.govern import requests
from joinedup.govern.register import register
from joinedup.govern.requests import RightsRequest
from joinedup.govern.session import governed
from joinedup.server.errors import ERROR_RESPONSES

router = APIRouter(tags=["data protection officer"], responses=ERROR_RESPONSES)
RequestId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class RightsRequestPublic(BaseModel):
    """A rights request with its statutory deadline (one calendar month from receipt)."""

    id: int
    kind: Literal["subject_access", "correction", "objection"]
    status: Literal["received", "completed", "refused"]
    person_id: int | None
    account_id: int
    asked: str
    details: dict[str, Any]
    received_at: datetime
    due_on: date
    days_left: int
    overdue: bool
    decided_by: str | None
    decided_at: datetime | None
    outcome: str | None
    has_pack: bool

    @classmethod
    def of(cls, r: RightsRequest, today: date) -> RightsRequestPublic:
        return cls(id=r.id, kind=r.kind, status=r.status,  # type: ignore[arg-type]
                   person_id=r.person_id, account_id=r.account_id, asked=r.summary,
                   details=r.details, received_at=r.received_at, due_on=r.due_on,
                   days_left=r.days_left(today), overdue=r.overdue(today),
                   decided_by=r.decided_by, decided_at=r.decided_at, outcome=r.outcome,
                   has_pack=r.has_pack)


class Refusal(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


@router.get("/requests", summary="The rights-request queue, most urgent first")
def queue(hub: HubDep, who: CallerDep,
          status: Literal["received", "completed", "refused", "all"] = "received"
          ) -> list[RightsRequestPublic]:
    with governed(hub.engine) as c:
        found = requests.queue(c, who.actor, status=None if status == "all" else status,
                               now=hub.now())
    return [RightsRequestPublic.of(r, hub.now().date()) for r in found]


@router.get("/requests/{request_id}", summary="One rights request")
def one(hub: HubDep, who: CallerDep, request_id: RequestId) -> RightsRequestPublic:
    with governed(hub.engine) as c:
        found = requests.get_request(c, who.actor, request_id, now=hub.now())
    return RightsRequestPublic.of(found, hub.now().date())


@router.post("/requests/{request_id}/process",
             summary="Do what a request asks: deliver the pack, apply the correction")
def process(hub: HubDep, who: CallerDep, request_id: RequestId) -> RightsRequestPublic:
    with governed(hub.engine) as c:
        done = requests.process(c, register(c), who.actor, request_id, now=hub.now())
    return RightsRequestPublic.of(done, hub.now().date())


@router.post("/requests/{request_id}/refuse", summary="Refuse a request with a reason")
def refuse(hub: HubDep, who: CallerDep, request_id: RequestId, body: Refusal
           ) -> RightsRequestPublic:
    with governed(hub.engine) as c:
        done = requests.refuse(c, who.actor, request_id, body.reason, now=hub.now())
    return RightsRequestPublic.of(done, hub.now().date())
