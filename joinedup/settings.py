"""Configuration, from ``JOINEDUP_*`` environment variables; the default needs none."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///joinedup.db"


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
