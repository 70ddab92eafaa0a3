"""The base of the jobs that work on a task page by page (batch registration, inventory sync,
audits): a claimed task is advanced one page at a time, each page's writes and the task's new
position (``page_token``, ``stats``) committed together under the lease, so a task taken up
after a fault or a crash resumes at the page it had not finished: never from the start, and
never counting a page twice. Provider faults back off with the retry policy; a task whose
provider keeps failing, or refuses, ends ``failed`` with the reason."""

import json
import logging
import uuid
from abc import abstractmethod
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Mode
from app.db.tenancy import Tenant
from app.events.statements import task_finished, update_with_events
from app.jobs.base import DUE_IN, Lane, LeasedTable, QueueJob
from app.jobs.context import JobContext
from app.kit.errors import NumlinkError
from app.provider_accounts.rate_limit import low_priority
from providers.base import Provider, ProviderRejectedError, ProviderTemporaryError

log = logging.getLogger("numlink.worker")
DONE = "done"
PAGES_PER_CLAIM = 40  # then the task goes back to the queue, so other tasks get their turn
MAX_IN_FLIGHT = 4

_RETURNING = """t.id, t.org_id, t.mode, t.provider, t.phase, t.page_token, t.attempts,
          t.low_priority, t.repair, t.campaign_id, t.messaging_profile_id, t.scope, t.stats,
          t.created_at"""

# A task that reaches ``done`` writes its event (bulk_task.completed, audit.completed) in the
# same statement.
_FINISHED = task_finished("s.phase = 'done' AND s.previous_phase IS DISTINCT FROM 'done'")

_ADVANCE = update_with_events(
    "bulk_tasks",
    """phase = :phase, page_token = :page_token, stats = CAST(:stats AS jsonb),
    attempts = 0, error = :error, updated_at = clock_timestamp(),
    next_attempt_at = CASE WHEN :done THEN NULL
                           ELSE clock_timestamp() + make_interval(secs => :lease_s) END,
    lease_owner = CASE WHEN :done THEN NULL ELSE lease_owner END,
    finished_at = CASE WHEN :done THEN clock_timestamp() END""",
    "p.id = :id AND p.lease_owner = :token",
    ("phase",),
    _FINISHED,
)


class LeaseLost(Exception):
    """Another worker holds the task now: this one's page is rolled back."""


class Unsupported(Exception):
    """The serving provider lacks the capability the task needs."""


@dataclass(frozen=True, slots=True)
class TaskWork:
    id: uuid.UUID
    org_id: uuid.UUID
    mode: str
    provider: str
    phase: str
    page_token: str | None
    attempts: int
    low_priority: bool
    repair: bool
    campaign_id: uuid.UUID | None
    messaging_profile_id: str | None
    scope: dict[str, Any]
    stats: dict[str, int]
    created_at: datetime
    token: str

    @property
    def tenant(self) -> Tenant:
        return Tenant(self.org_id, Mode(self.mode))


