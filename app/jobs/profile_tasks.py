"""Bulk tasks delegated to a provider's assignment by messaging profile.

The worker claims a due task under a lease (as it claims numbers), asks the provider to link
every number on the profile (``submit``), polls the provider's task until it has finished
(``poll``), then records the numbers it lists as the bulk task's items in one statement. Those
numbers start in the reconciler's ``confirm`` phase: it first reads what the provider holds
for each, and links one itself only where the provider's task did not.
"""

import logging
import uuid
from dataclasses import dataclass, field

from sqlalchemy import RowMapping

from app.bulk.service import record_profile_numbers
from app.db.models import Mode
from app.db.tenancy import Tenant
from app.jobs.base import DUE_IN, Lane, LeasedTable, QueueJob
from app.jobs.context import JobContext
from app.kit.backoff import backoff_delay
from app.kit.errors import NumlinkError
from providers.base import (
    ProfileAssigner,
    ProfileTaskStatus,
    ProviderRejectedError,
    ProviderTemporaryError,
)

log = logging.getLogger("numlink.worker")
SUBMIT, POLL, DONE = "submit", "poll", "done"
MAX_IN_FLIGHT = 4  # delegated tasks are rare and each mostly waits on the provider

TASKS = LeasedTable(
    table="bulk_tasks",
    lanes=(Lane(where="profile_phase IS NOT NULL"),),  # other tasks have jobs of their own
    returning="""t.id, t.org_id, t.mode, t.messaging_profile_id, t.provider_task_id,
          t.profile_phase, t.attempts,
          (SELECT c.provider FROM campaigns c WHERE c.id = t.campaign_id) AS provider,
          (SELECT c.provider_campaign_id FROM campaigns c WHERE c.id = t.campaign_id)
              AS campaign_ref""",
)

_WRITE_BACK = TASKS.write_back_sql(
    f"""
    provider_task_id = :provider_task_id,
    profile_phase = :phase,
    attempts = :attempts,
    error = :error,
    next_attempt_at = {DUE_IN},
    updated_at = clock_timestamp()"""
)


@dataclass(frozen=True, slots=True)
class ProfileWork:
    id: uuid.UUID
    org_id: uuid.UUID
    mode: str
    messaging_profile_id: str
    provider_task_id: str | None
    phase: str
    attempts: int
    provider: str
    campaign_ref: str
    token: str


@dataclass(frozen=True, slots=True)
class ProfileOutcome:
    phase: str
    next_in_s: float | None
    provider_task_id: str | None
    attempts: int = 0
    error: str | None = None
    numbers: list[str] = field(default_factory=list)  # when done: what the provider linked


class ProfileTaskJob(QueueJob[ProfileWork]):
    name = "profile_tasks"
    table = TASKS

    def __init__(self, context: JobContext) -> None:
        settings = context.settings
        super().__init__(
            context.sessions,
            concurrency=MAX_IN_FLIGHT,
            batch_size=MAX_IN_FLIGHT,
            lease_s=settings.worker_lease_s,
            idle_s=settings.worker_idle_sleep_s,
        )
        self.registry = context.providers
        self.retry_policy = context.retry
        self.poll_s = settings.confirm_poll_s
        self.poll_cap_s = settings.confirm_poll_cap_s

    def to_work(self, row: RowMapping, token: str) -> ProfileWork:
        return ProfileWork(
            id=row["id"],
            org_id=row["org_id"],
            mode=row["mode"],
            messaging_profile_id=row["messaging_profile_id"],
            provider_task_id=row["provider_task_id"],
            phase=row["profile_phase"],
            attempts=row["attempts"],
            provider=row["provider"],
            campaign_ref=row["campaign_ref"],
            token=token,
        )

    async def process(self, work: ProfileWork) -> None:
        try:
            outcome = await self.step(work)
        except Exception as exc:  # a bug or a garbled answer: back off, do not spin
            log.exception("profile task step crashed", extra={"bulk_task_id": str(work.id)})
            outcome = self.retry(work, f"internal error: {type(exc).__name__}", None)
        try:
            await self.write_back(work, outcome)
        except Exception:
            # the lease expires and the task is taken up again from its recorded phase
            log.exception("profile task write-back failed", extra={"bulk_task_id": str(work.id)})

    async def step(self, work: ProfileWork) -> ProfileOutcome:
        try:
            provider = await self.registry.for_tenant(
                Tenant(work.org_id, Mode(work.mode)), work.provider
            )
        except NumlinkError as exc:
            return self.failed(work, exc.message)
        if not isinstance(provider, ProfileAssigner):
            return self.failed(work, f"{work.provider} does not assign by messaging profile")
        try:
            if work.phase == SUBMIT or work.provider_task_id is None:
                task_id = await provider.assign_by_profile(
                    work.messaging_profile_id, work.campaign_ref
                )
                return ProfileOutcome(POLL, self.poll_s, task_id)
            task = await provider.get_profile_task(work.provider_task_id)
            if not task.finished:
                poll = backoff_delay(work.attempts, self.poll_s, self.poll_cap_s)
                return ProfileOutcome(POLL, poll, work.provider_task_id, work.attempts + 1)
            numbers = await provider.list_profile_task_numbers(work.provider_task_id)
        except ProviderTemporaryError as exc:
            return self.retry(work, exc.reason, exc.retry_after)
        except ProviderRejectedError as exc:
            return self.failed(work, exc.reason)
        error = None
        if task.status is ProfileTaskStatus.FAILED:
            error = f"{work.provider} reported its assignment task as failed"
        return ProfileOutcome(
            DONE, None, work.provider_task_id, error=error, numbers=[n.number for n in numbers]
        )

    def retry(self, work: ProfileWork, reason: str, retry_after: float | None) -> ProfileOutcome:
        attempts = work.attempts + 1
        if work.phase == SUBMIT and self.retry_policy.exhausted(attempts):
            return self.failed(work, f"gave up after {attempts} attempts: {reason}")
        delay = self.retry_policy.delay(work.attempts, retry_after)
        return ProfileOutcome(work.phase, delay, work.provider_task_id, attempts)

    def failed(self, work: ProfileWork, reason: str) -> ProfileOutcome:
        return ProfileOutcome(DONE, None, work.provider_task_id, work.attempts, error=reason)

    async def write_back(self, work: ProfileWork, outcome: ProfileOutcome) -> None:
        """The task's new state and, when done, its items: one transaction, lease-guarded."""
        params = {
            "id": work.id,
            "token": work.token,
            "provider_task_id": outcome.provider_task_id,
            "phase": outcome.phase,
            "attempts": outcome.attempts,
            "error": outcome.error,
            "next_in_s": outcome.next_in_s,
        }
        async with self.sessions.begin() as session:
            if (await session.execute(_WRITE_BACK, params)).first() is None:
                return  # lease lost: another worker has the task now
            if outcome.phase == DONE:  # what it linked (maybe nothing): the task completes
                tenant = Tenant(work.org_id, Mode(work.mode))
                await record_profile_numbers(session, tenant, work.id, outcome.numbers)
        if outcome.error is not None:
            log.info(
                "profile assignment failed",
                extra={"bulk_task_id": str(work.id), "reason": outcome.error},
            )
