"""The tenant a request or job acts for, and the one place queries are scoped to it."""

import uuid
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import Delete, Select, Update, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Mode
from app.kit.errors import NotFound

S = TypeVar("S", Select[Any], Update, Delete)
M = TypeVar("M")


@dataclass(frozen=True, slots=True)
class Tenant:
    org_id: uuid.UUID
    mode: Mode


class TenantRepository(Generic[M]):
    """Base of every tenant-owned repository: all reads go through ``scoped``."""

    model: type[M]
    noun: ClassVar[str] = "object"  # in "… not found"

    def __init__(self, session: AsyncSession, tenant: Tenant) -> None:
        self.session = session
        self.tenant = tenant

    def scoped(self, stmt: S, model: Any = None) -> S:
        target: Any = model if model is not None else self.model
        return stmt.where(
            target.org_id == self.tenant.org_id, target.mode == self.tenant.mode.value
        )

    def tenant_values(self) -> dict[str, Any]:
        return {"org_id": self.tenant.org_id, "mode": self.tenant.mode.value}

    async def get(self, object_id: uuid.UUID | None, *, fresh: bool = False) -> M | None:
        """The tenant's object with this id; ``fresh`` re-reads a row the session holds."""
        if object_id is None:
            return None
        model: Any = self.model
        stmt = self.scoped(select(model).where(model.id == object_id))
        if fresh:
            stmt = stmt.execution_options(populate_existing=True)
        found: M | None = (await self.session.execute(stmt)).scalar()
        return found

    async def get_or_404(self, object_id: uuid.UUID | None) -> M:
        found = await self.get(object_id)
        if found is None:
            raise NotFound(f"{self.noun} not found")
        return found

    async def add(self, row: M) -> M:
        """Insert a new object of this tenant; returns it with server-set columns read."""
        instance: Any = row
        instance.org_id, instance.mode = self.tenant.org_id, self.tenant.mode.value
        self.session.add(instance)
        await self.session.flush()
        await self.session.refresh(instance)
        return row
