"""Every route of the API, by area."""

from fastapi import APIRouter

from joinedup.api import emergency, engineering, oversight, people, token

router = APIRouter()
router.include_router(token.router)
for area in (people, engineering, oversight, emergency):
    router.include_router(area.router, prefix="/api")
