"""An org's credentials at a live provider: its own account, or the platform default."""

import json
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import ProviderAccount
from app.db.tenancy import Tenant
from app.kit.secrets import SecretBox
from app.provider_accounts.repository import ProviderAccountRepository
from app.settings import Settings
from providers.catalog import ProviderCatalog
from providers.descriptor import HttpProviderSettings

DEFAULT_TOKEN = "default"  # the platform account's webhook URL token


@dataclass(frozen=True, slots=True)
class Credentials:
    provider: str
    account_id: uuid.UUID | None  # None: the platform default from settings
    secrets: dict[str, str]
    rate_per_s: float
    webhook_token: str = DEFAULT_TOKEN
    org_id: uuid.UUID | None = None

    @property
    def bucket_key(self) -> str:
        return f"{self.provider}:{self.account_id or 'default'}"

    def __repr__(self) -> str:  # never print the secrets
        return f"Credentials({self.provider}, {self.account_id or 'default'})"


def webhook_url(settings: Settings, provider: str, token: str) -> str:
    """Where the provider must send its events for this account (``default``: the platform's)."""
    return f"{settings.public_url.rstrip('/')}/v1/providers/{provider}/webhooks/{token}"


def default_rate(catalog: ProviderCatalog, provider: str) -> float:
    settings = catalog.settings(provider)
    return settings.rate_per_s if isinstance(settings, HttpProviderSettings) else 0.0


def credentials_of(
    account: ProviderAccount, box: SecretBox, catalog: ProviderCatalog
) -> Credentials:
    return Credentials(
        provider=account.provider,
        account_id=account.id,
        secrets=json.loads(box.open(account.credentials)),
        rate_per_s=account.rate_per_s or default_rate(catalog, account.provider),
        webhook_token=account.webhook_token,
        org_id=account.org_id,
    )


def platform_credentials(catalog: ProviderCatalog, provider: str) -> Credentials | None:
    secrets = catalog.settings(provider).platform_credentials()
    if secrets is None:
        return None
    return Credentials(provider, None, secrets, default_rate(catalog, provider))


async def resolve_credentials(
    session: AsyncSession, tenant: Tenant, box: SecretBox, catalog: ProviderCatalog, provider: str
) -> Credentials | None:
    account = await ProviderAccountRepository(session, tenant).get_by_provider(provider)
    if account is not None:
        return credentials_of(account, box, catalog)
    return platform_credentials(catalog, provider)
