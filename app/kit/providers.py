"""Which adapter serves a tenant's provider: the sandbox in test mode, real ones in live mode."""

from collections.abc import Awaitable
from typing import Literal, TypeVar

from app.kit.db import SessionMaker
from app.kit.errors import ProviderError, ProviderNotConfigured, ValidationFailed
from app.kit.tenancy import Tenant
from app.models import Mode
from app.settings import Settings
from providers.base import Provider, ProviderCallError, ProviderObjectNotFound
from providers.sandbox import SandboxProvider

T = TypeVar("T")
ProviderName = Literal["sandbox", "telnyx", "plivo"]
PROVIDER_NAMES: tuple[str, ...] = ("sandbox", "telnyx", "plivo")


class ProviderRegistry:
    def __init__(self, sessions: SessionMaker, settings: Settings) -> None:
        self._sessions = sessions
        self._settings = settings

    def check_name(self, tenant: Tenant, name: str) -> None:
        if tenant.mode is Mode.LIVE and name == "sandbox":
            raise ValidationFailed(details={"provider": "sandbox is available in test mode only"})

    async def for_tenant(self, tenant: Tenant, name: str) -> Provider:
        self.check_name(tenant, name)
        if tenant.mode is Mode.TEST:
            return self.sandbox(tenant, name)
        # Live adapters resolve the org's provider account; none is configured yet.
        raise ProviderNotConfigured(f"no {name} account is configured for this organisation")

    def sandbox(self, tenant: Tenant, name: str) -> SandboxProvider:
        return SandboxProvider(
            self._sessions,
            tenant.org_id,
            name=name,
            delay_s=self._settings.sandbox_delay_s,
            failure_rate=self._settings.sandbox_failure_rate,
        )


async def read_from_provider(call: Awaitable[T], *, provider: str, field: str) -> T:
    """A synchronous provider read: unknown object → 422 on ``field``; other failures → 502."""
    try:
        return await call
    except ProviderObjectNotFound as exc:
        raise ValidationFailed(details={field: exc.reason}) from None
    except ProviderCallError as exc:
        raise ProviderError(f"{provider}: {exc.reason}") from None
