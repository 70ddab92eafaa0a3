"""Webhook endpoints and signing secrets, tenant-scoped. The outbox is the delivery job's
(``app.jobs.webhook_delivery``)."""

import uuid
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import WebhookDelivery, WebhookEndpoint, WebhookSigningSecret
from app.db.tenancy import Tenant, TenantRepository

ENDPOINT_DISABLED = "endpoint disabled"
DISABLED_BY_REQUEST = "disabled by request"


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

    async def update(self, endpoint: WebhookEndpoint, fields: dict[str, Any]) -> WebhookEndpoint:
        for name, value in fields.items():
            setattr(endpoint, name, value)
        endpoint.updated_at = func.now()
        await self.session.flush()
        await self.session.refresh(endpoint)
        return endpoint

    async def enable(self, endpoint: WebhookEndpoint) -> WebhookEndpoint:
        """Clears ``disabled_at`` and the failure record: deliveries start again with the next
        event (the ones dropped while disabled can be retried one by one)."""
        if endpoint.disabled_at is None:
            return endpoint
        fields = {"disabled_at": None, "disabled_reason": None, "failing_since": None}
        return await self.update(endpoint, fields)

    async def disable(self, endpoint: WebhookEndpoint) -> WebhookEndpoint:
        """Sets ``disabled_at`` once and drops the endpoint's pending deliveries."""
        if endpoint.disabled_at is None:
            fields = {"disabled_at": func.now(), "disabled_reason": DISABLED_BY_REQUEST}
            await self.update(endpoint, fields)
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


class DeliveryRepository(TenantRepository[WebhookDelivery]):
    model = WebhookDelivery
    noun = "webhook delivery"

    def list_query(self, endpoint_id: uuid.UUID) -> Select[Any]:
        return self.scoped(
            select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
        )

    async def of_endpoint(
        self, endpoint_id: uuid.UUID, delivery_id: uuid.UUID | None
    ) -> WebhookDelivery | None:
        found = await self.get(delivery_id)
        return found if found is not None and found.endpoint_id == endpoint_id else None

    async def schedule_now(self, delivery: WebhookDelivery) -> bool:
        """Makes the delivery due now; False if an attempt holds it (its lease is running)."""
        now = func.clock_timestamp()
        stmt = self.scoped(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == delivery.id,
                (WebhookDelivery.lease_owner.is_(None)) | (WebhookDelivery.next_attempt_at <= now),
            )
            .values(next_attempt_at=now)
            .returning(WebhookDelivery.id)
        )
        scheduled = (await self.session.execute(stmt)).first() is not None
        await self.session.refresh(delivery)
        return scheduled
