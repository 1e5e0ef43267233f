"""The API's own bearer tokens: short-lived HS256 JWTs (RFC 7519) naming who acts, in which
organisation, role and team.

A token cannot be taken back before it expires, which is why it lives minutes, not hours; the
API also looks the user up on each request, so a disabled account stops at once. The signing
key is derived from ``secret_key`` for this use alone, so the same setting can key other
things without one signature ever standing for another.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from joinedup.accounts.users import User
from joinedup.errors import AuthenticationFailed
from joinedup.govern.vocabulary import Actor, Role

ISSUER = "joinedup"
AUDIENCE = "joinedup-api"
ALGORITHM = "HS256"
REQUIRED = ("iss", "aud", "sub", "org", "role", "iat", "nbf", "exp", "jti")


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"joinedup api bearer tokens", hashlib.sha256).digest()


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def issue_token(user: User, *, secret: str, minutes: int, now: datetime) -> str:
    """A bearer token for ``user`` valid for ``minutes`` from ``now`` (naive means UTC)."""
    issued = _aware(now)
    claims: dict[str, Any] = {
        "iss": ISSUER, "aud": AUDIENCE, "sub": user.username, "name": user.display_name,
        "org": user.organisation, "role": user.role.value, "team": user.team,
        "iat": issued, "nbf": issued, "exp": issued + timedelta(minutes=minutes),
        "jti": uuid.uuid4().hex}
    return jwt.encode(claims, _key(secret), algorithm=ALGORITHM)


def refusal(exc: jwt.PyJWTError, *, audience: str, issuer: str,
            algorithms: Sequence[str]) -> AuthenticationFailed:
    """Why a bearer token was refused, in the same words whoever issued it (this hub or the
    council's identity provider)."""
    if isinstance(exc, jwt.ExpiredSignatureError):
        why = "expired"
    elif isinstance(exc, jwt.ImmatureSignatureError):
        why = "not valid yet"
    elif isinstance(exc, jwt.InvalidAlgorithmError):
        why = (f"its algorithm is not {algorithms[0]}" if len(algorithms) == 1 else
               f"its algorithm is not one of {', '.join(algorithms)}")
    elif isinstance(exc, jwt.InvalidSignatureError):
        why = "bad signature (not signed by its issuer, or altered)"
    elif isinstance(exc, jwt.InvalidAudienceError):
        why = f"wrong audience (not {audience!r})"
    elif isinstance(exc, jwt.InvalidIssuerError):
        why = f"wrong issuer (not {issuer!r})"
    elif isinstance(exc, jwt.MissingRequiredClaimError):
        why = f"no {exc.claim!r} claim"
    else:
        why = f"not a valid token ({exc})"
    return AuthenticationFailed(f"token refused: {why}")


def verify_token(token: str, *, secret: str, now: datetime | None = None) -> Actor:
    """Who a token says is acting, once its signature, issuer, audience and times check out;
    otherwise ``AuthenticationFailed`` saying why. Only HS256 is accepted (never ``none``,
    never an algorithm the token chose). ``now`` defaults to the clock."""
    try:
        claims = jwt.decode(token, _key(secret), algorithms=[ALGORITHM], audience=AUDIENCE,
                            issuer=ISSUER, options={"require": list(REQUIRED),
                                                    "verify_exp": False, "verify_nbf": False,
                                                    "verify_iat": False})
    except jwt.PyJWTError as exc:
        raise refusal(exc, audience=AUDIENCE, issuer=ISSUER, algorithms=(ALGORITHM,)) from exc
    at = _aware(now or datetime.now(UTC)).timestamp()
    if not isinstance(claims["exp"], int | float) or not isinstance(claims["nbf"], int | float):
        raise AuthenticationFailed("token refused: exp and nbf must be numbers")
    if claims["exp"] <= at:
        raise AuthenticationFailed("token refused: expired; ask for a new one")
    if claims["nbf"] > at:
        raise AuthenticationFailed("token refused: not valid yet")
    try:
        role = Role(claims["role"])
    except ValueError:
        raise AuthenticationFailed(f"token refused: unknown role {claims['role']!r}") from None
    team = claims.get("team")
    return Actor(str(claims["sub"]), str(claims["org"]), role,
                 str(team) if team is not None else None)
