"""Webhook endpoints and the org's signing secret. Secrets are sealed with the SecretBox at
rest; an endpoint's secret is returned only by the calls that set it (create, rotate)."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import WebhookEndpoint, WebhookSigningSecret
from app.db.tenancy import Tenant
from app.kit.errors import Conflict, ValidationFailed
from app.kit.secrets import SecretBox
from app.settings import Settings
from app.webhooks import repository, targets
from app.webhooks.repository import EndpointRepository
from app.webhooks.signing import new_secret


async def check_target(url: str, tenant: Tenant, settings: Settings, field: str = "url") -> None:
    """422 with ``details[field]`` when the URL may not receive webhooks (see targets.py)."""
    try:
        await targets.ensure_allowed(url, tenant.mode, settings)
    except targets.TargetRefused as exc:
        raise ValidationFailed(details={field: str(exc)}) from None


async def create_endpoint(
    session: AsyncSession,
    tenant: Tenant,
    settings: Settings,
    box: SecretBox,
    url: str,
    description: str | None,
) -> tuple[WebhookEndpoint, str]:
    """The new endpoint and its plaintext secret (for this one response)."""
    await check_target(url, tenant, settings)
    secret = new_secret()
    endpoint = WebhookEndpoint(url=url, description=description, secret=box.seal(secret))
    return await EndpointRepository(session, tenant).add(endpoint), secret


async def disable_endpoint(
    session: AsyncSession, tenant: Tenant, endpoint_id: uuid.UUID | None
) -> WebhookEndpoint:
    """Idempotent: a disabled endpoint keeps its first ``disabled_at``."""
    repo = EndpointRepository(session, tenant)
    return await repo.disable(await repo.get_or_404(endpoint_id))


async def rotate_secret(
    session: AsyncSession,
    tenant: Tenant,
    box: SecretBox,
    endpoint_id: uuid.UUID | None,
    secret: str | None,
) -> tuple[WebhookEndpoint, str]:
    """Replaces the secret at once: later attempts, retries included, use the new one."""
    repo = EndpointRepository(session, tenant)
    endpoint = await repo.get_or_404(endpoint_id)
    if endpoint.disabled_at is not None:
        raise Conflict("webhook endpoint is disabled")
    secret = secret or new_secret()
    endpoint = await repo.set_secret(endpoint, box.seal(secret))
    return endpoint, secret


async def signing_secret(
    session: AsyncSession, tenant: Tenant, box: SecretBox
) -> tuple[WebhookSigningSecret, str]:
    """The org's secret for status_url deliveries in this mode, created on first use."""
    row = await repository.signing_secret(session, tenant)
    if row is None:
        await repository.add_signing_secret(session, tenant, box.seal(new_secret()))
        row = await repository.signing_secret(session, tenant)
        assert row is not None
    return row, box.open(row.secret)
