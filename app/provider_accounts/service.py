"""Provider accounts: an org's credentials at a live provider, encrypted at rest, never shown.

An org without an account of its own uses the platform-wide default from settings, if any.
"""

import json

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Mode, ProviderAccount
from app.db.tenancy import Tenant
from app.kit.errors import NotFound, ValidationFailed
from app.kit.secrets import SecretBox
from app.provider_accounts.credentials import default_rate, webhook_url
from app.provider_accounts.repository import ProviderAccountRepository
from app.provider_accounts.schemas import ProviderAccountOut, ProviderAccountSet
from app.settings import Settings
from providers.catalog import ProviderCatalog
from providers.descriptor import ProviderDescriptor


def live_provider(catalog: ProviderCatalog, provider: str) -> ProviderDescriptor:
    descriptor = catalog.get(provider)
    if descriptor is None or descriptor.credentials_model is None:
        known = ", ".join(catalog.live_names())
        raise ValidationFailed(
            details={"provider": f"unknown provider {provider!r}; one of {known}"}
        )
    return descriptor


def check_live(tenant: Tenant) -> None:
    if tenant.mode is not Mode.LIVE:
        raise ValidationFailed(
            "provider accounts are used in live mode; test mode uses the sandbox",
            details={"mode": "use a live key (am_live_…)"},
        )


def validated_credentials(
    descriptor: ProviderDescriptor, body: ProviderAccountSet
) -> dict[str, str]:
    """The credentials by the provider's own schema; its errors worded for this provider."""
    assert descriptor.credentials_model is not None
    try:
        parsed = descriptor.credentials_model.model_validate(body.credentials())
    except ValidationError as exc:
        details: dict[str, str] = {}
        for error in exc.errors(include_url=False):
            field = ".".join(str(p) for p in error["loc"]) or "body"
            if error["type"] == "extra_forbidden":
                message = f"not used by {descriptor.name}"
            elif error["type"] == "missing":
                message = f"required for {descriptor.name}"
            else:
                message = str(error["msg"]).removeprefix("Value error, ")
            details.setdefault(field, message)
        raise ValidationFailed(details=details) from None
    return {k: v for k, v in parsed.model_dump().items() if v is not None}


def account_out(
    account: ProviderAccount, settings: Settings, catalog: ProviderCatalog
) -> ProviderAccountOut:
    return ProviderAccountOut(
        provider=account.provider,
        credentials_hint=account.credentials_hint,
        rate_per_s=account.rate_per_s or default_rate(catalog, account.provider),
        webhook_url=webhook_url(settings, account.provider, account.webhook_token),
        created_at=account.created_at,
        updated_at=account.updated_at,
    )


async def put_account(
    session: AsyncSession,
    tenant: Tenant,
    box: SecretBox,
    catalog: ProviderCatalog,
    provider: str,
    body: ProviderAccountSet,
) -> ProviderAccount:
    descriptor = live_provider(catalog, provider)
    check_live(tenant)
    secrets = validated_credentials(descriptor, body)
    return await ProviderAccountRepository(session, tenant).put(
        provider,
        box.seal(json.dumps(secrets)),
        descriptor.credentials_hint(secrets),
        body.rate_per_s,
    )


async def get_account(
    session: AsyncSession, tenant: Tenant, catalog: ProviderCatalog, provider: str
) -> ProviderAccount:
    live_provider(catalog, provider)
    account = await ProviderAccountRepository(session, tenant).get_by_provider(provider)
    if account is None:
        raise NotFound(f"no {provider} account is configured")
    return account


async def remove_account(
    session: AsyncSession, tenant: Tenant, catalog: ProviderCatalog, provider: str
) -> ProviderAccount:
    live_provider(catalog, provider)
    removed = await ProviderAccountRepository(session, tenant).remove(provider)
    if removed is None:
        raise NotFound(f"no {provider} account is configured")
    return removed
