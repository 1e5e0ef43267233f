"""The DPO's API: audit search, the alert queue (break-glass and unusual access), agreements
in force and the audit log's status. Every use is itself audited (purpose ``audit``)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from joinedup.api.auth import CallerDep, HubDep
from joinedup.govern import relationships, reports
from joinedup.govern.reports import Alert, AuditRow
from joinedup.govern.session import governed
from joinedup.server.errors import ERROR_RESPONSES
from joinedup.views import (
    AgreementSummary,
    ChainStatus,
    agreements_in_force,
    chain_status,
)

router = APIRouter(tags=["data protection officer"], responses=ERROR_RESPONSES)
Short = Annotated[str | None, Query(max_length=200)]


def _day(value: date | None) -> datetime | None:
    return None if value is None else datetime.combine(value, time())


@router.get("/audit/events", summary="Search the audit log, newest first")
def audit_events(hub: HubDep, who: CallerDep,
                 person_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
                 user: Short = None, organisation: Short = None, purpose: Short = None,
                 action: Short = None, decision: Literal["allow", "deny", "done"] | None = None,
                 since: date | None = None, until: date | None = None,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[AuditRow]:
    """Filters combine; a person is followed through merges and splits. ``until`` is
    exclusive."""
    with governed(hub.engine) as c:
        return reports.search_audit(c, who.actor, person_id=person_id, user=user,
                                    organisation=organisation, purpose=purpose, action=action,
                                    decision=decision, since=_day(since), until=_day(until),
                                    limit=limit, now=hub.now())


@router.get("/alerts", summary="The DPO's alert queue")
def alerts(hub: HubDep, who: CallerDep,
           status: Literal["open", "closed", "all"] = "open") -> list[Alert]:
    with governed(hub.engine) as c:
        return reports.alerts(c, who.actor, status=None if status == "all" else status,
                              now=hub.now())


class AlertClose(BaseModel):
    outcome: Literal["no_concern", "flagged", "escalated"]
    note: str = Field(min_length=1, max_length=2000)


@router.post("/alerts/{alert_id}/close", summary="Close an alert with an outcome",
             status_code=204)
def close_alert(hub: HubDep, who: CallerDep, alert_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
                body: AlertClose) -> None:
    with governed(hub.engine) as c:
        relationships.close_alert(c, who.actor, alert_id, body.outcome, body.note,
                                  now=hub.now())


@router.get("/agreements", summary="Sharing agreements in force today")
def agreements(hub: HubDep, who: CallerDep) -> list[AgreementSummary]:
    with governed(hub.engine) as c:
        return list(agreements_in_force(c, who.actor, now=hub.now()))


@router.get("/audit/status", summary="The audit log: size, last signed checkpoint, verify")
def status(hub: HubDep, who: CallerDep, verify: bool = False) -> ChainStatus:
    """``verify=true`` checks every event against the signed checkpoints (seconds for a
    large log)."""
    with governed(hub.engine) as c:
        return chain_status(c, who.actor, key_dir=hub.settings.key_dir, now=hub.now(),
                            verify=verify)
