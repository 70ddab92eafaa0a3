import base64
import binascii
import uuid
from typing import Any

import psycopg
from sqlalchemy import select, text

from app.bulk import sql
from app.kit.errors import ValidationFailed
from app.kit.tenancy import TenantRepository
from app.models import BulkTask

_CURSOR_PREFIX = "nlb1:"


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if raw.startswith(_CURSOR_PREFIX):
            return int(raw.removeprefix(_CURSOR_PREFIX))
    except (binascii.Error, ValueError):
        pass
    raise ValidationFailed(details={"cursor": "invalid cursor"})


class BulkTaskRepository(TenantRepository):
    model = BulkTask

    async def get(self, task_id: uuid.UUID | None) -> BulkTask | None:
        if task_id is None:
            return None
        stmt = self.scoped(select(BulkTask).where(BulkTask.id == task_id))
        found: BulkTask | None = (await self.session.execute(stmt)).scalar()
        return found

    async def add(self, task: BulkTask) -> BulkTask:
        task.org_id, task.mode = self.tenant.org_id, self.tenant.mode.value
        self.session.add(task)
        await self.session.flush()
        await self.session.refresh(task)  # server-set timestamps
        return task

    async def record_items(
        self, statement: str, task: BulkTask, campaign_provider: str, items: dict[str, list[Any]]
    ) -> dict[str, int]:
        """Runs one of ``sql``'s bulk statements; returns the count of items per verdict."""
        connection = await (await self.session.connection()).get_raw_connection()
        driver: psycopg.AsyncConnection[Any] = connection.driver_connection  # type: ignore[assignment]
        params = {
            "org_id": self.tenant.org_id,
            "mode": self.tenant.mode.value,
            "task_id": task.id,
            "campaign_id": task.campaign_id,
            "campaign_provider": campaign_provider,
            **items,
        }
        async with driver.cursor() as cursor:
            for setting in sql.STATEMENT_SETTINGS:
                await cursor.execute(setting)
            await cursor.execute(statement, params)
            return {str(outcome): int(n) for outcome, n in await cursor.fetchall()}

    async def counts(self, task: BulkTask) -> dict[str, Any]:
        row = (await self.session.execute(text(sql.COUNTS), {"task_id": task.id})).mappings()
        return dict(row.one())

    async def items(
        self, task: BulkTask, *, outcome: str | None, after_seq: int | None, limit: int
    ) -> list[dict[str, Any]]:
        stmt = f"SELECT * FROM ({sql.ITEMS}) items WHERE seq > :after"
        if outcome is not None:
            stmt += " AND outcome = :outcome"
        stmt += " ORDER BY seq LIMIT :limit"
        params = {"task_id": task.id, "after": after_seq or 0, "outcome": outcome, "limit": limit}
        return [dict(r) for r in (await self.session.execute(text(stmt), params)).mappings()]

    async def count_outcome(self, task: BulkTask, outcome: str) -> int:
        stmt = f"SELECT count(*) FROM ({sql.ITEMS}) items WHERE outcome = :outcome"
        params = {"task_id": task.id, "outcome": outcome}
        return int((await self.session.execute(text(stmt), params)).scalar_one())
