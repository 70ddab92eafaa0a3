"""API key queries. Keys are looked up by id before the tenant is known."""

import uuid

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import ApiKey


class ApiKeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, key: ApiKey) -> ApiKey:
        self.session.add(key)
        await self.session.flush()
        return key

    async def get(self, key_id: uuid.UUID) -> ApiKey | None:
        return (await self.session.execute(select(ApiKey).where(ApiKey.id == key_id))).scalar()

    async def revoke(self, key_id: uuid.UUID, org_id: uuid.UUID | None = None) -> bool:
        stmt = update(ApiKey).where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None))
        if org_id is not None:
            stmt = stmt.where(ApiKey.org_id == org_id)
        result = await self.session.execute(stmt.values(revoked_at=func.now()))
        return bool(getattr(result, "rowcount", 0))
