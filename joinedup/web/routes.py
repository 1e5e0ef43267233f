"""Every page of the web UI, by area."""

from fastapi import APIRouter

from joinedup.web import (
    changes,
    citizen,
    dashboards,
    emergency,
    engineering,
    home,
    opendata,
    oversight,
    people,
    requests,
    signin,
)

router = APIRouter(include_in_schema=False)
for area in (signin, home, people, engineering, oversight, emergency, dashboards, citizen,
             requests, opendata, changes):
    router.include_router(area.router)
