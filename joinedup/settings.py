"""Configuration, from ``JOINEDUP_*`` environment variables; the default needs none."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///joinedup.db"
DEFAULT_SECRET_KEY = "joinedup-development-secret-change-me"
"""Known to everyone who reads this file: production mode refuses to start with it."""
DEFAULT_COUNCIL = "Norfolk County Council"
DEFAULT_COUNCIL_SERVICES = ("Adult Social Care", "Children's Services",
                            "Norfolk Library and Information Service",
                            "Norfolk Fire and Rescue Service")
"""The county council's own services, whose data its data team keeps (the county council is
Norfolk's fire and rescue authority)."""


class Settings(BaseSettings):
    """Everything joinedup reads from its environment, built once at the edge and passed in."""

    model_config = SettingsConfigDict(env_prefix="JOINEDUP_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    """The store's SQLAlchemy URL: SQLite by default, ``postgresql+psycopg://...`` in production."""

    operator: str = "local-operator"
    """Who the CLI acts as, recorded on loads and on every audit event the CLI causes."""

    organisation: str = "Norfolk County Council Information Governance"
    """The organisation the CLI's operator acts for (the DPO's office runs SARs and audits)."""

    key_dir: Path = Path("joinedup-keys")
    """The hub's secrets, outside the database: the Ed25519 key that signs audit checkpoints and
    exports, and the HMAC key for pseudonyms. Back it up apart from the database."""

    relationship_days_after_close: int = 30
    """How long a practitioner's team keeps access to a person after their case closes."""

    break_glass_minutes: int = 60
    """How long break-glass access lasts before it expires."""

    live_contact_hours: int = 4
    """How long an open contact-centre contact lets its advisor see detail."""

    production: bool = False
    """Production mode: the server refuses to start while any of
    ``joinedup.accounts.production_problems`` holds (a default secret, demo logins, ...)."""

    secret_key: str = DEFAULT_SECRET_KEY
    """Signs the API's bearer tokens; at least 32 random characters in production. Changing it
    invalidates every token issued (browser sessions are kept in the database, not signed)."""

    token_minutes: int = 15
    """How long an API bearer token lasts; short, because a token cannot be taken back."""

    session_hours: int = 8
    """How long a browser sign-in lasts at most (a working shift), however active."""

    session_idle_minutes: int = 30
    """A browser session unused this long ends (an unlocked screen left on a desk)."""

    login_max_failures: int = 5
    """Failed sign-ins in a row before an account locks."""

    lockout_minutes: int = 15
    """How long a locked account stays locked (or until ``joinedup users unlock``)."""

    oidc_jwks_url: str | None = None
    """The identity provider's JSON Web Key Set (e.g. Azure AD's ``.../discovery/v2.0/keys``);
    set it, with the issuer and audience, to accept its tokens."""

    oidc_issuer: str | None = None
    """The ``iss`` the identity provider's tokens must carry."""

    oidc_audience: str | None = None
    """The ``aud`` they must carry: the hub's application (client) id at the provider."""

    oidc_username_claim: str = "preferred_username"
    """The claim naming the member of staff."""

    oidc_organisation_claim: str = "org"
    """The claim naming their organisation, as sharing agreements name it."""

    oidc_role_claim: str = "roles"
    """The claim holding their role (a string or a list, as Azure AD app roles are)."""

    oidc_team_claim: str = "team"
    """The claim naming their team (optional in the token)."""

    oidc_role_map: dict[str, str] = {}
    """Provider role name to joinedup role, as JSON, e.g. ``{"ASC.SocialWorker":
    "social_worker"}``; a provider role spelt as a joinedup role needs no entry."""

    server_threads: int = 4
    """Threads each server process runs requests on. Few is faster: more only pass the GIL
    and SQLite's one writer round (docs/benchmarks.md); with PostgreSQL add processes
    (``joinedup serve --workers``) rather than threads."""

    duplicate_cost_gbp: float = 10.0
    """What finding and putting right one duplicate record costs, for the duplication
    dashboard: the "1-10-100 rule" (Labovitz and Chang, 1992) puts it at about 10 a record."""

    dashboard_threshold: int = 5
    """The smallest count a dashboard shows; smaller ones read "<5" (at least 2)."""

    opendata_organisation: str = "Norfolk County Council Business Intelligence"
    """Whose analysts publish open data: ``joinedup opendata publish`` counts what the
    analytics agreements share with this organisation's analyst role, and no more."""

    opendata_publisher: str = "Norfolk County Council"
    """The publisher the open data catalogue names."""

    opendata_rule: str = "threshold"
    """The disclosure rule for person-derived open data: ``threshold`` (the threshold and
    rounding below) or ``nhs`` (NHS Digital's sub-national rule: 1 to 7 hidden, the rest
    rounded to 5)."""

    opendata_threshold: int = 10
    """The smallest count open data shows under the ``threshold`` rule (social care's 10)."""

    opendata_thresholds: dict[str, int] = {}
    """A threshold by topic instead, as JSON, e.g. ``{"multi-agency": 5}``; the topics are
    ``social-care`` and ``multi-agency``."""

    opendata_rounding: int = 5
    """Open data counts are rounded to the nearest this (1: exact)."""

    opendata_rate_per_minute: int = 120
    """Requests a minute each client may make of the public open data pages and API."""

    opendata_burst: int = 30
    """Requests a client may make at once before the per-minute rate applies (HTTP 429)."""

    council: str = DEFAULT_COUNCIL
    """The county council: its data team (an organisation whose name starts with this, e.g.
    "Norfolk County Council Data Team") decides tell-us-once changes for its own services."""

    council_services: list[str] = list(DEFAULT_COUNCIL_SERVICES)
    """The council's own services (agency names, as JSON), whose change notifications its data
    team decides; every other agency (the NHS trust, the police, the district councils)
    decides its own."""
