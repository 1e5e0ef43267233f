"""``joinedup serve``: the API and web UI on uvicorn."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from joinedup.cli_base import DbOption, err, settings_for, store
from joinedup.errors import StoreError


def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (PostgreSQL: one per core).",
                                         min=1, max=64)] = 1,
    db: DbOption = None,
) -> None:
    """Serve the web UI and the REST API (OpenAPI at /docs)."""
    # The server's dependencies load only when serving, so every other command starts fast.
    import uvicorn

    from joinedup.server.app import create_app, refuse_production
    from joinedup.server.hub import Hub

    settings = settings_for(db)
    with store(db) as engine:
        refuse_production(settings, Hub.create(settings, engine))
    if workers > 1 and settings.database_url.startswith("sqlite"):
        raise StoreError("several workers need PostgreSQL; SQLite serves one writer at a time")
    err.print(f"joinedup serving http://{host}:{port}/ (API docs at /docs); Ctrl+C to stop",
              highlight=False)
    if workers > 1:
        # Each worker process builds its own app from the environment.
        os.environ["JOINEDUP_DATABASE_URL"] = settings.database_url
        uvicorn.run("joinedup.server.app:create_app", factory=True, host=host, port=port,
                    workers=workers, log_level="warning")
    else:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
