"""Configuration, from ``JOINEDUP_*`` environment variables; the default needs none."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///joinedup.db"


class Settings(BaseSettings):
    """Everything joinedup reads from its environment, built once at the edge and passed in."""

    model_config = SettingsConfigDict(env_prefix="JOINEDUP_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    """The store's SQLAlchemy URL: SQLite by default, ``postgresql+psycopg://...`` in production."""

    operator: str = "local-operator"
    """Who the CLI acts as, recorded on loads (and, once auditing exists, on every audit event)."""
