from typing import Any

from sqlalchemy import Select, func, literal_column, select
from sqlalchemy.dialects.postgresql import insert

from app.db.models import Brand
from app.db.tenancy import TenantRepository
from app.kit.ids import new_id
from providers.base import BrandInfo


class BrandRepository(TenantRepository[Brand]):
    model = Brand
    noun = "brand"

    def list_query(self) -> Select[Any]:
        return self.scoped(select(Brand))

    async def upsert(self, provider: str, info: BrandInfo) -> tuple[Brand, bool]:
        """Insert or refresh by provider id; returns the brand and whether it is new."""
        values = {
            "display_name": info.display_name,
            "identity_status": info.identity_status,
            "status": info.status,
            "provider_synced_at": func.now(),
        }
        stmt = insert(Brand).values(
            id=new_id(),
            provider=provider,
            provider_brand_id=info.provider_brand_id,
            **values,
            **self.tenant_values(),
        )
        upsert: Any = stmt.on_conflict_do_update(
            index_elements=["org_id", "mode", "provider", "provider_brand_id"],
            set_={**values, "updated_at": func.now()},
        ).returning(Brand.id, literal_column("xmax = 0"))
        brand_id, created = (await self.session.execute(upsert)).one()
        brand = await self.get(brand_id, fresh=True)
        assert brand is not None
        return brand, bool(created)

    async def set_identity_status(self, brand: Brand, identity_status: str) -> Brand:
        brand.identity_status = identity_status
        brand.updated_at = func.now()
        await self.session.flush()
        await self.session.refresh(brand)
        return brand
