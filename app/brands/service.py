"""Brand import: read the brand from its provider and keep numlink's copy."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.brands.repository import BrandRepository
from app.brands.schemas import BrandImport
from app.db.models import Brand
from app.db.tenancy import Tenant
from app.provider_accounts.registry import ProviderRegistry, read_from_provider


async def import_brand(
    session: AsyncSession, tenant: Tenant, registry: ProviderRegistry, body: BrandImport
) -> tuple[Brand, bool]:
    provider = await registry.for_tenant(tenant, body.provider)
    info = await read_from_provider(
        provider.get_brand(body.provider_brand_id),
        field="provider_brand_id",
    )
    return await BrandRepository(session, tenant).upsert(body.provider, info)


async def refresh_brand(
    session: AsyncSession, tenant: Tenant, registry: ProviderRegistry, brand_id: uuid.UUID | None
) -> Brand:
    """Read the brand again from its provider (identity status, status)."""
    repo = BrandRepository(session, tenant)
    brand = await repo.get_or_404(brand_id)
    provider = await registry.for_tenant(tenant, brand.provider)
    info = await read_from_provider(provider.get_brand(brand.provider_brand_id), field="brand_id")
    refreshed, _ = await repo.upsert(brand.provider, info)
    return refreshed
