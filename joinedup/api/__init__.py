"""The REST API: JSON twins of everything the web UI shows, for agencies' systems and scripts.

Every route authenticates with a bearer token (the hub's own short-lived JWT from
``/auth/token``, or one from the council's OpenID Connect provider) and every request for
person data states its purpose in the ``X-Purpose`` header. Routes are thin: parse, call one
function of the core inside ``governed()``, return what it returns.
"""

from joinedup.api.routes import router

__all__ = ["router"]
