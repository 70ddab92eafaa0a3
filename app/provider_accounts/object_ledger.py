"""The registration ledger of a provider that runs inside the gateway (the sandbox): a table,
so every process sees the same brands and campaigns, as they would at a real provider."""

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.dialects.postgresql import insert

from app.db.engine import SessionMaker
from app.db.models import SandboxObject
from providers.descriptor import LedgerObject

_AGE = func.extract("epoch", func.clock_timestamp() - SandboxObject.created_at)


class DatabaseObjectLedger:
    """Implements ``providers.descriptor.ObjectLedger`` for one org; each call is its own
    transaction."""

    def __init__(self, sessions: SessionMaker, org_id: uuid.UUID) -> None:
        self._sessions = sessions
        self._org_id = org_id

    async def put(
        self, kind: str, ref: str, document: Mapping[str, Any], client_ref: str | None = None
    ) -> LedgerObject:
        stmt = insert(SandboxObject).values(
            org_id=self._org_id, kind=kind, ref=ref, client_ref=client_ref, document=document
        )
        upsert = stmt.on_conflict_do_update(
            index_elements=[SandboxObject.org_id, SandboxObject.kind, SandboxObject.ref],
            set_={"document": stmt.excluded.document, "updated_at": func.clock_timestamp()},
        ).returning(SandboxObject, _AGE)
        async with self._sessions.begin() as session:
            row = (await session.execute(upsert)).one()
        return _read(row)

    async def get(self, kind: str, ref: str) -> LedgerObject | None:
        return await self._one(self._select(kind).where(SandboxObject.ref == ref))

    async def find(self, kind: str, client_ref: str) -> LedgerObject | None:
        return await self._one(self._select(kind).where(SandboxObject.client_ref == client_ref))

    def _select(self, kind: str) -> Select[SandboxObject, Any]:
        return select(SandboxObject, _AGE).where(
            SandboxObject.org_id == self._org_id, SandboxObject.kind == kind
        )

    async def _one(self, stmt: Select[SandboxObject, Any]) -> LedgerObject | None:
        async with self._sessions() as session:
            row = (await session.execute(stmt)).one_or_none()
        return _read(row) if row is not None else None


def _read(row: Any) -> LedgerObject:
    obj, age = row
    return LedgerObject(obj.kind, obj.ref, obj.client_ref, dict(obj.document), float(age))
