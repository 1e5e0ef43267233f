"""The citizen portal under /citizen: register (verified against a record the hub holds), sign
in and out, and see what the hub holds about you, who looked at it, and your requests.

Its own cookie (``joinedup_citizen``, HttpOnly, SameSite=Strict, Secure behind TLS) and its own
sessions: a staff cookie never opens these pages and a citizen's never opens a staff page. No
route takes a person id: every page is about the signed-in citizen, found through the record
their account was verified against. Other areas' citizen pages (tell us once) use
``CitizenDep`` and ``check_citizen_csrf`` and extend ``citizen_base.html``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi import Path as FastPath
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from joinedup.accounts.users import LoginPolicy
from joinedup.citizen import Citizen
from joinedup.citizen.accesses import accesses
from joinedup.citizen.accounts import METHODS, Proof, authenticate, register
from joinedup.citizen.holdings import WORDS as KIND_WORDS
from joinedup.citizen.holdings import holdings
from joinedup.citizen.sessions import check_csrf, end_session, load_session, start_session
from joinedup.errors import AuthError, BadInput
from joinedup.govern import requests
from joinedup.govern.rectify import RECTIFIABLE
from joinedup.govern.session import governed
from joinedup.server.hub import Hub, current_hub
from joinedup.web.session import SignInRequired, login_token, set_cookie
from joinedup.web.templating import render

router = APIRouter(include_in_schema=False)
HubDep = Annotated[Hub, Depends(current_hub)]
COOKIE = "joinedup_citizen"
FORM_COOKIE = "joinedup_citizen_form"
FORM_MINUTES = 30
HOME = "/citizen"
Text = Annotated[str, Form(max_length=200)]
Secret = Annotated[str, Form(max_length=1000)]
Token = Annotated[str, Form(max_length=100)]


class CitizenSignInRequired(SignInRequired):
    """No citizen session: the browser is sent to the citizen sign-in page."""

    page = "/citizen/signin"


def signed_in_citizen(request: Request, hub: HubDep) -> Citizen:
    """The citizen this browser is signed in as (their own cookie only); otherwise the
    browser is sent to sign in and brought back."""
    token = request.cookies.get(COOKIE)
    if token:
        with governed(hub.engine) as c:  # marks the session seen: a write, so in turn
            citizen = load_session(c, token, now=hub.now(),
                                   idle_minutes=hub.settings.session_idle_minutes)
        if citizen is not None:
            return citizen
    raise CitizenSignInRequired("sign in to continue")


CitizenDep = Annotated[Citizen, Depends(signed_in_citizen)]


def check_citizen_csrf(citizen: Citizen, submitted: str | None) -> None:
    """Every citizen form post must echo its session's CSRF token (``citizen.csrf_token``,
    rendered as a hidden ``csrf_token`` field); raises ``CsrfError`` (HTTP 403) otherwise."""
    check_csrf(citizen, submitted)


def _next(target: str | None) -> str:
    """Only a portal page, so the sign-in form cannot send anyone elsewhere."""
    if target and target.startswith(HOME) and "//" not in target and "\\" not in target:
        return target
    return HOME


def _form(request: Request, hub: Hub, template: str, status_code: int = 200, **context: object
          ) -> Response:
    """A sign-in or registration form with a fresh double-submit token (its cookie and a
    hidden field must match), so another site cannot post it in this browser's name."""
    token = login_token()
    response = render(request, template, status_code, citizen=None, form_token=token,
                      **context)
    set_cookie(response, request, hub, FORM_COOKIE, token, FORM_MINUTES * 60)
    return response


def _fresh(request: Request, form_token: str) -> bool:
    expected = request.cookies.get(FORM_COOKIE)
    return bool(expected and form_token and expected == form_token)


def _signed_in(request: Request, hub: Hub, next_: str, *, token: str) -> Response:
    response = RedirectResponse(_next(next_), status_code=303)
    set_cookie(response, request, hub, COOKIE, token, hub.settings.session_hours * 3600)
    response.delete_cookie(FORM_COOKIE, path="/")
    return response


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


EXPIRED = "Your form had expired. Please try again."


@router.get("/citizen/register", response_class=HTMLResponse)
def register_form(request: Request, hub: HubDep) -> Response:
    return _form(request, hub, "citizen_register.html", error=None, methods=METHODS,
                 entered={})


@router.post("/citizen/register")
def register_account(request: Request, hub: HubDep, method: Text = "", reference: Text = "",
                     postcode: Text = "", date_of_birth: Text = "", email: Text = "",
                     password: Secret = "", form_token: Token = "") -> Response:
    entered = {"method": method, "reference": reference, "postcode": postcode,
               "date_of_birth": date_of_birth, "email": email}
    if not _fresh(request, form_token):
        return _form(request, hub, "citizen_register.html", 403, error=EXPIRED,
                     methods=METHODS, entered=entered)
    try:
        with governed(hub.engine) as c:
            account = register(c, Proof(method, reference, postcode, date_of_birth),
                               email=email, password=password, client=_client(request),
                               policy=LoginPolicy.from_settings(hub.settings), now=hub.now())
            token = start_session(c, account.id, now=hub.now(),
                                  hours=hub.settings.session_hours,
                                  previous_token=request.cookies.get(COOKIE))
    except (AuthError, BadInput) as exc:
        return _form(request, hub, "citizen_register.html", exc.http_status,
                     error=exc.message, methods=METHODS, entered=entered)
    return _signed_in(request, hub, HOME, token=token)


