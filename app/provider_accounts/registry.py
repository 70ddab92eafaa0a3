"""Which adapter serves a tenant's provider: the catalog's test stand-in (the sandbox) in test
mode, the named provider in live mode.

Live adapters are built from the org's provider account (or the platform default) and share
one connection pool; each account's requests pass through its shared rate-limit bucket.
"""

import time
from collections.abc import Awaitable
from typing import TypeVar

import httpx

from app.db.engine import SessionMaker
from app.db.models import Mode
from app.db.tenancy import Tenant
from app.kit.errors import (
    ProviderError,
    ProviderNotConfigured,
    UnsupportedByProvider,
    ValidationFailed,
)
from app.kit.secrets import SecretBox
from app.provider_accounts.credentials import Credentials, resolve_credentials, webhook_url
from app.provider_accounts.inventory_ledger import DatabaseInventoryLedger
from app.provider_accounts.ledger import DatabaseLinkLedger
from app.provider_accounts.object_ledger import DatabaseObjectLedger
from app.provider_accounts.rate_limit import AdaptiveRate, LimitedTransport, SharedBucket
from app.settings import Settings
from providers.base import Provider, ProviderCallError, ProviderObjectNotFound
from providers.catalog import ProviderCatalog
from providers.descriptor import AdapterContext, Capability, ProviderDescriptor

T = TypeVar("T")
CREDENTIALS_TTL_S = 30.0
# how operations read in UNSUPPORTED_BY_PROVIDER messages (others: the capability's name)
OPERATIONS: dict[Capability, str] = {
    Capability.REGISTER_BRAND: "brand registration",
    Capability.UPDATE_BRAND: "brand updates",
    Capability.DELETE_BRAND: "brand deletion",
    Capability.RESEND_2FA_EMAIL: "2FA emails",
    Capability.SMS_OTP: "SMS PIN verification",
    Capability.BRAND_FEEDBACK: "brand feedback",
    Capability.VETTING: "external vetting",
    Capability.IMPORT_VETTING: "vetting import",
    Capability.REVET: "revetting",
    Capability.QUALIFY_USECASE: "usecase qualification",
    Capability.REGISTER_CAMPAIGN: "campaign registration",
    Capability.UPDATE_CAMPAIGN: "campaign updates",
    Capability.DEACTIVATE_CAMPAIGN: "campaign deactivation",
    Capability.APPEAL_CAMPAIGN: "campaign appeals",
    Capability.CARRIER_STATUS: "per-carrier campaign status",
    Capability.ACCEPT_SHARED_CAMPAIGN: "shared campaigns",
    Capability.LIST_NUMBERS: "number listing (inventory sync)",
    Capability.LIST_CAMPAIGN_NUMBERS: "campaign number listing (audits)",
    Capability.LIST_PROFILE_NUMBERS: "messaging profiles (number-pool audits)",
}


class ProviderRegistry:
    def __init__(
        self,
        sessions: SessionMaker,
        settings: Settings,
        box: SecretBox,
        catalog: ProviderCatalog,
        ledger_sessions: SessionMaker | None = None,
    ) -> None:
        self._sessions = sessions
        # the sandbox's own storage: a pool apart, so a request holding a connection never
        # waits on its own pool for the provider it calls
        self._ledger_sessions = ledger_sessions or sessions
        self._settings = settings
        self._box = box
        self.catalog = catalog
        self._pool: httpx.AsyncHTTPTransport | None = None
        self._credentials: dict[tuple[Tenant, str], tuple[float, Credentials | None]] = {}
        self._adapters: dict[tuple[str, str], Provider] = {}

    def descriptor(self, name: str) -> ProviderDescriptor:
        """The named provider, or 422 on ``provider``."""
        found = self.catalog.get(name)
        if found is None:
            known = ", ".join(self.catalog.names())
            raise ValidationFailed(
                details={"provider": f"unknown provider {name!r}; one of {known}"}
            )
        return found

    def serving(self, tenant: Tenant, name: str) -> ProviderDescriptor:
        """The provider that answers for ``name`` in the tenant's mode (422 for a name that is
        unknown, or test-mode only in live mode)."""
        named = self.descriptor(name)
        if tenant.mode is Mode.TEST:
            return self.catalog.test_stand_in
        if not named.live:
            raise ValidationFailed(details={"provider": f"{name} is available in test mode only"})
        return named

    def require(self, tenant: Tenant, name: str, *capabilities: Capability) -> None:
        """422 UNSUPPORTED_BY_PROVIDER unless the named provider declares every operation and
        the provider serving it in this mode offers it too: the same answer in test and live
        mode (the sandbox serves a name with that provider's operations only)."""
        named, serving = self.descriptor(name), self.serving(tenant, name)
        missing = [c for c in capabilities if not (named.supports(c) and serving.supports(c))]
        if missing:
            what = ", ".join(OPERATIONS.get(c, c.value.replace("_", " ")) for c in missing)
            raise UnsupportedByProvider(
                f"{name} has no {what}", details={"provider": f"{name} does not offer {what}"}
            )

    async def ensure_offered(self, tenant: Tenant, name: str, *capabilities: Capability) -> None:
        """``require``, and in live mode an account at the provider (else 409
        PROVIDER_NOT_CONFIGURED)."""
        self.require(tenant, name, *capabilities)
        if tenant.mode is Mode.LIVE:
            await self.ensure_configured(tenant, name)

    async def for_tenant(self, tenant: Tenant, name: str) -> Provider:
        descriptor = self.serving(tenant, name)
        if not descriptor.live:
            return self.stand_in(tenant, name)
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
            found = await resolve_credentials(session, tenant, self._box, self.catalog, name)
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
        name = credentials.provider
        adaptive = AdaptiveRate(
            settings.provider_adaptive_rate,
            settings.provider_rate_decrease,
            settings.provider_rate_increase,
            settings.provider_rate_floor,
            settings.provider_rate_cooldown_s,
        )
        bucket = SharedBucket(
            self._sessions,
            credentials.bucket_key,
            credentials.rate_per_s,
            settings.provider_burst,
            adaptive,
        )
        transport = LimitedTransport(self._pool, bucket, self.descriptor(name).rate_signal)
        client = httpx.AsyncClient(transport=transport, timeout=settings.provider_timeout_s)
        context = AdapterContext(
            name=name,
            settings=self.catalog.settings(name),
            credentials=credentials.secrets,
            webhook_url=webhook_url(settings, name, credentials.webhook_token),
            http=client,
        )
        return self.descriptor(name).build(context)

    def stand_in(self, tenant: Tenant, name: str) -> Provider:
        """The test-mode provider, answering for ``name`` so objects keep the name asked for."""
        stand_in = self.catalog.test_stand_in
        context = AdapterContext(
            name=name,
            settings=self.catalog.settings(stand_in.name),
            credentials={},
            webhook_url="",
            ledger=DatabaseLinkLedger(self._ledger_sessions, tenant.org_id),
            inventory=DatabaseInventoryLedger(self._ledger_sessions, tenant.org_id),
            objects=DatabaseObjectLedger(self._ledger_sessions, tenant.org_id),
        )
        return stand_in.build(context)

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
