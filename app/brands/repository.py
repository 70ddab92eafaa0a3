import uuid
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any

from sqlalchemy import Select, func, literal_column, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Brand, Campaign
from app.db.tenancy import TenantRepository
from app.events.recorder import recording_updates, watched_columns
from app.events.statements import BRAND_SUMMARY
from app.kit.ids import new_id
from app.registration.sync import Polling, brand_settled
from providers.base import BrandInfo

_WATCHED = watched_columns(Brand)  # a change of any is a brand.updated event


def info_values(info: BrandInfo, polling: Polling) -> dict[str, Any]:
    """What a read of the provider's brand sets, and when to read it again."""
    settled = brand_settled(info.status, info.identity_status)
    return {
        "identity_status": info.identity_status,
        "status": info.status,
        "failure_reasons": list(info.failure_reasons),
        "provider_synced_at": func.now(),
        **polling.values(info.recheck_after_s, settled),
    }


class BrandRepository(TenantRepository[Brand]):
    model = Brand
    noun = "brand"

    def list_query(self) -> Select[Any]:
        return self.scoped(select(Brand))

    async def upsert(self, provider: str, info: BrandInfo, polling: Polling) -> tuple[Brand, bool]:
        """Insert or refresh by provider id; returns the brand and whether it is new."""
        values = {**info_values(info, polling), "display_name": info.display_name}
        stmt = insert(Brand).values(
            id=new_id(),
            provider=provider,
            provider_brand_id=info.provider_brand_id,
            tcr_brand_id=info.tcr_brand_id,
            **values,
            **self.tenant_values(),
        )
        upsert: Any = stmt.on_conflict_do_update(
            index_elements=["org_id", "mode", "provider", "provider_brand_id"],
            set_={
                **values,
                "tcr_brand_id": func.coalesce(stmt.excluded.tcr_brand_id, Brand.tcr_brand_id),
                "display_name": func.coalesce(stmt.excluded.display_name, Brand.display_name),
                "updated_at": func.now(),
            },
        ).returning(Brand.id, literal_column("xmax = 0"))
        known = self.scoped(
            select(Brand.id).where(
                Brand.provider == provider, Brand.provider_brand_id == info.provider_brand_id
            )
        )
        async with self._recording(list((await self.session.execute(known)).scalars())):
            brand_id, created = (await self.session.execute(upsert)).one()
        return await self.fresh(brand_id), bool(created)

    async def insert_registered(
        self,
        provider: str,
        fields: Mapping[str, Any],
        info: BrandInfo,
        fingerprint: str,
        polling: Polling,
    ) -> Brand:
        brand = Brand(
            provider=provider,
            provider_brand_id=info.provider_brand_id,
            tcr_brand_id=info.tcr_brand_id,
            identity_status=info.identity_status,
            status=info.status,
            registration_fingerprint=fingerprint,
            **fields,
        )
        brand = await self.add(brand)
        return await self.apply(brand, info, polling)

    async def apply(
        self,
        brand: Brand,
        info: BrandInfo,
        polling: Polling,
        fields: Mapping[str, Any] | None = None,
    ) -> Brand:
        """Record what the provider answered (and the fields it accepted)."""
        values = {**info_values(info, polling), **(fields or {})}
        if info.tcr_brand_id:
            values["tcr_brand_id"] = info.tcr_brand_id
        await self.set_values(brand.id, values)
        return await self.fresh(brand.id)

    async def set_values(self, brand_id: uuid.UUID, values: Mapping[str, Any]) -> None:
        """Every change of a brand goes through here or ``upsert``: each writes its event."""
        stmt = self.scoped(update(Brand).where(Brand.id == brand_id))
        async with self._recording([brand_id]):
            await self.session.execute(stmt.values(**values, updated_at=func.now()))

    def _recording(self, ids: list[uuid.UUID]) -> AbstractAsyncContextManager[None]:
        return recording_updates(self.session, self.tenant, Brand, ids, _WATCHED, BRAND_SUMMARY)

    async def fresh(self, brand_id: uuid.UUID) -> Brand:
        brand = await self.get(brand_id, fresh=True)
        assert brand is not None
        return brand

    async def by_fingerprint(self, fingerprint: str) -> uuid.UUID | None:
        """The brand an identical registration made, unless it was deleted since."""
        stmt = self.scoped(
            select(Brand.id).where(
                Brand.registration_fingerprint == fingerprint, Brand.status != "DELETED"
            )
        )
        found: uuid.UUID | None = (await self.session.execute(stmt)).scalar()
        return found

    async def has_active_campaigns(self, brand_id: uuid.UUID) -> bool:
        stmt = self.scoped(
            select(Campaign.id).where(
                Campaign.brand_id == brand_id, Campaign.status != "DEACTIVATED"
            ),
            Campaign,
        )
        return (await self.session.execute(stmt.limit(1))).first() is not None


def exists_check(tenant: Any) -> Any:
    """``intents.ExistsCheck`` for brands of the tenant."""

    async def exists(session: AsyncSession, fingerprint: str) -> uuid.UUID | None:
        return await BrandRepository(session, tenant).by_fingerprint(fingerprint)

    return exists
