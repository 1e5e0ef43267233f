"""Alembic environment: runs on the connection joinedup hands it, or on the configured URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from joinedup.store.schema import metadata


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = create_engine(context.config.get_main_option("sqlalchemy.url") or "sqlite://")
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()