@router.get("/citizen/signin", response_class=HTMLResponse)
def signin_form(request: Request, hub: HubDep, next: str = HOME) -> Response:
    return _form(request, hub, "citizen_signin.html", error=None, email="", next=_next(next))


@router.post("/citizen/signin")
def signin(request: Request, hub: HubDep, email: Text = "", password: Secret = "",
           form_token: Token = "", next: Annotated[str, Form(max_length=500)] = HOME
           ) -> Response:
    if not _fresh(request, form_token):
        return _form(request, hub, "citizen_signin.html", 403, error=EXPIRED, email=email,
                     next=_next(next))
    try:
        with governed(hub.engine) as c:
            account = authenticate(c, email, password,
                                   policy=LoginPolicy.from_settings(hub.settings),
                                   now=hub.now())
            token = start_session(c, account.id, now=hub.now(),
                                  hours=hub.settings.session_hours,
                                  previous_token=request.cookies.get(COOKIE))
    except AuthError as exc:
        return _form(request, hub, "citizen_signin.html", 401, error=exc.message, email=email,
                     next=_next(next))
    return _signed_in(request, hub, next, token=token)


@router.post("/citizen/signout")
def signout(request: Request, hub: HubDep, citizen: CitizenDep, csrf_token: Token = ""
            ) -> Response:
    check_citizen_csrf(citizen, csrf_token)
    with governed(hub.engine) as c:
        end_session(c, request.cookies.get(COOKIE, ""), now=hub.now())
    response = RedirectResponse("/citizen/signin", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/citizen", response_class=HTMLResponse)
def home(request: Request, citizen: CitizenDep) -> Response:
    return render(request, "citizen_home.html", citizen=citizen)


# -- what the hub holds, who looked, and requests ----------------------------------------------

RequestId = Annotated[int, FastPath(ge=1, le=2**31 - 1)]


@router.get("/citizen/records", response_class=HTMLResponse)
def records(request: Request, hub: HubDep, citizen: CitizenDep) -> Response:
    with governed(hub.engine) as c:
        held = holdings(c, citizen, now=hub.now())
    return render(request, "citizen_records.html", citizen=citizen, holdings=held,
                  kinds=KIND_WORDS)


@router.get("/citizen/accesses", response_class=HTMLResponse)
def who_accessed(request: Request, hub: HubDep, citizen: CitizenDep) -> Response:
    with governed(hub.engine) as c:
        found = accesses(c, citizen, now=hub.now())
    return render(request, "citizen_accesses.html", citizen=citizen, accesses=found)


def _requests_page(request: Request, hub: Hub, citizen: Citizen, *, status_code: int = 200,
                   error: str | None = None, entered: dict[str, str] | None = None
                   ) -> Response:
    with governed(hub.engine) as c:
        mine = requests.requests_of(c, citizen.actor)
        agencies = [h.agency for h in holdings(c, citizen, now=hub.now())]
    return render(request, "citizen_requests.html", status_code, citizen=citizen,
                  requests=mine, today=hub.now().date(), agencies=agencies,
                  fields=list(RECTIFIABLE), error=error, entered=entered or {},
                  kinds=requests.KINDS)


@router.get("/citizen/requests", response_class=HTMLResponse)
def my_requests(request: Request, hub: HubDep, citizen: CitizenDep) -> Response:
    return _requests_page(request, hub, citizen)


@router.post("/citizen/requests")
def make_request(request: Request, hub: HubDep, citizen: CitizenDep, kind: Text = "",
                 field: Text = "", value: Text = "", agency: Text = "",
                 objection: Text = "", reason: Annotated[str, Form(max_length=2000)] = "",
                 csrf_token: Token = "") -> Response:
    check_citizen_csrf(citizen, csrf_token)
    entered = {"kind": kind, "field": field, "value": value, "agency": agency,
               "objection": objection, "reason": reason}
    try:
        with governed(hub.engine) as c:
            made = requests.submit(c, citizen.actor, kind, entered, now=hub.now())
    except BadInput as exc:
        return _requests_page(request, hub, citizen, status_code=400, error=exc.message,
                              entered=entered)
    return RedirectResponse(f"/citizen/requests/{made.id}", status_code=303)


@router.get("/citizen/requests/{request_id}", response_class=HTMLResponse)
def my_request(request: Request, hub: HubDep, citizen: CitizenDep, request_id: RequestId
               ) -> Response:
    with governed(hub.engine) as c:
        found = requests.own_request(c, citizen.actor, request_id, now=hub.now())
    return render(request, "citizen_request.html", citizen=citizen, r=found,
                  today=hub.now().date(), kinds=requests.KINDS)


@router.get("/citizen/requests/{request_id}/pack.{fmt}")
def my_pack(hub: HubDep, citizen: CitizenDep, request_id: RequestId,
            fmt: Annotated[str, FastPath(max_length=4)]) -> Response:
    with governed(hub.engine) as c:
        text = requests.own_pack(c, citizen.actor, request_id, fmt, now=hub.now())
    media = "text/html" if fmt == "html" else "application/json"
    return Response(text, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="your-data-request-{request_id}.{fmt}"'})
