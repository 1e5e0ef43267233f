"""The hub a running server works against: its settings, its store and its clock.

Built once when the server starts (never at import time), kept on ``app.state``, and reached by
every route through the ``current_hub`` dependency, so tests can run a server on any database
and at any moment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from fastapi import Request
from sqlalchemy import Engine

from joinedup.accounts.oidc import OidcConfig, OidcVerifier
from joinedup.govern.facts import Policy
from joinedup.settings import Settings


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class Hub:
    settings: Settings
    engine: Engine
    clock: Callable[[], datetime] = utcnow
    oidc: OidcVerifier | None = field(default=None)

    @classmethod
    def create(cls, settings: Settings, engine: Engine,
               clock: Callable[[], datetime] | None = None) -> Hub:
        config = OidcConfig.from_settings(settings)
        return cls(settings, engine, clock or utcnow,
                   OidcVerifier(config) if config is not None else None)

    def now(self) -> datetime:
        return self.clock()

    @property
    def policy(self) -> Policy:
        return Policy.from_settings(self.settings)


def current_hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub
