"""Retention: events, finished webhook deliveries, applied provider events and stored
Idempotency-Key responses are deleted once older than their window, in bounded batches.

Each batch is its own short transaction (``DELETE … WHERE ctid = ANY(ARRAY(SELECT … LIMIT n))``
through an index on the age column), so no lock is held long and writers are never blocked
behind a purge of millions of rows; a pass goes on while batches come back full.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.jobs.base import PeriodicJob
from app.jobs.context import JobContext
from app.settings import Settings

log = logging.getLogger("numlink.worker")

PURGE_EVERY_S = 600.0


@dataclass(frozen=True, slots=True)
class Purged:
    """A table whose old rows go: ``age`` is the column compared with the cutoff, ``where``
    what else a row must be (a delivery must be finished)."""

    table: str
    age: str
    where: str = "true"

    def batch_sql(self) -> str:
        return f"""DELETE FROM {self.table} WHERE ctid = ANY(ARRAY(
    SELECT ctid FROM {self.table}
    WHERE {self.age} < now() - make_interval(secs => :keep_s) AND {self.where}
    LIMIT :batch))"""


EVENTS = Purged("events", "created_at")
DELIVERIES = Purged("webhook_deliveries", "created_at", "next_attempt_at IS NULL")
PROVIDER_EVENTS = Purged("provider_events", "received_at")
IDEMPOTENCY_KEYS = Purged("idempotency_keys", "created_at")


def windows(settings: Settings) -> dict[Purged, timedelta]:
    """How long each table keeps its rows. A stored Idempotency-Key response is useless once
    its key expires, so it goes then, or at the retention window if that comes first."""
    keep = timedelta(days=settings.retention_days)
    idempotency = min(keep, timedelta(hours=settings.idempotency_ttl_h))
    return {EVENTS: keep, DELIVERIES: keep, PROVIDER_EVENTS: keep, IDEMPOTENCY_KEYS: idempotency}


async def purge_batch(session: AsyncSession, purged: Purged, keep: timedelta, batch: int) -> int:
    """Deletes at most ``batch`` rows of ``purged`` older than ``keep``; returns how many."""
    params = {"keep_s": keep.total_seconds(), "batch": batch}
    result = await session.execute(text(purged.batch_sql()), params)
    return int(getattr(result, "rowcount", 0) or 0)


async def purge(
    sessions: async_sessionmaker[AsyncSession], purged: Purged, keep: timedelta, batch: int
) -> int:
    """Batches, each committed on its own, until one comes back short; returns the total."""
    total = 0
    while True:
        async with sessions.begin() as session:
            deleted = await purge_batch(session, purged, keep, batch)
        total += deleted
        if deleted < batch:
            return total


class RetentionJob(PeriodicJob):
    name = "retention"

    def __init__(self, context: JobContext) -> None:
        super().__init__(PURGE_EVERY_S)
        self.sessions = context.sessions
        self.windows = windows(context.settings)
        self.batch = context.settings.retention_batch_size

    async def run_pass(self) -> None:
        for purged, keep in self.windows.items():
            deleted = await purge(self.sessions, purged, keep, self.batch)
            if deleted:
                log.info("retention purge", extra={"table": purged.table, "rows": deleted})
