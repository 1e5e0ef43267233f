"""Sign in, sign out, and the purpose of this session's work."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from joinedup.accounts.sessions import end_session, set_purpose, start_session
from joinedup.accounts.users import LoginPolicy, authenticate
from joinedup.errors import AuthError, BadInput
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import ROLE_PURPOSES
from joinedup.server.hub import Hub, current_hub
from joinedup.web.session import COOKIE, LOGIN_COOKIE, VisitDep, login_token, set_cookie
from joinedup.web.templating import render

router = APIRouter(include_in_schema=False)
HubDep = Annotated[Hub, Depends(current_hub)]
LOGIN_MINUTES = 15


def _safe_next(target: str | None) -> str:
    """Only a path on this site, so the sign-in page cannot be used to send people away."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _login_page(request: Request, hub: Hub, *, error: str | None = None, username: str = "",
                next_: str = "/", status_code: int = 200) -> Response:
    token = login_token()
    response = render(request, "login.html", status_code, visit=None, error=error,
                      username=username,
                      next=_safe_next(next_), login_token=token)
    set_cookie(response, request, hub, LOGIN_COOKIE, token, LOGIN_MINUTES * 60)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, hub: HubDep, next: str = "/") -> Response:
    return _login_page(request, hub, next_=next)


@router.post("/login")
def login(request: Request, hub: HubDep, username: Annotated[str, Form(max_length=200)] = "",
          password: Annotated[str, Form(max_length=1000)] = "",
          login_token: Annotated[str, Form(max_length=100)] = "",
          next: Annotated[str, Form(max_length=500)] = "/") -> Response:
    expected = request.cookies.get(LOGIN_COOKIE)
    if not expected or not login_token or expected != login_token:
        return _login_page(request, hub, error="Your sign-in form had expired. Please try "
                           "again.", username=username, next_=next, status_code=403)
    try:
        with governed(hub.engine) as c:
            user = authenticate(c, username, password,
                                policy=LoginPolicy.from_settings(hub.settings), now=hub.now())
            token, _ = start_session(c, user, now=hub.now(), hours=hub.settings.session_hours,
                                     previous_token=request.cookies.get(COOKIE))
    except AuthError as exc:
        return _login_page(request, hub, error=exc.message, username=username, next_=next,
                           status_code=401)
    response = RedirectResponse(f"/purpose?next={_safe_next(next)}", status_code=303)
    set_cookie(response, request, hub, COOKIE, token, hub.settings.session_hours * 3600)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, visit: VisitDep,
           csrf_token: Annotated[str, Form(max_length=100)] = "") -> Response:
    visit.check(csrf_token)
    with governed(visit.hub.engine) as c:
        end_session(c, request.cookies.get(COOKIE, ""), now=visit.hub.now())
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/purpose", response_class=HTMLResponse)
def purpose_form(request: Request, visit: VisitDep, next: str = "/") -> Response:
    return render(request, "purpose.html", visit=visit, next=_safe_next(next),
                  purposes=sorted(ROLE_PURPOSES[visit.actor.role]), error=None)


@router.post("/purpose")
def choose_purpose(request: Request, visit: VisitDep,
                   purpose: Annotated[str, Form(max_length=50)] = "",
                   csrf_token: Annotated[str, Form(max_length=100)] = "",
                   next: Annotated[str, Form(max_length=500)] = "/") -> Response:
    visit.check(csrf_token)
    try:
        with governed(visit.hub.engine) as c:
            set_purpose(c, visit.session, purpose, now=visit.hub.now())
    except BadInput as exc:
        return render(request, "purpose.html", 400, visit=visit, next=_safe_next(next),
                      purposes=sorted(ROLE_PURPOSES[visit.actor.role]), error=exc.message)
    return RedirectResponse(_safe_next(next), status_code=303)
