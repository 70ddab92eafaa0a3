"""Campaign import: the brand fixes the provider; the provider supplies the campaign."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.brands.repository import BrandRepository
from app.campaigns.repository import CampaignRepository
from app.campaigns.schemas import CampaignImport
from app.kit.errors import Conflict, NotFound
from app.kit.providers import ProviderRegistry, read_from_provider
from app.kit.tenancy import Tenant
from app.models import Campaign, Mode


async def import_campaign(
    session: AsyncSession, tenant: Tenant, registry: ProviderRegistry, body: CampaignImport
) -> tuple[Campaign, bool]:
    brand = await BrandRepository(session, tenant).get(body.brand_id)
    if brand is None:
        raise NotFound("brand not found")
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


async def get_campaign(
    session: AsyncSession, tenant: Tenant, campaign_id: uuid.UUID | None
) -> Campaign:
    campaign = await CampaignRepository(session, tenant).get(campaign_id)
    if campaign is None:
        raise NotFound("campaign not found")
    return campaign


async def refresh_campaign(
    session: AsyncSession,
    tenant: Tenant,
    registry: ProviderRegistry,
    campaign_id: uuid.UUID | None,
) -> Campaign:
    """Read the campaign again from its provider (status)."""
    campaign = await get_campaign(session, tenant, campaign_id)
    brand = await BrandRepository(session, tenant).get(campaign.brand_id)
    assert brand is not None  # a campaign's brand is never deleted
    provider = await registry.for_tenant(tenant, campaign.provider)
    info = await read_from_provider(
        provider.get_campaign(campaign.provider_campaign_id),
        field="campaign_id",
    )
    refreshed, _ = await CampaignRepository(session, tenant).upsert(brand, info)
    return refreshed


async def ensure_provider_account(
    session: AsyncSession,
    tenant: Tenant,
    registry: ProviderRegistry,
    campaign_id: uuid.UUID | None,
) -> None:
    """A live link needs an account at the campaign's provider to be propagated: without one
    the request is 409 PROVIDER_NOT_CONFIGURED rather than a link that can only fail later.
    An unknown campaign is left to the rules (404)."""
    if tenant.mode is not Mode.LIVE:
        return
    campaign = await CampaignRepository(session, tenant).get(campaign_id)
    if campaign is not None:
        await ensure_campaign_account(tenant, registry, campaign)


async def ensure_campaign_account(
    tenant: Tenant, registry: ProviderRegistry, campaign: Campaign
) -> None:
    """``ensure_provider_account`` for a campaign already read."""
    if tenant.mode is Mode.LIVE:
        await registry.ensure_configured(tenant, campaign.provider)
