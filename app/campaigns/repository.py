import uuid
from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, literal_column, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Campaign, PhoneNumber
from app.db.tenancy import TenantRepository
from app.events.recorder import recording_updates, watched_columns
from app.events.statements import CAMPAIGN_SUMMARY
from app.kit.ids import new_id
from app.registration.sync import Polling, campaign_settled
from providers.base import CampaignInfo
from providers.registration import CarrierStatus

_WATCHED = watched_columns(Campaign)  # a change of any is a campaign.updated event


def info_values(info: CampaignInfo, polling: Polling) -> dict[str, Any]:
    """What a read of the provider's campaign sets, and when to read it again."""
    return {
        "usecase": info.usecase,
        "status": info.status,
        "provider_status": info.provider_status,
        "failure_reasons": list(info.failure_reasons),
        "provider_synced_at": func.now(),
        **polling.values(info.recheck_after_s, campaign_settled(info.status)),
    }


def carrier_entry(carrier: CarrierStatus, at: datetime) -> dict[str, Any]:
    return {
        "status": carrier.status,
        "provider_status": carrier.provider_status,
        "tpm": carrier.tpm,
        "daily_cap": carrier.daily_cap,
        "tier": carrier.tier,
        "reason": carrier.reason,
        "at": at.isoformat(),
    }


class CampaignRepository(TenantRepository[Campaign]):
    model = Campaign
    noun = "campaign"

    def list_query(self, *, brand_id: uuid.UUID | None, status: str | None) -> Select[Any]:
        stmt = self.scoped(select(Campaign))
        if brand_id is not None:
            stmt = stmt.where(Campaign.brand_id == brand_id)
        if status is not None:
            stmt = stmt.where(Campaign.status == status)
        return stmt

    async def upsert(
        self,
        provider: str,
        brand_id: uuid.UUID | None,
        info: CampaignInfo,
        polling: Polling,
    ) -> tuple[Campaign, bool]:
        """Insert or refresh by provider id (an import, or a shared campaign when there is no
        brand); returns the campaign and whether it is new."""
        values = {**info_values(info, polling), "brand_id": brand_id}
        stmt = insert(Campaign).values(
            id=new_id(),
            provider=provider,
            provider_campaign_id=info.provider_campaign_id,
            tcr_campaign_id=info.tcr_campaign_id,
            shared=brand_id is None,
            **values,
            **self.tenant_values(),
        )
        upsert: Any = stmt.on_conflict_do_update(
            index_elements=["org_id", "mode", "provider", "provider_campaign_id"],
            set_={
                **values,
                "tcr_campaign_id": func.coalesce(
                    stmt.excluded.tcr_campaign_id, Campaign.tcr_campaign_id
                ),
                "usecase": func.coalesce(stmt.excluded.usecase, Campaign.usecase),
                "updated_at": func.now(),
            },
        ).returning(Campaign.id, literal_column("xmax = 0"))
        known = self.scoped(
            select(Campaign.id).where(
                Campaign.provider == provider,
                Campaign.provider_campaign_id == info.provider_campaign_id,
            )
        )
        async with self._recording(list((await self.session.execute(known)).scalars())):
            campaign_id, created = (await self.session.execute(upsert)).one()
        return await self.fresh(campaign_id), bool(created)

    async def insert_registered(
        self,
        provider: str,
        brand_id: uuid.UUID,
        fields: Mapping[str, Any],
        info: CampaignInfo,
        fingerprint: str,
        polling: Polling,
    ) -> Campaign:
        campaign = Campaign(
            provider=provider,
            brand_id=brand_id,
            provider_campaign_id=info.provider_campaign_id,
            tcr_campaign_id=info.tcr_campaign_id,
            registration_fingerprint=fingerprint,
            status=info.status,
            **fields,
        )
        campaign = await self.add(campaign)
        return await self.apply(campaign, info, polling)

    async def apply(
        self,
        campaign: Campaign,
        info: CampaignInfo,
        polling: Polling,
        fields: Mapping[str, Any] | None = None,
    ) -> Campaign:
        values = {**info_values(info, polling), **(fields or {})}
        if info.usecase is None:
            values.pop("usecase")
        if info.tcr_campaign_id:
            values["tcr_campaign_id"] = info.tcr_campaign_id
        await self.set_values(campaign.id, values)
        return await self.fresh(campaign.id)

    async def set_values(self, campaign_id: uuid.UUID, values: Mapping[str, Any]) -> None:
        """Every change of a campaign goes through here or ``upsert``: each writes its event."""
        stmt = self.scoped(update(Campaign).where(Campaign.id == campaign_id))
        async with self._recording([campaign_id]):
            await self.session.execute(stmt.values(**values, updated_at=func.now()))

    def _recording(self, ids: list[uuid.UUID]) -> AbstractAsyncContextManager[None]:
        return recording_updates(
            self.session, self.tenant, Campaign, ids, _WATCHED, CAMPAIGN_SUMMARY
        )

    async def fresh(self, campaign_id: uuid.UUID) -> Campaign:
        campaign = await self.get(campaign_id, fresh=True)
        assert campaign is not None
        return campaign

    async def by_fingerprint(self, fingerprint: str) -> uuid.UUID | None:
        """The campaign an identical registration made, unless it was deactivated since."""
        stmt = self.scoped(
            select(Campaign.id).where(
                Campaign.registration_fingerprint == fingerprint,
                Campaign.status != "DEACTIVATED",
            )
        )
        found: uuid.UUID | None = (await self.session.execute(stmt)).scalar()
        return found

    async def has_linked_numbers(self, campaign: Campaign) -> bool:
        """Numbers on the campaign, or still linked to it at the provider (a detach that has
        not propagated yet)."""
        stmt = self.scoped(
            select(PhoneNumber.id).where(
                or_(
                    PhoneNumber.campaign_id == campaign.id,
                    (PhoneNumber.provider == campaign.provider)
                    & (PhoneNumber.linked_campaign_ref == campaign.provider_campaign_id),
                )
            ),
            PhoneNumber,
        )
        return (await self.session.execute(stmt.limit(1))).first() is not None

    async def store_carriers(self, campaign: Campaign, carriers: Sequence[CarrierStatus]) -> None:
        now = datetime.now(UTC)
        merged = {**campaign.carriers, **{c.carrier: carrier_entry(c, now) for c in carriers}}
        await self.set_values(campaign.id, {"carriers": merged})

    async def set_status(self, campaign: Campaign, status: str) -> Campaign:
        await self.set_values(campaign.id, {"status": status, "provider_status": status})
        return await self.fresh(campaign.id)


def exists_check(tenant: Any) -> Any:
    """``intents.ExistsCheck`` for campaigns of the tenant."""

    async def exists(session: AsyncSession, fingerprint: str) -> uuid.UUID | None:
        return await CampaignRepository(session, tenant).by_fingerprint(fingerprint)

    return exists
