"""Tell us once, for an agency's own system: the change notifications addressed to the
agencies the caller acts for, and its decision on each (``X-Purpose: data_quality``).

An agency's system signs in as a data engineer account of its organisation (``joinedup users
add SYSTEM --role data_engineer --organisation "Norfolk Constabulary"``), polls for pending
notifications, updates its own records and accepts (or rejects, with a reason the person is
shown). Another agency's notification is refused, and the refusal audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from joinedup.api.auth import CallerDep, HubDep, PurposeDep
from joinedup.govern import changes
from joinedup.govern.session import governed
from joinedup.server.errors import ERROR_RESPONSES

router = APIRouter(tags=["tell us once"], responses=ERROR_RESPONSES)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


class FieldChangePublic(BaseModel):
    field: str
    old: str | None = Field(description="What the agency's feed had when the change was "
                            "reported (null for a sealed record).")
    new: str
    current: str | None = Field(description="What its latest feed has now.")


class RecordChangePublic(BaseModel):
    source: str
    record_id: str = Field(description="The agency's own id of the record.")
    sealed: bool
    applied: bool = Field(description="The latest feed carries every new value.")
    fields: list[FieldChangePublic]


class NotificationPublic(BaseModel):
    id: int
    change_id: int
    person_id: int | None
    agency: str
    kind: Literal["address", "phone", "email"]
    new_values: dict[str, str]
    reported_at: datetime
    status: Literal["pending", "accepted", "rejected", "applied"]
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None
    records: list[RecordChangePublic] = Field(description="The agency's person records the "
                                              "change concerns; empty when it holds only "
                                              "activity (a visit, a flag) about the person.")


def public(n: changes.Notification) -> NotificationPublic:
    return NotificationPublic(
        id=n.id, change_id=n.change_id, person_id=n.person_id, agency=n.agency,
        kind=n.kind,  # type: ignore[arg-type]  # one of changes.KINDS
        new_values=n.new_values, reported_at=n.reported_at,
        status=n.shown_status,  # type: ignore[arg-type]  # one of STATUSES or APPLIED
        decided_by=n.decided_by, decided_at=n.decided_at, reason=n.reason,
        records=[RecordChangePublic(source=r.source, record_id=r.record_key, sealed=r.sealed,
                                    applied=r.applied, fields=[
                                        FieldChangePublic(field=f.field, old=f.old, new=f.new,
                                                          current=f.current)
                                        for f in r.fields]) for r in n.records])


@router.get("/changes", summary="Change notifications for the agencies you act for")
def notifications(hub: HubDep, who: CallerDep, purpose: PurposeDep,
                  status: Literal["pending", "accepted", "rejected", "all"] = "pending",
                  agency: Annotated[str | None, Query(max_length=200)] = None,
                  limit: Annotated[int, Query(ge=1, le=1000)] = 200
                  ) -> list[NotificationPublic]:
    """Oldest first; pending ones unless ``status`` says otherwise (``all`` for every one).
    Every person shown is audited."""
    with governed(hub.engine) as c:
        return [public(n) for n in changes.notifications(
            c, who.actor, purpose or "", agency_name=agency,
            status=None if status == "all" else status, limit=limit, now=hub.now(),
            council=changes.Council.from_settings(hub.settings))]


@router.get("/changes/{notification_id}", summary="One change notification")
def notification(hub: HubDep, who: CallerDep, purpose: PurposeDep, notification_id: Id
                 ) -> NotificationPublic:
    with governed(hub.engine) as c:
        return public(changes.notification(
            c, who.actor, purpose or "", notification_id, now=hub.now(),
            council=changes.Council.from_settings(hub.settings)))


class ChangeDecision(BaseModel):
    accept: bool = Field(description="true: your agency will update its own system; false: "
                         "it will not (give the reason).")
    reason: str = Field(default="", max_length=2000, description="Shown to the person; "
                        "required to reject.")


@router.post("/changes/{notification_id}/decision", summary="Accept or reject a change")
def decide(hub: HubDep, who: CallerDep, purpose: PurposeDep, notification_id: Id,
           body: ChangeDecision) -> NotificationPublic:
    with governed(hub.engine) as c:
        return public(changes.decide(c, who.actor, purpose or "", notification_id,
                                     accept=body.accept, reason=body.reason, now=hub.now(),
                                     council=changes.Council.from_settings(hub.settings)))
