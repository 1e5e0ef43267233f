"""Every route of the API, by area."""

from fastapi import APIRouter

from joinedup.api import (
    changes,
    dashboards,
    emergency,
    engineering,
    opendata,
    oversight,
    people,
    requests,
    sensors,
    token,
)

router = APIRouter()
router.include_router(token.router)
for area in (people, engineering, oversight, emergency, sensors, dashboards, opendata,
             requests, changes):
    router.include_router(area.router, prefix="/api")
router.include_router(sensors.ngsi_router)
router.include_router(opendata.catalog_router)
