"""Who is calling the API: a bearer token checked on every request, and the purpose header.

Two kinds of token are accepted. The hub's own (``POST /auth/token`` with a username and
password) is an HS256 JWT signed with ``JOINEDUP_SECRET_KEY`` that lives
``JOINEDUP_TOKEN_MINUTES``; a token whose user has since been disabled is refused. A token from
the council's identity provider (Azure AD, NHS CIS2) is recognised by its issuer and verified
against the provider's published keys (``JOINEDUP_OIDC_*``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import jwt
from fastapi import Depends, Header
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from joinedup.accounts.tokens import verify_token
from joinedup.accounts.users import get_user
from joinedup.errors import AuthenticationFailed
from joinedup.govern.vocabulary import Actor
from joinedup.server.hub import Hub, current_hub

bearer = HTTPBearer(auto_error=False, description="A token from POST /auth/token, or one "
                    "from the council's OpenID Connect provider.")

PURPOSE_HEADER = "X-Purpose"


@dataclass(frozen=True)
class Caller:
    actor: Actor
    via: str
    """``token`` (the hub's own) or ``oidc``."""


def _issuer(token: str) -> str | None:
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise AuthenticationFailed("the bearer token is not a JWT") from exc
    issuer = claims.get("iss")
    return issuer if isinstance(issuer, str) else None


def caller(hub: Annotated[Hub, Depends(current_hub)],
           credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
           ) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthenticationFailed("sign in first: send Authorization: Bearer TOKEN, a token "
                                   "from POST /auth/token")
    token = credentials.credentials
    if hub.oidc is not None and _issuer(token) == hub.oidc.config.issuer:
        return Caller(hub.oidc.verify(token), "oidc")
    actor = verify_token(token, secret=hub.settings.secret_key, now=hub.now())
    with hub.engine.connect() as connection:
        user = get_user(connection, actor.user)
    if user is None or not user.active:
        raise AuthenticationFailed(f"the account {actor.user} is disabled or no longer exists")
    return Caller(user.actor(), "token")


def purpose(x_purpose: Annotated[str | None, Header(
        alias=PURPOSE_HEADER, description="Why you are asking: direct_care, safeguarding, "
        "customer_service, emergency_response, data_quality, audit, ... A request for person "
        "data without one is refused, and the refusal audited.")] = None) -> str | None:
    return x_purpose


CallerDep = Annotated[Caller, Depends(caller)]
PurposeDep = Annotated[str | None, Depends(purpose)]
HubDep = Annotated[Hub, Depends(current_hub)]
