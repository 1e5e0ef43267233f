"""Every route of the API, by area."""

from fastapi import APIRouter

from joinedup.api import dashboards, emergency, engineering, oversight, people, sensors, token

router = APIRouter()
router.include_router(token.router)
for area in (people, engineering, oversight, emergency, sensors, dashboards):
    router.include_router(area.router, prefix="/api")
router.include_router(sensors.ngsi_router)
