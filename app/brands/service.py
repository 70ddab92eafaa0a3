"""Brand import: read the brand from its provider and keep numlink's copy."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.brands.repository import BrandRepository
from app.brands.schemas import BrandImport
from app.kit.errors import NotFound
from app.kit.providers import ProviderRegistry, read_from_provider
from app.kit.tenancy import Tenant
from app.models import Brand


async def import_brand(
    session: AsyncSession, tenant: Tenant, registry: ProviderRegistry, body: BrandImport
) -> tuple[Brand, bool]:
    provider = await registry.for_tenant(tenant, body.provider)
    info = await read_from_provider(
        provider.get_brand(body.provider_brand_id),
        field="provider_brand_id",
    )
    return await BrandRepository(session, tenant).upsert(body.provider, info)


async def get_brand(session: AsyncSession, tenant: Tenant, brand_id: uuid.UUID | None) -> Brand:
    brand = await BrandRepository(session, tenant).get(brand_id)
    if brand is None:
        raise NotFound("brand not found")
    return brand


async def refresh_brand(
    session: AsyncSession, tenant: Tenant, registry: ProviderRegistry, brand_id: uuid.UUID | None
) -> Brand:
    """Read the brand again from its provider (identity status, status)."""
    brand = await get_brand(session, tenant, brand_id)
    provider = await registry.for_tenant(tenant, brand.provider)
    info = await read_from_provider(provider.get_brand(brand.provider_brand_id), field="brand_id")
    refreshed, _ = await BrandRepository(session, tenant).upsert(brand.provider, info)
    return refreshed
