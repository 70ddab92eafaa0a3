"""Campaign import: the brand fixes the provider; the provider supplies the campaign."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.brands.repository import BrandRepository
from app.campaigns.repository import CampaignRepository
from app.campaigns.schemas import CampaignImport
from app.db.models import Campaign
from app.db.tenancy import Tenant
from app.kit.errors import Conflict
from app.provider_accounts.registry import ProviderRegistry, read_from_provider


async def import_campaign(
    session: AsyncSession, tenant: Tenant, registry: ProviderRegistry, body: CampaignImport
) -> tuple[Campaign, bool]:
    brand = await BrandRepository(session, tenant).get_or_404(body.brand_id)
    provider = await registry.for_tenant(tenant, brand.provider)
    info = await read_from_provider(
        provider.get_campaign(body.provider_campaign_id),
        field="provider_campaign_id",
    )
    if info.provider_brand_id is not None and info.provider_brand_id != brand.provider_brand_id:
        raise Conflict(
            f"campaign belongs to brand {info.provider_brand_id} at {brand.provider}, "
            f"not {brand.provider_brand_id}"
        )
    return await CampaignRepository(session, tenant).upsert(brand, info)


async def refresh_campaign(
    session: AsyncSession,
    tenant: Tenant,
    registry: ProviderRegistry,
    campaign_id: uuid.UUID | None,
) -> Campaign:
    """Read the campaign again from its provider (status)."""
    repo = CampaignRepository(session, tenant)
    campaign = await repo.get_or_404(campaign_id)
    brand = await BrandRepository(session, tenant).get(campaign.brand_id)
    assert brand is not None  # a campaign's brand is never deleted
    provider = await registry.for_tenant(tenant, campaign.provider)
    info = await read_from_provider(
        provider.get_campaign(campaign.provider_campaign_id),
        field="campaign_id",
    )
    refreshed, _ = await repo.upsert(brand, info)
    return refreshed
