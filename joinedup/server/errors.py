"""One error shape for every API answer that is not a success, pinned by a test:

    {"error": {"status": 403, "code": "access_denied", "message": "..."}}

``code`` is the joinedup error class in snake case (``bad_input``, ``access_denied``,
``authentication_failed``) or the HTTP meaning (``not_found``, ``invalid_request``). Messages are
the ones a council officer would act on; never a stack trace.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from joinedup.errors import JoinedUpError

HTTP_CODES = {400: "bad_request", 401: "authentication_required", 403: "forbidden",
              404: "not_found", 405: "method_not_allowed", 422: "invalid_request",
              429: "too_many_requests"}


class ErrorBody(BaseModel):
    status: int
    code: str
    message: str


class ErrorResponse(BaseModel):
    """What every failed API request returns."""

    error: ErrorBody


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": code.replace("_", " ")}
    for status, code in HTTP_CODES.items() if status in (400, 401, 403, 404, 422)}
"""The error answers every API route documents in the OpenAPI schema."""


def code_of(exc: JoinedUpError) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(exc).__name__).lower()


def error_json(status: int, code: str, message: str,
               headers: dict[str, str] | None = None) -> JSONResponse:
    body = ErrorResponse(error=ErrorBody(status=status, code=code, message=message))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def joinedup_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, JoinedUpError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None
    return error_json(exc.http_status, code_of(exc), exc.message, headers)


def http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return error_json(exc.status_code, HTTP_CODES.get(exc.status_code, "error"),
                      str(exc.detail), dict(exc.headers or {}) or None)


def validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'body')}: {e.get('msg', '')}"
        for e in exc.errors())
    return error_json(422, "invalid_request", problems or "the request is not valid")
