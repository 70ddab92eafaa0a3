import uuid
from typing import Any

from sqlalchemy import Select, func, literal_column, select
from sqlalchemy.dialects.postgresql import insert

from app.db.models import Brand, Campaign
from app.db.tenancy import TenantRepository
from app.kit.ids import new_id
from providers.base import CampaignInfo


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

    async def upsert(self, brand: Brand, info: CampaignInfo) -> tuple[Campaign, bool]:
        values = {
            "brand_id": brand.id,
            "tcr_campaign_id": info.tcr_campaign_id,
            "usecase": info.usecase,
            "status": info.status,
            "provider_status": info.provider_status,
            "provider_synced_at": func.now(),
        }
        stmt = insert(Campaign).values(
            id=new_id(),
            provider=brand.provider,
            provider_campaign_id=info.provider_campaign_id,
            **values,
            **self.tenant_values(),
        )
        upsert: Any = stmt.on_conflict_do_update(
            index_elements=["org_id", "mode", "provider", "provider_campaign_id"],
            set_={**values, "updated_at": func.now()},
        ).returning(Campaign.id, literal_column("xmax = 0"))
        campaign_id, created = (await self.session.execute(upsert)).one()
        campaign = await self.get(campaign_id, fresh=True)
        assert campaign is not None
        return campaign, bool(created)

    async def set_status(self, campaign: Campaign, status: str) -> Campaign:
        campaign.status = status
        campaign.provider_status = status
        campaign.updated_at = func.now()
        await self.session.flush()
        await self.session.refresh(campaign)
        return campaign
