from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Org


class OrgRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, org: Org) -> Org:
        self.session.add(org)
        await self.session.flush()
        return org

    async def get(self, org_id: object) -> Org | None:
        return await self.session.get(Org, org_id)
