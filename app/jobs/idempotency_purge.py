"""Purges stored Idempotency-Key responses once they expire."""

from datetime import timedelta

from sqlalchemy import delete, func
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import IdempotencyKey
from app.jobs.base import PeriodicJob
from app.jobs.context import JobContext

PURGE_EVERY_S = 600.0


async def purge_expired(session: AsyncSession, ttl: timedelta) -> int:
    """Deletes the keys older than ``ttl``; returns how many."""
    stmt = delete(IdempotencyKey).where(IdempotencyKey.created_at < func.now() - ttl)
    result = await session.execute(stmt)
    return int(getattr(result, "rowcount", 0) or 0)


class IdempotencyPurgeJob(PeriodicJob):
    name = "idempotency_purge"

    def __init__(self, context: JobContext) -> None:
        super().__init__(PURGE_EVERY_S)
        self.sessions = context.sessions
        self.ttl = timedelta(hours=context.settings.idempotency_ttl_h)

    async def run_pass(self) -> None:
        async with self.sessions.begin() as session:
            await purge_expired(session, self.ttl)
