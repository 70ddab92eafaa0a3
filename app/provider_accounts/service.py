"""Provider accounts: an org's credentials at Telnyx or Plivo, encrypted at rest, never shown.

An org without an account of its own uses the platform-wide default from settings, if any.
"""

import json
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.errors import NotFound, ValidationFailed
from app.kit.secrets import SecretBox
from app.kit.tenancy import Tenant
from app.models import Mode, ProviderAccount
from app.provider_accounts.repository import ProviderAccountRepository
from app.provider_accounts.schemas import ProviderAccountOut, ProviderAccountSet
from app.settings import Settings
from providers.telnyx.webhooks import is_public_key

LIVE_PROVIDERS = ("telnyx", "plivo")
REQUIRED = {"telnyx": ("api_key",), "plivo": ("auth_id", "auth_token")}
ALLOWED = {"telnyx": {"api_key", "public_key"}, "plivo": {"auth_id", "auth_token"}}


@dataclass(frozen=True, slots=True)
class Credentials:
    provider: str
    account_id: uuid.UUID | None  # None: the platform default from settings
    secrets: dict[str, str]
    rate_per_s: float
    webhook_token: str | None = None
    org_id: uuid.UUID | None = None

    @property
    def bucket_key(self) -> str:
        return f"{self.provider}:{self.account_id or 'default'}"

    def __repr__(self) -> str:  # never print the secrets
        return f"Credentials({self.provider}, {self.account_id or 'default'})"


def check_provider(provider: str) -> None:
    if provider not in LIVE_PROVIDERS:
        raise ValidationFailed(
            details={"provider": f"unknown provider {provider!r}; one of telnyx, plivo"}
        )


def check_live(tenant: Tenant) -> None:
    if tenant.mode is not Mode.LIVE:
        raise ValidationFailed(
            "provider accounts are used in live mode; test mode uses the sandbox",
            details={"mode": "use a live key (am_live_…)"},
        )


def validated_secrets(provider: str, body: ProviderAccountSet) -> dict[str, str]:
    given = {k: v for k, v in body.model_dump(exclude={"rate_per_s"}).items() if v is not None}
    errors = {f: f"not used by {provider}" for f in given if f not in ALLOWED[provider]}
    errors.update({f: f"required for {provider}" for f in REQUIRED[provider] if f not in given})
    if "public_key" in given and not is_public_key(given["public_key"]):
        errors["public_key"] = "must be the base64 Ed25519 public key (32 bytes)"
    if errors:
        raise ValidationFailed(details=errors)
    return given


def hint_of(provider: str, secrets: dict[str, str]) -> str:
    if provider == "plivo":
        return secrets["auth_id"]
    return f"…{secrets['api_key'][-4:]}"


def default_rate(settings: Settings, provider: str) -> float:
    return settings.telnyx_rate_per_s if provider == "telnyx" else settings.plivo_rate_per_s


def account_out(account: ProviderAccount, settings: Settings) -> ProviderAccountOut:
    return ProviderAccountOut(
        provider=account.provider,
        credentials_hint=account.credentials_hint,
        rate_per_s=account.rate_per_s or default_rate(settings, account.provider),
        webhook_url=webhook_url(settings, account.provider, account.webhook_token),
        created_at=account.created_at,
        updated_at=account.updated_at,
    )


def webhook_url(settings: Settings, provider: str, token: str | None) -> str:
    """Where the provider must send its events for this account (``default``: the platform's)."""
    base = settings.public_url.rstrip("/")
    return f"{base}/v1/providers/{provider}/webhooks/{token or 'default'}"


async def put_account(
    session: AsyncSession,
    tenant: Tenant,
    box: SecretBox,
    provider: str,
    body: ProviderAccountSet,
) -> ProviderAccount:
    check_provider(provider)
    check_live(tenant)
    secrets = validated_secrets(provider, body)
    return await ProviderAccountRepository(session, tenant).put(
        provider, box.seal(json.dumps(secrets)), hint_of(provider, secrets), body.rate_per_s
    )


async def get_account(session: AsyncSession, tenant: Tenant, provider: str) -> ProviderAccount:
    check_provider(provider)
    account = await ProviderAccountRepository(session, tenant).get(provider)
    if account is None:
        raise NotFound(f"no {provider} account is configured")
    return account


async def remove_account(session: AsyncSession, tenant: Tenant, provider: str) -> None:
    check_provider(provider)
    if not await ProviderAccountRepository(session, tenant).remove(provider):
        raise NotFound(f"no {provider} account is configured")


def credentials_of(account: ProviderAccount, box: SecretBox, settings: Settings) -> Credentials:
    return Credentials(
        provider=account.provider,
        account_id=account.id,
        secrets=json.loads(box.open(account.credentials)),
        rate_per_s=account.rate_per_s or default_rate(settings, account.provider),
        webhook_token=account.webhook_token,
        org_id=account.org_id,
    )


def default_credentials(settings: Settings, provider: str) -> Credentials | None:
    if provider == "telnyx" and settings.telnyx_api_key:
        secrets = {"api_key": settings.telnyx_api_key}
        if settings.telnyx_public_key:
            secrets["public_key"] = settings.telnyx_public_key
    elif provider == "plivo" and settings.plivo_auth_id and settings.plivo_auth_token:
        secrets = {"auth_id": settings.plivo_auth_id, "auth_token": settings.plivo_auth_token}
    else:
        return None
    return Credentials(provider, None, secrets, default_rate(settings, provider))


async def resolve_credentials(
    session: AsyncSession, tenant: Tenant, box: SecretBox, settings: Settings, provider: str
) -> Credentials | None:
    account = await ProviderAccountRepository(session, tenant).get(provider)
    if account is not None:
        return credentials_of(account, box, settings)
    return default_credentials(settings, provider)
