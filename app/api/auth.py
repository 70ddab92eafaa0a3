"""The authentication dependency: 401, then 403, then the rate budget, then idempotency."""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from starlette.requests import Request

from app.api import idempotency
from app.api.routing import request_session
from app.db.tenancy import Tenant
from app.kit.context import org_id_var
from app.kit.errors import Forbidden


@dataclass(frozen=True, slots=True)
class AuthContext:
    tenant: Tenant
    api_key_id: uuid.UUID
    scopes: frozenset[str]


_MUTATING = frozenset({"POST", "PATCH", "PUT", "DELETE"})


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def authorize(scope: str) -> Callable[[Request], Awaitable[AuthContext]]:
    async def authorized(request: Request) -> AuthContext:
        state = request.app.state
        ctx: AuthContext = await state.authenticator.authenticate(
            request_session(request), bearer_token(request)
        )
        org_id_var.set(str(ctx.tenant.org_id))
        if scope not in ctx.scopes:
            raise Forbidden()
        state.rate_limiter.check(ctx.api_key_id)
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
