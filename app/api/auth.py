"""The authentication dependency: 401, then 403, then the rate budget, then path and query
parameters, then idempotency."""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from fastapi import Depends
from fastapi.security import HTTPBearer
from starlette.requests import Request

from app.api import idempotency
from app.api.params import check_params
from app.db.tenancy import Tenant
from app.kit.context import org_id_var
from app.kit.errors import Forbidden


@dataclass(frozen=True, slots=True)
class AuthContext:
    tenant: Tenant
    api_key_id: uuid.UUID
    scopes: frozenset[str]


_MUTATING = frozenset({"POST", "PATCH", "PUT", "DELETE"})


# Declares the scheme in OpenAPI (the Authorize button of /docs, ``security`` on every
# operation that takes a key); the header itself is read by ``bearer_token``.
BEARER = HTTPBearer(
    scheme_name="apiKey",
    bearerFormat="am_live_… or am_test_…",
    description="An API key: `Authorization: Bearer am_live_…` (live) or `am_test_…` (test).",
    auto_error=False,
)


def bearer_token(request: Request) -> str | None:
    """The key of the one ``Authorization: Bearer`` header; none if absent or repeated."""
    headers = request.headers.getlist("authorization")
    if len(headers) != 1:
        return None
    scheme, _, token = headers[0].partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def authorize(scope: str) -> Callable[..., Awaitable[AuthContext]]:
    async def authorized(request: Request, _: object = Depends(BEARER)) -> AuthContext:
        state = request.app.state
        ctx: AuthContext = await state.authenticator.authenticate(bearer_token(request))
        org_id_var.set(str(ctx.tenant.org_id))
        if scope not in ctx.scopes:
            raise Forbidden()
        state.rate_limiter.check(ctx.api_key_id)
        check_params(request)
        key = request.headers.get(idempotency.HEADER)
        if key is not None and request.method in _MUTATING:
            settings = state.settings
            request.state.idempotency = await idempotency.reserve(
                state.engine,
                ctx.api_key_id,
                idempotency.validate_key(key),
                idempotency.fingerprint(
                    request.method, request.url.path, request.url.query, await request.body()
                ),
                ttl=timedelta(hours=settings.idempotency_ttl_h),
                stale_after=timedelta(seconds=settings.idempotency_stale_s),
                box=state.secret_box,
            )
        return ctx

    authorized.__name__ = f"authorize_{scope.replace(':', '_')}"
    return authorized
