"""``POST /auth/token``: the hub's own short-lived bearer token, for a username and password,
and ``GET /api/me``: who the token says you are."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from pydantic import BaseModel

from joinedup.accounts.tokens import issue_token
from joinedup.accounts.users import LoginPolicy, authenticate
from joinedup.api.auth import CallerDep, HubDep
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import ROLE_PURPOSES
from joinedup.server.errors import ERROR_RESPONSES

router = APIRouter(tags=["auth"], responses=ERROR_RESPONSES)


class TokenPublic(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    """Seconds."""


@router.post("/auth/token", summary="Get a bearer token")
def token(hub: HubDep, username: Annotated[str, Form(min_length=1, max_length=200)],
          password: Annotated[str, Form(min_length=1, max_length=1000)]) -> TokenPublic:
    """OAuth 2 password form (``username``, ``password``). Repeated failures lock the
    account for a while; every attempt is audited."""
    with governed(hub.engine) as c:
        user = authenticate(c, username, password,
                            policy=LoginPolicy.from_settings(hub.settings), now=hub.now())
    minutes = hub.settings.token_minutes
    return TokenPublic(access_token=issue_token(user, secret=hub.settings.secret_key,
                                                minutes=minutes, now=hub.now()),
                       expires_in=minutes * 60)


class MePublic(BaseModel):
    user: str
    organisation: str
    role: str
    team: str | None
    purposes: list[str]
    """The purposes this role may act for (send one as X-Purpose)."""
    via: str


@router.get("/api/me", summary="Who you are signed in as")
def me(who: CallerDep) -> MePublic:
    a = who.actor
    return MePublic(user=a.user, organisation=a.organisation, role=a.role, team=a.team,
                    purposes=sorted(ROLE_PURPOSES[a.role]), via=who.via)
