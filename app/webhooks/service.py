"""Webhook endpoints and the org's signing secret. Secrets are sealed with the SecretBox at
rest; an endpoint's secret is returned only by the calls that set it (create, rotate)."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import WebhookDelivery, WebhookEndpoint, WebhookSigningSecret
from app.db.tenancy import Tenant
from app.kit.errors import Conflict, NotFound, ValidationFailed
from app.kit.secrets import SecretBox
from app.settings import Settings
from app.webhooks import repository, targets
from app.webhooks.repository import DeliveryRepository, EndpointRepository
from app.webhooks.schemas import EndpointUpdate
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
    enabled_events: list[str] | None = None,
) -> tuple[WebhookEndpoint, str]:
    """The new endpoint and its plaintext secret (for this one response)."""
    await check_target(url, tenant, settings)
    secret = new_secret()
    endpoint = WebhookEndpoint(
        url=url, description=description, enabled_events=enabled_events, secret=box.seal(secret)
    )
    return await EndpointRepository(session, tenant).add(endpoint), secret


async def update_endpoint(
    session: AsyncSession,
    tenant: Tenant,
    settings: Settings,
    endpoint_id: uuid.UUID | None,
    body: EndpointUpdate,
) -> WebhookEndpoint:
    """Changes the fields sent. A new ``url`` is checked like a new endpoint's and applies to
    pending deliveries and retries too (they are sent to the endpoint's URL of the moment)."""
    repo = EndpointRepository(session, tenant)
    endpoint = await repo.get_or_404(endpoint_id)
    fields = body.model_dump(include=body.model_fields_set)
    disabled = fields.pop("disabled", None)
    if "url" in fields:
        await check_target(fields["url"], tenant, settings)
    if fields:
        endpoint = await repo.update(endpoint, fields)
    if disabled is True:
        endpoint = await repo.disable(endpoint)
    elif disabled is False:
        endpoint = await repo.enable(endpoint)
    return endpoint


async def retry_delivery(
    session: AsyncSession,
    tenant: Tenant,
    endpoint_id: uuid.UUID | None,
    delivery_id: uuid.UUID | None,
) -> WebhookDelivery:
    """Makes one delivery due now, whatever its state (delivered ones are sent again), with
    the same webhook-id. Another endpoint's delivery is 404 like a missing one."""
    endpoint = await EndpointRepository(session, tenant).get_or_404(endpoint_id)
    repo = DeliveryRepository(session, tenant)
    delivery = await repo.of_endpoint(endpoint.id, delivery_id)
    if delivery is None:
        raise NotFound("webhook delivery not found")
    if endpoint.disabled_at is not None:
        raise Conflict("webhook endpoint is disabled; re-enable it first")
    if not await repo.schedule_now(delivery):
        raise Conflict("the delivery is being attempted now")
    return delivery


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
