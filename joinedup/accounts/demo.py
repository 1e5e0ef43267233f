"""Demo logins, one per role, for trying the hub on the synthetic county.

The front-line logins are real practitioners of the store: the key worker of each agency with
the most open involvements (failing that, with the most contacts), so their name, email and
team are that practitioner's and "my caseload" shows real cases. Everyone else is made up.
All share ``DEMO_PASSWORD``, which is published, so production mode refuses to start while
any demo login is enabled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, or_, select

from joinedup.accounts.passwords import DEMO_PASSWORD
from joinedup.accounts.users import User, add_user, get_user, naive_utc
from joinedup.govern.vocabulary import Actor, Role
from joinedup.store.schema import agency, contact, involvement, practitioner

DEMO_OPERATOR = "joinedup demo"


@dataclass(frozen=True)
class DemoLogin:
    role: Role
    username: str
    organisation: str
    display_name: str
    """Used when the store has no practitioner of the organisation to stand in."""
    front_line: bool = False


DEMO_LOGINS = (
    DemoLogin(Role.CALL_CENTRE_ADVISOR, "demo.advisor",
              "Norfolk County Council Customer Services", "Dana Advisor (demo)"),
    DemoLogin(Role.SOCIAL_WORKER, "demo.social_worker", "Adult Social Care",
              "Sam Social Worker (demo)", front_line=True),
    DemoLogin(Role.COMMUNITY_NURSE, "demo.nurse", "Norfolk Community Health and Care NHS Trust",
              "Nia Nurse (demo)", front_line=True),
    DemoLogin(Role.POLICE_OFFICER, "demo.police_officer", "Norfolk Constabulary",
              "Pat Constable (demo)", front_line=True),
    DemoLogin(Role.FIRE_OFFICER, "demo.fire_officer", "Norfolk Fire and Rescue Service",
              "Flo Firefighter (demo)", front_line=True),
    DemoLogin(Role.EMERGENCY_PLANNER, "demo.planner", "Norfolk County Council Emergency Planning",
              "Eli Planner (demo)"),
    DemoLogin(Role.ANALYST, "demo.analyst", "Norfolk County Council Business Intelligence",
              "Ana Analyst (demo)"),
    DemoLogin(Role.DATA_ENGINEER, "demo.data_engineer", "Norfolk County Council Data Team",
              "Dev Engineer (demo)"),
    DemoLogin(Role.DPO, "demo.dpo", "Norfolk County Council Information Governance",
              "Dee Protection Officer (demo)"),
    DemoLogin(Role.ADMIN, "demo.admin", "Norfolk County Council Information Governance",
              "Ada Administrator (demo)"),
    DemoLogin(Role.SENSOR_FEED, "demo.sensor_feed", "Norfolk County Council Smart Places",
              "Sensor feed (demo)"),
)


@dataclass(frozen=True)
class StandIn:
    """The practitioner a front-line demo login is."""

    name: str
    email: str | None
    team: str | None


def busiest_practitioner(connection: Connection, organisation: str, *, now: datetime
                         ) -> StandIn | None:
    """The practitioner of ``organisation`` who is key worker on the most open involvements
    (the team is the involvements', which is what access follows), else the one with the most
    contacts; None when the store knows no practitioner of it."""
    today = naive_utc(now).date()
    inv, p = involvement.table, practitioner
    team = func.coalesce(inv.c.team, p.c.team)
    cases = func.count(inv.c.id)
    row = connection.execute(
        select(p.c.name, p.c.email, team.label("team"))
        .join(agency, agency.c.id == p.c.agency_id)
        .join(inv, inv.c.key_worker_id == p.c.id)
        .where(agency.c.name == organisation,
               or_(inv.c.ended_on.is_(None), inv.c.ended_on >= today))
        .group_by(p.c.id, p.c.name, p.c.email, team)
        .order_by(cases.desc(), p.c.id).limit(1)).first()
    if row is None:
        con = contact.table
        team = func.coalesce(con.c.team, p.c.team)
        row = connection.execute(
            select(p.c.name, p.c.email, team.label("team"))
            .join(agency, agency.c.id == p.c.agency_id)
            .join(con, con.c.practitioner_id == p.c.id)
            .where(agency.c.name == organisation)
            .group_by(p.c.id, p.c.name, p.c.email, team)
            .order_by(func.count(con.c.id).desc(), p.c.id).limit(1)).first()
    if row is None:
        return None
    email = row.email if row.email and "@" in row.email else None
    return StandIn(row.name, email, row.team)


def create_demo_users(connection: Connection, *, now: datetime,
                      password: str = DEMO_PASSWORD, created_by: str | Actor = DEMO_OPERATOR
                      ) -> list[tuple[User, str]]:
    """One demo login per role, with its password, in ``DEMO_LOGINS`` order (audited).

    Idempotent: a login that exists already is left as it is and returned with ``password``
    (which is its password unless someone changed it)."""
    made = []
    for login in DEMO_LOGINS:
        user = get_user(connection, login.username)
        if user is None:
            stand_in = (busiest_practitioner(connection, login.organisation, now=now)
                        if login.front_line else None)
            user = add_user(
                connection, username=login.username,
                display_name=stand_in.name if stand_in else login.display_name,
                organisation=login.organisation, role=login.role,
                team=stand_in.team if stand_in else None,
                email=stand_in.email if stand_in else None, password=password, demo=True,
                created_by=created_by, now=now)
        made.append((user, password))
    return made
