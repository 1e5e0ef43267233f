"""Every route of the API, by area."""

from fastapi import APIRouter

from joinedup.api import people, token

router = APIRouter()
router.include_router(token.router)
router.include_router(people.router, prefix="/api")
