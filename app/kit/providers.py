"""Which adapter serves a tenant's provider: the sandbox in test mode, real ones in live mode.

Live adapters are built from the org's provider account (or the platform default) and share
one connection pool; each account's requests pass through its shared rate-limit bucket.
"""

import time
from collections.abc import Awaitable
from typing import Literal, TypeVar

import httpx

from app.kit.db import SessionMaker
from app.kit.errors import ProviderError, ProviderNotConfigured, ValidationFailed
from app.kit.provider_limits import LimitedTransport, SharedBucket
from app.kit.secrets import SecretBox
from app.kit.tenancy import Tenant
from app.models import Mode
from app.provider_accounts.service import Credentials, resolve_credentials, webhook_url
from app.settings import Settings
from providers.base import Provider, ProviderCallError, ProviderObjectNotFound
from providers.plivo import PlivoProvider
from providers.sandbox import SandboxProvider
from providers.telnyx import TelnyxProvider

T = TypeVar("T")
ProviderName = Literal["sandbox", "telnyx", "plivo"]
PROVIDER_NAMES: tuple[str, ...] = ("sandbox", "telnyx", "plivo")
CREDENTIALS_TTL_S = 30.0


class ProviderRegistry:
    def __init__(self, sessions: SessionMaker, settings: Settings, box: SecretBox) -> None:
        self._sessions = sessions
        self._settings = settings
        self._box = box
        self._pool: httpx.AsyncHTTPTransport | None = None
        self._credentials: dict[tuple[Tenant, str], tuple[float, Credentials | None]] = {}
        self._adapters: dict[tuple[str, str], Provider] = {}

    def check_name(self, tenant: Tenant, name: str) -> None:
        if tenant.mode is Mode.LIVE and name == "sandbox":
            raise ValidationFailed(details={"provider": "sandbox is available in test mode only"})

    async def for_tenant(self, tenant: Tenant, name: str) -> Provider:
        self.check_name(tenant, name)
        if tenant.mode is Mode.TEST:
            return self.sandbox(tenant, name)
        return self.live(await self.ensure_configured(tenant, name))

    async def ensure_configured(self, tenant: Tenant, name: str) -> Credentials:
        """The live account's credentials, or 409 PROVIDER_NOT_CONFIGURED."""
        credentials = await self.credentials(tenant, name)
        if credentials is None:
            raise ProviderNotConfigured(f"no {name} account is configured for this organisation")
        return credentials

    async def credentials(self, tenant: Tenant, name: str) -> Credentials | None:
        cached = self._credentials.get((tenant, name))
        # a missing account is re-read soon: it is usually being set up right now
        ttl = CREDENTIALS_TTL_S if cached is not None and cached[1] is not None else 1.0
        if cached is not None and time.monotonic() - cached[0] < ttl:
            return cached[1]
        async with self._sessions() as session:
            found = await resolve_credentials(session, tenant, self._box, self._settings, name)
        self._credentials[(tenant, name)] = (time.monotonic(), found)
        return found

    def live(self, credentials: Credentials) -> Provider:
        cache_key = (credentials.bucket_key, repr(sorted(credentials.secrets.items())))
        adapter = self._adapters.get(cache_key)
        if adapter is None:
            adapter = self._adapters[cache_key] = self._build(credentials)
        return adapter

    def _build(self, credentials: Credentials) -> Provider:
        settings = self._settings
        if self._pool is None:
            self._pool = httpx.AsyncHTTPTransport(
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=50)
            )
        bucket = SharedBucket(
            self._sessions, credentials.bucket_key, credentials.rate_per_s, settings.provider_burst
        )
        client = httpx.AsyncClient(
            transport=LimitedTransport(self._pool, bucket), timeout=settings.provider_timeout_s
        )
        secrets = credentials.secrets
        if credentials.provider == "telnyx":
            return TelnyxProvider(client, secrets["api_key"], settings.telnyx_base_url)
        callback = webhook_url(settings, "plivo", credentials.webhook_token)
        return PlivoProvider(
            client,
            secrets["auth_id"],
            secrets["auth_token"],
            settings.plivo_base_url,
            callback_url=callback,
        )

    def sandbox(self, tenant: Tenant, name: str) -> SandboxProvider:
        return SandboxProvider(
            self._sessions,
            tenant.org_id,
            name=name,
            delay_s=self._settings.sandbox_delay_s,
            failure_rate=self._settings.sandbox_failure_rate,
        )

    def forget(self, tenant: Tenant) -> None:
        """Drop cached credentials of a tenant (after its accounts changed)."""
        for key in [k for k in self._credentials if k[0] == tenant]:
            del self._credentials[key]

    async def aclose(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()
            self._pool = None


async def read_from_provider(call: Awaitable[T], *, field: str) -> T:
    """A synchronous provider read: unknown object → 422 on ``field``; other failures → 502."""
    try:
        return await call
    except ProviderObjectNotFound as exc:
        raise ValidationFailed(details={field: exc.reason}) from None
    except ProviderCallError as exc:
        raise ProviderError(exc.reason) from None  # adapters name themselves in reasons
