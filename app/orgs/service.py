import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Org
from app.kit.errors import NotFound, ValidationFailed
from app.orgs.repository import OrgRepository


async def create_org(session: AsyncSession, name: str) -> Org:
    name = name.strip()
    if not name or len(name) > 200:
        raise ValidationFailed(details={"name": "must be 1..200 characters"})
    return await OrgRepository(session).add(Org(name=name))


async def get_org(session: AsyncSession, org_id: uuid.UUID) -> Org:
    org = await OrgRepository(session).get(org_id)
    if org is None:
        raise NotFound("organisation not found")
    return org
