"""Every page of the web UI, by area."""

from fastapi import APIRouter

from joinedup.web import dashboards, emergency, engineering, home, oversight, people, signin

router = APIRouter(include_in_schema=False)
for area in (signin, home, people, engineering, oversight, emergency, dashboards):
    router.include_router(area.router)
