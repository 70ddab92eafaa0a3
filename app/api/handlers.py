"""The single place where exceptions become error envelopes."""

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

from app.api.envelope import error_response
from app.kit.errors import (
    InternalError,
    MethodNotAllowed,
    NotFound,
    NumlinkError,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)
from app.kit.text import printable

log = logging.getLogger("numlink.errors")

_HTTP_STATUS_ERRORS: dict[int, type[NumlinkError]] = {
    404: NotFound,
    405: MethodNotAllowed,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    422: ValidationFailed,
}


def request_id_of(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id", ""))


def render_error(request: Request, exc: NumlinkError) -> Response:
    return error_response(
        status_code=exc.status_code,
        code=exc.code,
        message=exc.message,
        request_id=request_id_of(request),
        details=exc.details,
        headers=exc.headers,
    )


def location_of(loc: Sequence[Any]) -> str:
    """``("query", "limit")`` → ``limit``; ``("body", "items", 3)`` → ``items.3``."""
    parts = [printable(str(p)) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def details_of(errors: Sequence[Any]) -> dict[str, str]:
    details: dict[str, str] = {}
    for error in errors:
        details.setdefault(location_of(error.get("loc", ())), str(error.get("msg", "invalid")))
    return details


async def handle_numlink_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NumlinkError)
    if isinstance(exc, InternalError):
        log.error("internal error", exc_info=exc.__cause__ or exc)
    return render_error(request, exc)


async def handle_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return render_error(request, ValidationFailed(details=details_of(exc.errors())))


async def handle_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    error_type = _HTTP_STATUS_ERRORS.get(exc.status_code)
    if error_type is None:
        error = NumlinkError(str(exc.detail))
        error.status_code, error.code = exc.status_code, "HTTP_ERROR"
    elif error_type is MethodNotAllowed:
        error = MethodNotAllowed(headers={"Allow": ", ".join(allowed_methods(request))})
    else:
        error = error_type(headers=exc.headers)
    return render_error(request, error)


def allowed_methods(request: Request) -> list[str]:
    """Every method any route serves on this path (Starlette names only the first route's)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(request.url.path):
            methods |= getattr(route, "methods", None) or set()
    return sorted(methods)


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    log.error("unhandled exception", exc_info=exc)
    # Starlette answers this from its outermost middleware, outside the one that sets
    # X-Request-Id on every response, so the header is set here.
    request_id = {"X-Request-Id": request_id_of(request)}
    return render_error(request, InternalError(headers=request_id))


def install_handlers(app: FastAPI) -> None:
    app.add_exception_handler(NumlinkError, handle_numlink_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_error)
    app.add_exception_handler(Exception, handle_unexpected)
