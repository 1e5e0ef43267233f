"""The web UI for staff: server-rendered pages over the same core functions as the API, each
person read decided and audited by ``joinedup.govern``."""

from joinedup.web.routes import router

__all__ = ["router"]
