"""Tokens from the partners' own identity providers (the council's Azure AD, NHS CIS2), so
staff sign in with the account their employer already manages and leavers lose access with it.

The provider's public keys come from its JWKS URL (cached); a token must be signed with one of
them by RS256 or ES256, be in date, and name this hub as audience and the provider as issuer.
Its claims map to an ``Actor``: which claims hold the username, organisation, role and team is
configured, and the provider's role names are mapped to joinedup's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt

from joinedup.accounts.tokens import refusal
from joinedup.accounts.users import normalise_username
from joinedup.errors import AuthenticationFailed, BadInput
from joinedup.govern.vocabulary import STAFF_ROLES, Actor, Role
from joinedup.settings import Settings

ALGORITHMS = ("RS256", "ES256")
"""Asymmetric only: a provider's public key must never be usable as an HMAC secret."""
LEEWAY_SECONDS = 30
"""Clock skew allowed between the provider and the hub."""


@dataclass(frozen=True)
class OidcConfig:
    """Where the provider's keys are, what its tokens must say, and how to read them."""

    jwks_url: str
    issuer: str
    audience: str
    username_claim: str = "preferred_username"
    organisation_claim: str = "org"
    role_claim: str = "roles"
    team_claim: str = "team"
    role_map: dict[str, Role] = field(default_factory=dict)
    """Provider role name to joinedup role; a value already spelt as a joinedup role maps to
    itself."""

    @classmethod
    def from_settings(cls, settings: Settings) -> OidcConfig | None:
        """The configuration ``JOINEDUP_OIDC_*`` describes; None when no JWKS URL is set.
        ``BadInput`` listing every problem when it is set but incomplete or wrong."""
        if not settings.oidc_jwks_url:
            return None
        problems = oidc_setting_problems(settings)
        if problems:
            raise BadInput("OpenID Connect is misconfigured: " + "; ".join(problems))
        assert settings.oidc_issuer and settings.oidc_audience
        return cls(settings.oidc_jwks_url, settings.oidc_issuer, settings.oidc_audience,
                   username_claim=settings.oidc_username_claim,
                   organisation_claim=settings.oidc_organisation_claim,
                   role_claim=settings.oidc_role_claim, team_claim=settings.oidc_team_claim,
                   role_map={k: Role(v) for k, v in settings.oidc_role_map.items()})


def oidc_setting_problems(settings: Settings) -> list[str]:
    """Every reason the ``JOINEDUP_OIDC_*`` settings cannot be used (empty when they can, or
    when OpenID Connect is off: no JWKS URL, issuer or audience set at all)."""
    needed = {"JOINEDUP_OIDC_JWKS_URL": settings.oidc_jwks_url,
              "JOINEDUP_OIDC_ISSUER": settings.oidc_issuer,
              "JOINEDUP_OIDC_AUDIENCE": settings.oidc_audience}
    problems = []
    given = [name for name, value in needed.items() if value]
    if given:
        problems += [f"{name} is not set (it is needed with {', '.join(given)})"
                     for name, value in needed.items() if not value]
    roles = {r.value for r in STAFF_ROLES}
    problems += [f"JOINEDUP_OIDC_ROLE_MAP maps {name!r} to {role!r}, which is not a joinedup "
                 f"role ({', '.join(sorted(roles))})"
                 for name, role in settings.oidc_role_map.items() if role not in roles]
    return problems


class OidcVerifier:
    """Checks a provider's tokens and says who they sign in. Keys are fetched on first use and
    cached, so constructing one opens no connection."""

    def __init__(self, config: OidcConfig) -> None:
        self.config = config
        self._keys = jwt.PyJWKClient(config.jwks_url, cache_keys=True, timeout=10)

    def verify(self, token: str) -> Actor:
        """The ``Actor`` a provider's token names, or ``AuthenticationFailed`` saying why."""
        claims = self._claims(token)
        return self._actor(claims)

    def _claims(self, token: str) -> dict[str, Any]:
        c = self.config
        try:
            key = self._keys.get_signing_key_from_jwt(token)
            return jwt.decode(token, key.key, algorithms=list(ALGORITHMS), audience=c.audience,
                              issuer=c.issuer, leeway=LEEWAY_SECONDS,
                              options={"require": ["exp", "iss", "aud"]})
        except jwt.PyJWKClientConnectionError as exc:
            raise AuthenticationFailed(f"cannot fetch the identity provider's keys from "
                                       f"{c.jwks_url}: {exc}") from exc
        except jwt.PyJWKClientError as exc:
            raise AuthenticationFailed(f"token refused: not signed by a key of the identity "
                                       f"provider ({exc})") from exc
        except jwt.PyJWTError as exc:
            raise refusal(exc, audience=c.audience, issuer=c.issuer,
                          algorithms=ALGORITHMS) from exc

    def _actor(self, claims: Mapping[str, Any]) -> Actor:
        c = self.config
        username = normalise_username(_text(claims, c.username_claim))
        organisation = _text(claims, c.organisation_claim)
        raw = claims.get(c.role_claim)
        names = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
        if not names:
            raise AuthenticationFailed(f"token refused: no role in claim {c.role_claim!r}")
        roles = {role for name in names if (role := self._role(str(name))) is not None}
        if not roles:
            raise AuthenticationFailed(
                f"token refused: claim {c.role_claim!r} holds no role the hub knows "
                f"({', '.join(map(str, names))}); map it in JOINEDUP_OIDC_ROLE_MAP")
        if len(roles) > 1:
            raise AuthenticationFailed(
                f"token refused: claim {c.role_claim!r} maps to several roles "
                f"({', '.join(sorted(roles))}); staff act in one role at a time")
        team = claims.get(c.team_claim)
        return Actor(username, organisation, roles.pop(),
                     team.strip() if isinstance(team, str) and team.strip() else None)

    def _role(self, name: str) -> Role | None:
        if name in self.config.role_map:
            return self.config.role_map[name]
        try:
            return Role(name)
        except ValueError:
            return None


def _text(claims: Mapping[str, Any], name: str) -> str:
    value = claims.get(name)
    if not isinstance(value, str) or not value.strip():
        raise AuthenticationFailed(f"token refused: no {name!r} claim")
    return value.strip()
