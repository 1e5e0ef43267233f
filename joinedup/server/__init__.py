"""The staff-facing service: one ASGI app serving the REST API (``joinedup.api``) and the web
UI (``joinedup.web``), both thin over the core. This package holds only what both faces share:
the hub they run against, who is calling, and the one error shape."""

from joinedup.server.app import create_app
from joinedup.server.hub import Hub

__all__ = ["Hub", "create_app"]
