"""Webhook endpoints and signing secrets, tenant-scoped. The outbox is the delivery job's
(``app.jobs.webhook_delivery``)."""

from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import WebhookDelivery, WebhookEndpoint, WebhookSigningSecret
from app.db.tenancy import Tenant, TenantRepository

ENDPOINT_DISABLED = "endpoint disabled"


class EndpointRepository(TenantRepository[WebhookEndpoint]):
    model = WebhookEndpoint
    noun = "webhook endpoint"

    def list_query(self) -> Select[Any]:
        return self.scoped(select(WebhookEndpoint))

    async def set_secret(self, endpoint: WebhookEndpoint, sealed: bytes) -> WebhookEndpoint:
        endpoint.secret = sealed
        endpoint.updated_at = func.now()
        await self.session.flush()
        await self.session.refresh(endpoint)
        return endpoint

    async def disable(self, endpoint: WebhookEndpoint) -> WebhookEndpoint:
        """Sets ``disabled_at`` once and drops the endpoint's pending deliveries."""
        if endpoint.disabled_at is None:
            endpoint.disabled_at = func.now()
            endpoint.updated_at = func.now()
            await self.session.flush()
            await self.session.refresh(endpoint)
        pending = self.scoped(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.endpoint_id == endpoint.id,
                WebhookDelivery.next_attempt_at.is_not(None),
            )
            .values(next_attempt_at=None, last_error=ENDPOINT_DISABLED),
            WebhookDelivery,
        )
        await self.session.execute(pending)
        return endpoint


async def signing_secret(session: AsyncSession, tenant: Tenant) -> WebhookSigningSecret | None:
    stmt = select(WebhookSigningSecret).where(
        WebhookSigningSecret.org_id == tenant.org_id,
        WebhookSigningSecret.mode == tenant.mode.value,
    )
    found: WebhookSigningSecret | None = (await session.execute(stmt)).scalar()
    return found


async def add_signing_secret(session: AsyncSession, tenant: Tenant, sealed: bytes) -> None:
    """Inserts unless the org and mode already have one (a concurrent first use wins)."""
    stmt = insert(WebhookSigningSecret).values(
        org_id=tenant.org_id, mode=tenant.mode.value, secret=sealed
    )
    await session.execute(stmt.on_conflict_do_nothing(index_elements=["org_id", "mode"]))
