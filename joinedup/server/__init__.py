"""The staff-facing service: one ASGI app serving the REST API (``joinedup.api``) and the web
UI (``joinedup.web``), both thin over the core. ``joinedup.server.app.create_app`` assembles
them; this package also holds what both faces share: the hub they run against
(``server.hub``) and the one error shape (``server.errors``)."""
