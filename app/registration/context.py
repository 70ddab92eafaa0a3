"""What a registration operation needs besides the session and tenant."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from app.api.auth import AuthContext, authorize
from app.api.routing import request_session
from app.db.engine import SessionMaker
from app.db.tenancy import Tenant
from app.provider_accounts.registry import ProviderRegistry
from app.registration.intents import IntentStore
from app.registration.sync import Polling
from app.settings import Settings


@dataclass(frozen=True, slots=True)
class Registrar:
    registry: ProviderRegistry
    intents: IntentStore
    polling: Polling
    # a registration given back after an unclear failure is looked into after this long, by
    # the registration job, unless a retry comes first
    retry_in_s: float

    @classmethod
    def of(
        cls, registry: ProviderRegistry, sessions: SessionMaker, settings: Settings
    ) -> "Registrar":
        return cls(
            registry=registry,
            intents=IntentStore(sessions, settings.registration_lease_s),
            polling=Polling(settings.registration_poll_s, settings.registration_poll_cap_s),
            retry_in_s=settings.registration_poll_s,
        )

    @classmethod
    def of_request(cls, request: Request) -> "Registrar":
        state = request.app.state
        return cls.of(state.providers, state.sessions, state.settings)


@dataclass(frozen=True, slots=True)
class Scope:
    """One registration operation's transaction, tenant and registrar (a request's, or a
    job's)."""

    session: AsyncSession
    tenant: Tenant
    registrar: Registrar


def registration_scope(scope: str) -> Callable[..., Awaitable[Scope]]:
    """The endpoint dependency: 401/403 as everywhere, then the operation's scope."""
    authorized = authorize(scope)

    async def in_scope(request: Request, auth: AuthContext = Depends(authorized)) -> Scope:
        return Scope(request_session(request), auth.tenant, Registrar.of_request(request))

    in_scope.__name__ = f"registration_{authorized.__name__}"
    return in_scope
