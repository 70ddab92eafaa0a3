"""Periodic refresh of live brands and campaigns from their providers.

Provider webhooks usually bring identity and campaign status changes, but they may never come
(not configured, lost). So every live brand and campaign not read for
``provider_refresh_interval_s`` is read again, except what was ended through numlink (a
deleted brand, a deactivated campaign: the provider may no longer know it, or show it as
expired). One row per transaction, locked with SKIP
LOCKED so several workers share the work instead of repeating it.
"""

import logging
import time
import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy import text

from app.brands.service import refresh_brand
from app.campaigns.service import refresh_campaign
from app.db.models import Mode
from app.db.tenancy import Tenant
from app.jobs.base import PeriodicJob
from app.jobs.context import JobContext
from app.kit.errors import NumlinkError
from app.registration.context import Registrar, Scope

log = logging.getLogger("numlink.refresher")
ROWS_PER_PASS = 50
CHECK_EVERY_S = 30.0  # how often to look for brands and campaigns due a refresh
FAILED_RETRY_S = 300.0  # a row whose read failed waits this long (or the interval, if shorter)

_DUE = """
SELECT id, org_id, mode FROM {table}
WHERE mode = 'live' AND status NOT IN ('DELETED', 'DEACTIVATED')
  AND (provider_synced_at IS NULL
       OR provider_synced_at < clock_timestamp() - make_interval(secs => :interval_s))
  AND NOT (id = ANY(CAST(:skip AS uuid[])))
ORDER BY provider_synced_at NULLS FIRST
LIMIT 1
FOR UPDATE SKIP LOCKED
"""
Refresh = Callable[[Scope, uuid.UUID], Awaitable[object]]
_KINDS: tuple[tuple[str, Refresh], ...] = (
    ("brands", refresh_brand),
    ("campaigns", refresh_campaign),
)


class ProviderRefreshJob(PeriodicJob):
    name = "provider_refresh"

    def __init__(self, context: JobContext) -> None:
        super().__init__(CHECK_EVERY_S)
        self.sessions = context.sessions
        self.registrar = Registrar.of(context.providers, context.sessions, context.settings)
        self.interval_s = context.settings.provider_refresh_interval_s
        self._failed: dict[uuid.UUID, float] = {}  # row id -> monotonic time to try again

    async def run_pass(self) -> None:
        if self.interval_s > 0:
            await self.refresh_due()

    async def refresh_due(self, limit: int = ROWS_PER_PASS) -> int:
        """Refresh up to ``limit`` due rows of each kind; returns how many were read."""
        now = time.monotonic()
        self._failed = {k: v for k, v in self._failed.items() if v > now}
        refreshed = 0
        for table, refresh in _KINDS:
            seen: list[uuid.UUID] = []  # each row once per pass, however short the interval
            for _ in range(limit):
                outcome = await self._refresh_one(table, refresh, seen)
                if outcome is None:
                    break
                refreshed += outcome
        return refreshed

    async def _refresh_one(self, table: str, refresh: Refresh, seen: list[uuid.UUID]) -> int | None:
        """1 if a row was refreshed, 0 if its read failed, None if nothing is due."""
        params = {"interval_s": self.interval_s, "skip": [*self._failed, *seen]}
        async with self.sessions() as session, session.begin():
            row = (await session.execute(text(_DUE.format(table=table)), params)).first()
            if row is None:
                return None
            row_id, tenant = row.id, Tenant(row.org_id, Mode(row.mode))
            seen.append(row_id)
            try:
                async with session.begin_nested():
                    await refresh(Scope(session, tenant, self.registrar), row_id)
            except NumlinkError as exc:
                log.info(
                    "refresh failed",
                    extra={"table": table, "id": str(row_id), "reason": exc.message},
                )
                self._failed[row_id] = time.monotonic() + min(FAILED_RETRY_S, self.interval_s)
                return 0
        return 1
