"""The data engineer's API: loads with their quarantine and warnings, and the linkage review
queue, each read and decision audited (purpose ``data_quality``; the DPO may read for
``audit``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from joinedup.api.auth import CallerDep, HubDep, PurposeDep
from joinedup.govern.session import governed
from joinedup.server.errors import ERROR_RESPONSES
from joinedup.store.loads import LoadRow
from joinedup.views import (
    LoadView,
    ReviewDetail,
    ReviewSummary,
    decide_review,
    load_view,
    loads_overview,
    review_detail,
    review_queue,
)

router = APIRouter(tags=["data engineer"], responses=ERROR_RESPONSES)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/loads", summary="Loads, newest first")
def loads(hub: HubDep, who: CallerDep, purpose: PurposeDep,
          source: Annotated[str | None, Query(max_length=100)] = None,
          limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[LoadRow]:
    with governed(hub.engine) as c:
        return list(loads_overview(c, who.actor, purpose or "", now=hub.now(), limit=limit,
                                   source=source))


@router.get("/loads/{load_id}", summary="One load: its quarantined rows and warnings")
def load(hub: HubDep, who: CallerDep, purpose: PurposeDep, load_id: Id) -> LoadView:
    with governed(hub.engine) as c:
        return load_view(c, who.actor, purpose or "", load_id, now=hub.now())


@router.get("/reviews", summary="Pairs the linkage could not decide")
def reviews(hub: HubDep, who: CallerDep, purpose: PurposeDep,
            status: Literal["open", "accepted", "rejected", "stale"] = "open",
            limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[ReviewSummary]:
    with governed(hub.engine) as c:
        return list(review_queue(c, who.actor, purpose or "", now=hub.now(), status=status,
                                 limit=limit))


@router.get("/reviews/{review_id}", summary="Two records side by side, and why they scored so")
def review(hub: HubDep, who: CallerDep, purpose: PurposeDep, review_id: Id) -> ReviewDetail:
    with governed(hub.engine) as c:
        return review_detail(c, who.actor, purpose or "", review_id, now=hub.now())


class ReviewDecision(BaseModel):
    accept: bool = Field(description="true: the same person (must-link); false: different "
                         "people (cannot-link). Every later link run respects it.")
    reason: str = Field(min_length=1, max_length=2000)


class OverridePublic(BaseModel):
    override_id: int


@router.post("/reviews/{review_id}/decision", summary="Accept or reject a pair",
             status_code=201)
def decide(hub: HubDep, who: CallerDep, purpose: PurposeDep, review_id: Id,
           body: ReviewDecision) -> OverridePublic:
    with governed(hub.engine) as c:
        return OverridePublic(override_id=decide_review(
            c, who.actor, purpose or "", review_id, accept=body.accept, reason=body.reason,
            now=hub.now()))
