"""Brand import: read the brand from its provider and keep numlink's copy."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.brands.repository import BrandRepository
from app.brands.schemas import BrandImport
from app.kit.errors import NotFound, ProviderError, ValidationFailed
from app.kit.providers import ProviderRegistry
from app.kit.tenancy import Tenant
from app.models import Brand
from providers.base import ProviderCallError, ProviderObjectNotFound


async def import_brand(
    session: AsyncSession, tenant: Tenant, registry: ProviderRegistry, body: BrandImport
) -> tuple[Brand, bool]:
    provider = await registry.for_tenant(tenant, body.provider)
    try:
        info = await provider.get_brand(body.provider_brand_id)
    except ProviderObjectNotFound as exc:
        raise ValidationFailed(details={"provider_brand_id": exc.reason}) from None
    except ProviderCallError as exc:
        raise ProviderError(f"{body.provider}: {exc.reason}") from None
    return await BrandRepository(session, tenant).upsert(body.provider, info)


async def get_brand(session: AsyncSession, tenant: Tenant, brand_id: uuid.UUID | None) -> Brand:
    brand = await BrandRepository(session, tenant).get(brand_id)
    if brand is None:
        raise NotFound("brand not found")
    return brand
