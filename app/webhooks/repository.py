"""Webhook queries. Endpoints and signing secrets are tenant-scoped; the outbox queries at the
end serve the deliverer, which works across tenants like the propagation worker."""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.tenancy import Tenant, TenantRepository
from app.models import WebhookDelivery, WebhookEndpoint, WebhookSigningSecret

ENDPOINT_DISABLED = "endpoint disabled"


class EndpointRepository(TenantRepository):
    model = WebhookEndpoint

    async def get(self, endpoint_id: uuid.UUID | None) -> WebhookEndpoint | None:
        if endpoint_id is None:
            return None
        stmt = self.scoped(select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id))
        found: WebhookEndpoint | None = (await self.session.execute(stmt)).scalar()
        return found

    def list_query(self) -> Select[Any]:
        return self.scoped(select(WebhookEndpoint))

    async def add(self, endpoint: WebhookEndpoint) -> WebhookEndpoint:
        endpoint.org_id, endpoint.mode = self.tenant.org_id, self.tenant.mode.value
        self.session.add(endpoint)
        await self.session.flush()
        await self.session.refresh(endpoint)
        return endpoint

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


# --- the outbox -------------------------------------------------------------------------------

# clock_timestamp(), not now(): schedules are about wall time, not transaction start. The lease
# pushes next_attempt_at forward, so a crashed worker's rows become due again by themselves.
_CLAIM = text(
    """
WITH due AS (
    SELECT d.id, e.secret AS endpoint_secret, e.disabled_at IS NOT NULL AS endpoint_disabled
    FROM webhook_deliveries d
    LEFT JOIN webhook_endpoints e ON e.id = d.endpoint_id
    WHERE d.next_attempt_at <= (SELECT clock_timestamp())
    ORDER BY d.next_attempt_at
    LIMIT :limit
    FOR UPDATE OF d SKIP LOCKED
)
UPDATE webhook_deliveries d
SET lease_owner = :token, next_attempt_at = clock_timestamp() + make_interval(secs => :lease_s)
FROM due
WHERE d.id = due.id
RETURNING d.id, d.org_id, d.mode, d.endpoint_id, d.url, d.payload, d.attempts,
          due.endpoint_secret, due.endpoint_disabled
"""
)

# Guarded by the lease: a worker whose lease expired (and whose row was claimed again) changes
# nothing.
_FINISH = text(
    """
UPDATE webhook_deliveries SET
    lease_owner = NULL,
    attempts = :attempts,
    last_error = CAST(:error AS text),
    delivered_at = CASE WHEN :delivered THEN clock_timestamp() ELSE delivered_at END,
    next_attempt_at = CASE WHEN CAST(:retry_in_s AS float8) IS NULL THEN NULL
        ELSE clock_timestamp() + make_interval(secs => CAST(:retry_in_s AS float8)) END
WHERE id = :id AND lease_owner = :token
RETURNING id
"""
)


@dataclass(frozen=True, slots=True)
class DueDelivery:
    id: uuid.UUID
    org_id: uuid.UUID
    mode: str
    endpoint_id: uuid.UUID | None  # None: the number's status_url
    url: str
    payload: dict[str, Any]
    attempts: int
    endpoint_secret: bytes | None  # sealed
    endpoint_disabled: bool
    token: str

    def __repr__(self) -> str:  # the sealed secret stays out of logs and tracebacks
        return f"DueDelivery({self.id}, endpoint={self.endpoint_id}, attempts={self.attempts})"


@dataclass(frozen=True, slots=True)
class Result:
    """What an attempt leaves on the row. ``retry_in_s`` None: no further attempt."""

    delivered: bool
    attempts: int
    retry_in_s: float | None
    error: str | None


async def claim(session: AsyncSession, token: str, limit: int, lease_s: float) -> list[DueDelivery]:
    rows = (
        await session.execute(_CLAIM, {"token": token, "limit": limit, "lease_s": lease_s})
    ).mappings()
    return [
        DueDelivery(
            id=r["id"],
            org_id=r["org_id"],
            mode=r["mode"],
            endpoint_id=r["endpoint_id"],
            url=r["url"],
            payload=r["payload"],
            attempts=r["attempts"],
            endpoint_secret=r["endpoint_secret"],
            endpoint_disabled=bool(r["endpoint_disabled"]),
            token=token,
        )
        for r in rows
    ]


async def finish(session: AsyncSession, item: DueDelivery, result: Result) -> bool:
    """Writes the attempt's result; False if the lease was lost (nothing written)."""
    params = {
        "id": item.id,
        "token": item.token,
        "attempts": result.attempts,
        "error": result.error,
        "delivered": result.delivered,
        "retry_in_s": result.retry_in_s,
    }
    return (await session.execute(_FINISH, params)).first() is not None
