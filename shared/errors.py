"""The error envelope of every HTTP service: {"error": {"code", "message", "details"}}, and
the HTTP status of each kind of refusal the domain code raises (shared/refusals.py)."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pymongo.errors import ConnectionFailure
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared import refusals

log = logging.getLogger("helpdesk.errors")


class ApiError(refusals.Refusal):
    """A refusal that is HTTP's own (a rate limit with its Retry-After, a service that did not
    answer, a request a view refuses): it carries its status and headers."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(code, message, details)
        self.status = status
        self.headers = headers


STATUS_OF_REFUSAL: dict[type[refusals.Refusal], int] = {
    refusals.Malformed: 400,
    refusals.NotAuthenticated: 401,
    refusals.NotPermitted: 403,
    refusals.NotFound: 404,
    refusals.Conflict: 409,
    refusals.UnsupportedMedia: 415,
    refusals.Invalid: 422,
}


def status_of(refusal: refusals.Refusal) -> int:
    """The HTTP status that answers `refusal`."""
    if isinstance(refusal, ApiError):
        return refusal.status
    for kind in type(refusal).__mro__:
        if kind in STATUS_OF_REFUSAL:
            return STATUS_OF_REFUSAL[kind]
    return 400


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "service_unavailable",
}


async def _refusal(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, refusals.Refusal)
    return JSONResponse(
        error_body(exc.code, exc.message, exc.details),
        status_code=status_of(exc),
        headers=exc.headers if isinstance(exc, ApiError) else None,
    )


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = [
        {
            "location": [str(part) for part in err.get("loc", ())],
            "message": err.get("msg", ""),
            "type": err.get("type", ""),
        }
        for err in exc.errors()
    ]
    return JSONResponse(
        error_body("validation_error", "The request is not valid.", {"fields": fields}),
        status_code=422,
    )


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    return JSONResponse(
        error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
    )


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    # Logged: a 503 nobody can trace (a stalled server, a cleared connection pool) helps no one.
    log.warning("database unavailable for %s %s: %s", request.method, request.url.path, exc)
    return JSONResponse(
        error_body(
            "database_unavailable",
            "The database did not answer; nothing was changed. Try again shortly.",
        ),
        status_code=503,
        headers={"Retry-After": "5"},
    )


def install_error_handlers(app: FastAPI) -> None:
    """Make every error of `app` answer in the shared envelope."""
    app.add_exception_handler(ConnectionFailure, _database_unavailable)
    app.add_exception_handler(refusals.Refusal, _refusal)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
