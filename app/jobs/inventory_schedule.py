"""Scheduled inventory work: every live provider account is synced every
``NUMLINK_INVENTORY_SYNC_INTERVAL_S`` and audited (report only) every
``NUMLINK_AUDIT_INTERVAL_S``, at low priority inside the account's shared rate limit (see
``app.provider_accounts.rate_limit``), where its provider offers the listings. A task is
started only when the account has had none of that kind for the interval."""

import logging
from datetime import timedelta

from sqlalchemy import text

from app.audits.schemas import AuditRequest
from app.audits.service import audit_task
from app.db.models import Mode
from app.db.tenancy import Tenant
from app.inventory.repository import InventoryRepository
from app.jobs.base import PeriodicJob
from app.jobs.context import JobContext
from app.kit.errors import NumlinkError
from providers.descriptor import Capability

log = logging.getLogger("numlink.worker")
CHECK_EVERY_S = 60.0

# Live accounts whose last task of the kind is older than the interval (or that never had one).
_DUE = text(
    """
SELECT a.org_id, a.provider FROM provider_accounts a
WHERE a.mode = 'live' AND a.provider = ANY(CAST(:providers AS text[]))
  AND NOT EXISTS (
    SELECT 1 FROM bulk_tasks t
    WHERE t.org_id = a.org_id AND t.mode = 'live' AND t.provider = a.provider
      AND t.operation = :operation AND t.created_at > now() - CAST(:interval AS interval))
ORDER BY a.org_id, a.provider
"""
)


class InventoryScheduleJob(PeriodicJob):
    name = "inventory_schedule"

    def __init__(self, context: JobContext) -> None:
        super().__init__(CHECK_EVERY_S)
        self.context = context
        self.sessions = context.sessions

    def _providers(self, capability: Capability) -> list[str]:
        catalog = self.context.providers.catalog
        found = (catalog.get(name) for name in catalog.live_names())
        return [d.name for d in found if d is not None and d.supports(capability)]

    async def _due(
        self, operation: str, interval_s: float, capability: Capability
    ) -> list[tuple[Tenant, str]]:
        params = {
            "providers": self._providers(capability),
            "operation": operation,
            "interval": timedelta(seconds=interval_s),
        }
        async with self.sessions() as session:
            rows = (await session.execute(_DUE, params)).all()
        return [(Tenant(r.org_id, Mode.LIVE), str(r.provider)) for r in rows]

    async def run_pass(self) -> None:
        settings = self.context.settings
        if settings.inventory_sync_interval_s > 0:
            for tenant, provider in await self._due(
                "sync", settings.inventory_sync_interval_s, Capability.LIST_NUMBERS
            ):
                async with self.sessions.begin() as session:
                    await InventoryRepository(session, tenant).start_sync(
                        provider, low_priority=True
                    )
        if settings.audit_interval_s > 0:
            for tenant, provider in await self._due(
                "audit", settings.audit_interval_s, Capability.LIST_CAMPAIGN_NUMBERS
            ):
                try:
                    async with self.sessions.begin() as session:
                        await audit_task(
                            session, tenant, self.context.providers,
                            AuditRequest.model_construct(provider=provider), low_priority=True,
                        )  # fmt: skip
                except NumlinkError as exc:
                    log.info("scheduled audit not started", extra={"reason": exc.message})
