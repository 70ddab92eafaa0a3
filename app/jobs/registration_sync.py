"""Registration sync: brands and campaigns due a read (``next_attempt_at``) are read from their
provider, until they settle (``app.registration.sync`` decides when next). Due after a
registration, an operation that changes them, or a provider event that leaves their state
unsaid; in test mode the sandbox says when its review ends, so the read comes right then.

The outcome is written back only by the lease's holder and only if nobody changed the row
meanwhile (``updated_at``); otherwise the lease is just given back. Every change written here
must emit ``brand.updated`` / ``campaign.updated`` once events exist.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from sqlalchemy import RowMapping, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.brands import repository as brands
from app.campaigns import repository as campaigns
from app.campaigns.service import read_campaign
from app.db.models import Brand, Campaign, Mode
from app.db.tenancy import Tenant
from app.jobs.base import LeasedTable, QueueJob
from app.jobs.context import JobContext
from app.kit.backoff import backoff_delay
from app.kit.errors import NumlinkError
from app.registration.calls import failure_text
from app.registration.context import Registrar, Scope
from app.registration.sync import due_in
from providers.base import ProviderCallError

log = logging.getLogger("numlink.worker")
W = TypeVar("W")


@dataclass(frozen=True, slots=True)
class Due:
    id: uuid.UUID
    tenant: Tenant
    attempts: int
    updated_at: datetime
    token: str


class RegistrationQueue(QueueJob[W]):
    """The registration jobs' queue: the worker's pace, and one registrar."""

    def __init__(self, context: JobContext, lease_s: float) -> None:
        s = context.settings
        super().__init__(
            context.sessions,
            concurrency=s.worker_concurrency,
            batch_size=s.worker_batch_size,
            lease_s=lease_s,
            idle_s=s.worker_idle_sleep_s,
        )
        self.registrar = Registrar.of(context.providers, context.sessions, s)


class RegistrationSyncJob(RegistrationQueue[Due]):
    model: ClassVar[Any]

    def __init__(self, context: JobContext) -> None:
        super().__init__(context, context.settings.worker_lease_s)

    def to_work(self, row: RowMapping, token: str) -> Due:
        tenant = Tenant(row["org_id"], Mode(row["mode"]))
        return Due(row["id"], tenant, row["attempts"], row["updated_at"], token)

    async def read(self, session: AsyncSession, item: Due) -> dict[str, Any]:
        """The provider's view of the row as the values to write; ``updated_at`` among them
        when the object's state changed."""
        raise NotImplementedError

    async def process(self, item: Due) -> None:
        try:
            async with self.sessions() as session:
                values = await self.read(session, item)
        except (ProviderCallError, NumlinkError) as exc:
            reason = failure_text(exc)
            log.info("registration read failed", extra={"job": self.name, "reason": reason})
            polling = self.registrar.polling
            wait = backoff_delay(item.attempts, polling.base_s, polling.cap_s)
            values = {"next_attempt_at": due_in(wait), "attempts": item.attempts + 1}
        except Exception:
            log.exception("registration read failed", extra={"job": self.name})
            values = {"next_attempt_at": due_in(self.registrar.polling.cap_s)}
        await self._write_back(item, values)

    async def _write_back(self, item: Due, values: dict[str, Any]) -> None:
        model = self.model
        mine = (model.id == item.id) & (model.lease_owner == item.token)
        async with self.sessions.begin() as session:
            written = await session.execute(
                update(model)
                .where(mine, model.updated_at == item.updated_at)
                .values(**values, lease_owner=None)
                .returning(model.id)
            )
            if written.first() is None:  # changed meanwhile: its writer scheduled what is next
                await session.execute(update(model).where(mine).values(lease_owner=None))


class BrandSyncJob(RegistrationSyncJob):
    name = "brand_sync"
    model = Brand
    table = LeasedTable("brands", "t.id, t.org_id, t.mode, t.attempts, t.updated_at")

    async def read(self, session: AsyncSession, item: Due) -> dict[str, Any]:
        brand = await brands.BrandRepository(session, item.tenant).fresh(item.id)
        adapter = await self.registrar.registry.for_tenant(item.tenant, brand.provider)
        info = await adapter.get_brand(brand.provider_brand_id)
        values = brands.info_values(info, self.registrar.polling)
        if info.tcr_brand_id:
            values["tcr_brand_id"] = info.tcr_brand_id
        return _changed(brand, values, ("status", "identity_status", "tcr_brand_id"))


class CampaignSyncJob(RegistrationSyncJob):
    name = "campaign_sync"
    model = Campaign
    table = LeasedTable("campaigns", "t.id, t.org_id, t.mode, t.attempts, t.updated_at")

    async def read(self, session: AsyncSession, item: Due) -> dict[str, Any]:
        campaign = await campaigns.CampaignRepository(session, item.tenant).fresh(item.id)
        info = await read_campaign(Scope(session, item.tenant, self.registrar), campaign)
        values = campaigns.info_values(info, self.registrar.polling)
        if info.usecase is None:
            values.pop("usecase")
        if info.tcr_campaign_id:
            values["tcr_campaign_id"] = info.tcr_campaign_id
        return _changed(campaign, values, ("status", "provider_status", "tcr_campaign_id"))


def _changed(row: Any, values: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """A poll that finds the object as it was is not an update of it."""
    names = (*names, "failure_reasons")
    if any(name in values and getattr(row, name) != values[name] for name in names):
        values["updated_at"] = due_in(0)
    return values
