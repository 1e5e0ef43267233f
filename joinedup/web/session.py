"""Signing in to the web UI: a server-side session behind an HttpOnly, SameSite=Strict cookie
(Secure behind TLS or in production), a CSRF token on every form, a purpose stated before any
person's data is shown, and a new session token at every sign-in (no session fixation).

The sign-in form itself is protected by a double-submit token: a random value in a short-lived
cookie that the form must echo, so another site cannot sign a browser in as someone else.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response

from joinedup.accounts.sessions import WebSession, check_csrf, load_session
from joinedup.errors import JoinedUpError
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import Actor
from joinedup.server.hub import Hub, current_hub

COOKIE = "joinedup_session"
LOGIN_COOKIE = "joinedup_login"


class SignInRequired(JoinedUpError):
    """No valid session: the browser is sent to the sign-in page (``page``)."""

    http_status = 401
    page = "/login"


class PurposeRequired(JoinedUpError):
    """Signed in but no purpose stated: the browser is sent to choose one."""

    http_status = 403


@dataclass(frozen=True)
class Visit:
    """A signed-in browser's request."""

    hub: Hub
    session: WebSession

    @property
    def actor(self) -> Actor:
        return self.session.user.actor()

    @property
    def purpose(self) -> str:
        if self.session.purpose is None:
            raise PurposeRequired("state the purpose of your work before you see anyone's "
                                  "data")
        return str(self.session.purpose)

    def check(self, submitted: str | None) -> None:
        """The form's CSRF token must be this session's."""
        check_csrf(self.session, submitted)


def secure(request: Request, hub: Hub) -> bool:
    return hub.settings.production or request.url.scheme == "https"


def set_cookie(response: Response, request: Request, hub: Hub, name: str, value: str,
               max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict",
                        secure=secure(request, hub), path="/")


def login_token() -> str:
    return secrets.token_urlsafe(24)


def visit(request: Request, hub: Annotated[Hub, Depends(current_hub)]) -> Visit:
    token = request.cookies.get(COOKIE)
    if token:
        with governed(hub.engine) as c:  # marks the session seen: a write, so in turn
            session = load_session(c, token, now=hub.now(),
                                   idle_minutes=hub.settings.session_idle_minutes)
        if session is not None:
            return Visit(hub, session)
    raise SignInRequired("sign in to continue")


VisitDep = Annotated[Visit, Depends(visit)]
