"""The tenant a request acts for, and the one place queries are scoped to it."""

import uuid
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Delete, Select, Update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Mode

S = TypeVar("S", Select[Any], Update, Delete)


@dataclass(frozen=True, slots=True)
class Tenant:
    org_id: uuid.UUID
    mode: Mode


@dataclass(frozen=True, slots=True)
class AuthContext:
    tenant: Tenant
    api_key_id: uuid.UUID
    scopes: frozenset[str]


class TenantRepository:
    """Base of every tenant-owned repository: all reads go through ``scoped``."""

    model: Any

    def __init__(self, session: AsyncSession, tenant: Tenant) -> None:
        self.session = session
        self.tenant = tenant

    def scoped(self, stmt: S, model: Any = None) -> S:
        target = model if model is not None else self.model
        return stmt.where(
            target.org_id == self.tenant.org_id, target.mode == self.tenant.mode.value
        )

    def tenant_values(self) -> dict[str, Any]:
        return {"org_id": self.tenant.org_id, "mode": self.tenant.mode.value}
