"""The start page: the tasks of the signed-in person's role."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from joinedup.dashboards import DASHBOARDS
from joinedup.govern.vocabulary import Role
from joinedup.web.session import VisitDep
from joinedup.web.templating import render

router = APIRouter(include_in_schema=False)

EMERGENCY_ROLES = {Role.EMERGENCY_PLANNER, Role.POLICE_OFFICER, Role.FIRE_OFFICER}
FRONT_LINE = {Role.SOCIAL_WORKER, Role.COMMUNITY_NURSE, Role.POLICE_OFFICER, Role.FIRE_OFFICER}
SEARCH = ("/search", "Find a person", "Search by name, date of birth, postcode or NHS number.")
EMERGENCY = ("/emergency", "Vulnerable people in an area",
             "Pick a flood zone or upload a polygon: who inside needs help to leave, on a map.")
TASKS: dict[Role, tuple[tuple[str, str, str], ...]] = {
    Role.CALL_CENTRE_ADVISOR: (SEARCH,),
    Role.EMERGENCY_PLANNER: (EMERGENCY, SEARCH),
    Role.ANALYST: tuple((f"/dashboards/{kind.name}", kind.title, kind.question)
                        for kind in DASHBOARDS.values()),
    Role.DATA_ENGINEER: (
        ("/loads", "Loads", "What each feed delivered, quarantined rows and warnings."),
        ("/reviews", "Linkage review", "Pairs the linkage could not decide: accept or reject."),
        ("/changes", "Change notifications",
         "Residents' new addresses, phones and emails to accept or reject.")),
    Role.DPO: (
        ("/dpo", "Oversight", "Break-glass alerts, agreements in force, audit log status."),
        ("/dpo/requests", "Rights requests",
         "Citizens' subject access, correction and objection requests, most urgent first."),
        ("/dpo/audit", "Audit search", "Who looked at what, when and why."),
        ("/loads", "Loads", "What each feed delivered."),
        ("/reviews", "Linkage review", "Pairs waiting for a decision.")),
    **{role: (("/caseload", "My caseload", "The people you are key worker for."), SEARCH,
              *((EMERGENCY,) if role in EMERGENCY_ROLES else ()))
       for role in FRONT_LINE},
}


@router.get("/", response_class=HTMLResponse)
def home(request: Request, visit: VisitDep) -> Response:
    return render(request, "home.html", visit=visit, tasks=TASKS.get(visit.actor.role, ()))
