"""``create_app``: the one ASGI app ``joinedup serve`` runs, the API and the web UI together.

Nothing is opened at import time: the store is opened when the server starts (and production
mode refuses to start with demo users or default secrets), so a test builds an app on any
database and any clock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import fastapi_offline
from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from joinedup import __version__, api, web
from joinedup.accounts.production import production_problems
from joinedup.errors import JoinedUpError, StoreError
from joinedup.server import errors
from joinedup.server.hub import Hub
from joinedup.settings import Settings
from joinedup.store.database import checkpointing, open_store
from joinedup.web.session import PurposeRequired, SignInRequired
from joinedup.web.templating import STATIC, render

DOCS_STATIC = Path(fastapi_offline.__file__).with_name("static")
API_PREFIXES = ("/api/", "/auth/", "/openapi.json")
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
DOCS_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
"""Swagger UI at /docs needs its inline start-up script; no other page runs any script."""


def refuse_production(settings: Settings, hub: Hub) -> None:
    if not settings.production:
        return
    with hub.engine.connect() as connection:
        problems = production_problems(settings, connection)
    if problems:
        raise StoreError("production mode (JOINEDUP_PRODUCTION) refuses to start:\n" +
                         "\n".join(f"  - {p}" for p in problems))


def create_app(settings: Settings | None = None, *,
               clock: Callable[[], datetime] | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Routes are sync and run on a thread pool: a few threads keep the GIL and SQLite's
        # one writer from being passed round dozens of them (docs/benchmarks.md).
        to_thread.current_default_thread_limiter().total_tokens = settings.server_threads
        if getattr(app.state, "hub", None) is not None:  # given one already (a test)
            yield
            return
        with open_store(settings.database_url) as engine, checkpointing(engine):
            hub = Hub.create(settings, engine, clock)
            refuse_production(settings, hub)
            app.state.hub = hub
            yield

    app = FastAPI(title="joinedup", version=__version__, lifespan=lifespan, docs_url=None,
                  redoc_url=None, description="The staff-facing API of joinedup: one view "
                  "of a person across the council and its partners, every read decided by "
                  "the sharing agreements in force and audited. Send a bearer token from "
                  "`POST /auth/token` and the purpose of your request in `X-Purpose`.")
    app.include_router(api.router)
    app.include_router(web.router)
    app.mount("/static/docs", StaticFiles(directory=DOCS_STATIC), name="docs-static")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="joinedup API",
                                   swagger_js_url="/static/docs/swagger-ui-bundle.js",
                                   swagger_css_url="/static/docs/swagger-ui.css",
                                   swagger_favicon_url="/static/docs/favicon.png")

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _utc_times(get_openapi(
                title=app.title, version=app.version, description=app.description,
                routes=app.routes))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override
    app.add_exception_handler(JoinedUpError, _joinedup_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)

    app.add_middleware(SecurityHeaders)
    return app


class SecurityHeaders:
    """Headers every answer carries: no framing, no sniffing, no referrer, nothing from other
    origins, and no caching of anything but static files (pages hold personal data). Plain
    ASGI rather than ``BaseHTTPMiddleware``, which costs a task per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        extra = [(b"content-security-policy", (DOCS_CSP if path == "/docs" else CSP).encode()),
                 (b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                 (b"referrer-policy", b"no-referrer")]
        if not path.startswith("/static/"):
            extra.append((b"cache-control", b"no-store"))

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, sending)


UTC_TIME = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$",
            "description": "UTC, ISO 8601 without an offset (the hub keeps every time in UTC)"}


def _utc_times(node: Any) -> Any:
    """Times leave the hub as UTC without an offset, which JSON Schema's ``date-time`` format
    (RFC 3339) would reject, so the schema says exactly what is sent."""
    if isinstance(node, dict):
        if node.get("format") == "date-time":
            return {**{k: v for k, v in node.items() if k != "format"}, **UTC_TIME}
        return {k: _utc_times(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_utc_times(v) for v in node]
    return node


def _is_api(request: Request) -> bool:
    path = request.url.path
    return path.startswith(API_PREFIXES) or path == "/auth/token"


def _joinedup_error(request: Request, exc: Exception) -> Response:
    if _is_api(request):
        return errors.joinedup_error(request, exc)
    assert isinstance(exc, JoinedUpError)
    target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    if isinstance(exc, SignInRequired):
        return RedirectResponse(f"{exc.page}?next={target}", status_code=303)
    if isinstance(exc, PurposeRequired):
        return RedirectResponse(f"/purpose?next={target}", status_code=303)
    titles = {400: "There is a problem", 401: "Sign in again", 403: "Not shown",
              404: "Page not found"}
    return _page(request, exc.http_status, titles.get(exc.http_status, "Something went wrong"),
                 exc.message)


def _http_error(request: Request, exc: Exception) -> Response:
    if _is_api(request):
        return errors.http_error(request, exc)
    assert isinstance(exc, StarletteHTTPException)
    title = "Page not found" if exc.status_code == 404 else "There is a problem"
    return _page(request, exc.status_code, title, str(exc.detail))


def _validation_error(request: Request, exc: Exception) -> Response:
    if _is_api(request):
        return errors.validation_error(request, exc)
    return _page(request, 400, "There is a problem",
                 "Some of what you entered could not be used: check each field and try again.")


def _page(request: Request, status: int, title: str, message: str) -> Response:
    return render(request, "error.html", status, visit=None, title=title, message=message,
                  hint=None)