class PagedTaskJob(QueueJob[TaskWork]):
    operation: ClassVar[str]

    def __init__(self, context: JobContext) -> None:
        settings = context.settings
        self.table = LeasedTable(
            table="bulk_tasks",
            lanes=(Lane(where=f"operation = '{self.operation}'"),),
            returning=_RETURNING,
        )
        super().__init__(
            context.sessions,
            concurrency=MAX_IN_FLIGHT,
            batch_size=MAX_IN_FLIGHT,
            lease_s=settings.worker_lease_s,
            idle_s=settings.worker_idle_sleep_s,
        )
        self.context = context
        self.registry = context.providers
        self.retry_policy = context.retry
        self._write_back = update_with_events(
            "bulk_tasks",
            f"""lease_owner = NULL, attempts = :attempts, error = :error,
    next_attempt_at = {DUE_IN}, phase = CAST(:phase AS varchar), updated_at = clock_timestamp(),
    finished_at = CASE WHEN CAST(:phase AS varchar) = 'done' THEN clock_timestamp() END""",
            "p.id = :id AND p.lease_owner = :token",
            ("phase",),
            _FINISHED,
        )

    def to_work(self, row: RowMapping, token: str) -> TaskWork:
        return TaskWork(
            id=row["id"],
            org_id=row["org_id"],
            mode=row["mode"],
            provider=row["provider"],
            phase=row["phase"],
            page_token=row["page_token"],
            attempts=row["attempts"],
            low_priority=row["low_priority"],
            repair=row["repair"],
            campaign_id=row["campaign_id"],
            messaging_profile_id=row["messaging_profile_id"],
            scope=dict(row["scope"] or {}),
            stats=dict(row["stats"] or {}),
            created_at=row["created_at"],
            token=token,
        )

    @abstractmethod
    async def step(self, work: TaskWork, provider: Provider) -> TaskWork | None:
        """One page of work, committed with ``advance``; the task as it is now, or None once
        it is done."""

    async def process(self, work: TaskWork) -> None:
        try:
            await self._run(work)
        except LeaseLost:
            log.info("task lease lost", extra={"task_id": str(work.id)})
        except Exception:
            log.exception("task write-back failed", extra={"task_id": str(work.id)})

    async def _run(self, work: TaskWork) -> None:
        try:
            provider = await self.registry.for_tenant(work.tenant, work.provider)
        except NumlinkError as exc:
            return await self._end(work, work.phase, exc.message, failed=True)
        current: TaskWork | None = work
        for _ in range(PAGES_PER_CLAIM):
            assert current is not None
            work = current
            try:
                with low_priority(work.low_priority):
                    current = await self.step(work, provider)
            except LeaseLost:
                raise
            except ProviderTemporaryError as exc:
                return await self._retry(work, exc.reason, exc.retry_after)
            except (ProviderRejectedError, Unsupported) as exc:
                return await self._end(work, work.phase, str(exc), failed=True)
            except NumlinkError as exc:
                return await self._end(work, work.phase, exc.message, failed=True)
            except Exception as exc:  # a bug or a garbled answer: back off, do not spin
                log.exception("task step crashed", extra={"task_id": str(work.id)})
                return await self._retry(work, f"internal error: {type(exc).__name__}", None)
            if current is None:
                return None
        assert current is not None
        await self._end(current, current.phase, None, failed=False)  # due again at once
        return None

    async def advance(
        self,
        session: AsyncSession,
        work: TaskWork,
        *,
        phase: str,
        page_token: str | None,
        stats: dict[str, int],
    ) -> TaskWork | None:
        """The task's new position, in the transaction of the page's writes."""
        done = phase == DONE
        params = {
            "id": work.id,
            "token": work.token,
            "phase": phase,
            "page_token": page_token,
            "stats": json.dumps(stats),
            "error": None,
            "done": done,
            "lease_s": self.lease_s,
        }
        if (await session.execute(_ADVANCE, params)).first() is None:
            raise LeaseLost()
        if done:
            log.info("task done", extra={"task_id": str(work.id), "operation": self.operation})
            return None
        return replace(work, phase=phase, page_token=page_token, stats=stats, attempts=0)

    async def _retry(self, work: TaskWork, reason: str, retry_after: float | None) -> None:
        attempts = work.attempts + 1
        if self.retry_policy.exhausted(attempts):
            return await self._end(
                work, work.phase, f"gave up after {attempts} attempts: {reason}", failed=True
            )
        delay = self.retry_policy.delay(work.attempts, retry_after)
        log.info("task page will be retried", extra={"task_id": str(work.id), "reason": reason})
        await self._write(work, work.phase, attempts, None, delay)

    async def _end(self, work: TaskWork, phase: str, error: str | None, *, failed: bool) -> None:
        if failed:
            log.info("task failed", extra={"task_id": str(work.id), "reason": error})
            await self._write(work, DONE, work.attempts, error, None)
        else:
            await self._write(work, phase, work.attempts, None, 0.0)

    async def _write(
        self, work: TaskWork, phase: str, attempts: int, error: str | None, next_in_s: float | None
    ) -> None:
        params = {
            "id": work.id,
            "token": work.token,
            "attempts": attempts,
            "error": error,
            "phase": phase,
            "next_in_s": next_in_s,
        }
        async with self.sessions.begin() as session:
            await session.execute(self._write_back, params)
