"""Bulk tasks delegated to a provider's assignment by messaging profile (Telnyx).

The worker claims a due task under a lease (as it claims numbers), asks the provider to link
every number on the profile (``submit``), polls the provider's task until it has finished
(``poll``), then records the numbers it lists as the bulk task's items in one statement. Those
numbers start in the reconciler's ``confirm`` phase: it first reads what the provider holds
for each, and links one itself only where the provider's task did not.
"""

import logging
import uuid
from dataclasses import dataclass, field

from sqlalchemy import text

from app.bulk.service import record_profile_numbers
from app.kit.db import SessionMaker
from app.kit.errors import NumlinkError
from app.kit.providers import ProviderRegistry
from app.kit.tenancy import Tenant
from app.models import Mode
from app.propagation.backoff import backoff_delay
from app.propagation.reconciler import Timing
from providers.base import (
    ProfileAssigner,
    ProfileTaskStatus,
    ProviderRejectedError,
    ProviderTemporaryError,
)

log = logging.getLogger("numlink.worker")
SUBMIT, POLL, DONE = "submit", "poll", "done"

_CLAIM = text(
    """
WITH due AS (
    SELECT id FROM bulk_tasks
    WHERE next_attempt_at <= (SELECT clock_timestamp())
    ORDER BY next_attempt_at
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
)
UPDATE bulk_tasks t
SET lease_owner = :token, next_attempt_at = clock_timestamp() + make_interval(secs => :lease_s)
FROM due, campaigns c
WHERE t.id = due.id AND c.id = t.campaign_id
RETURNING t.id, t.org_id, t.mode, t.messaging_profile_id, t.provider_task_id, t.profile_phase,
          t.attempts, c.provider, c.provider_campaign_id AS campaign_ref
"""
)

_WRITE_BACK = text(
    """
UPDATE bulk_tasks SET
    provider_task_id = :provider_task_id,
    profile_phase = :phase,
    attempts = :attempts,
    error = :error,
    lease_owner = NULL,
    next_attempt_at = CASE WHEN CAST(:next_in_s AS float8) IS NULL THEN NULL
        ELSE clock_timestamp() + make_interval(secs => CAST(:next_in_s AS float8)) END,
    updated_at = clock_timestamp()
WHERE id = :id AND lease_owner = :token
RETURNING id
"""
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


class ProfileTaskRunner:
    def __init__(
        self, sessions: SessionMaker, registry: ProviderRegistry, timing: Timing, lease_s: float
    ) -> None:
        self.sessions = sessions
        self.registry = registry
        self.timing = timing
        self.lease_s = lease_s

    async def claim(self, token: str, limit: int) -> list[ProfileWork]:
        params = {"token": token, "limit": limit, "lease_s": self.lease_s}
        async with self.sessions.begin() as session:
            rows = (await session.execute(_CLAIM, params)).mappings().all()
        return [
            ProfileWork(
                id=r["id"],
                org_id=r["org_id"],
                mode=r["mode"],
                messaging_profile_id=r["messaging_profile_id"],
                provider_task_id=r["provider_task_id"],
                phase=r["profile_phase"],
                attempts=r["attempts"],
                provider=r["provider"],
                campaign_ref=r["campaign_ref"],
                token=token,
            )
            for r in rows
        ]

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
                return ProfileOutcome(POLL, self.timing.confirm_poll_s, task_id)
            task = await provider.get_profile_task(work.provider_task_id)
            if not task.finished:
                poll = backoff_delay(
                    work.attempts, self.timing.confirm_poll_s, self.timing.confirm_poll_cap_s
                )
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
        if work.phase == SUBMIT and attempts >= self.timing.max_attempts:
            return self.failed(work, f"gave up after {attempts} attempts: {reason}")
        delay = backoff_delay(work.attempts, self.timing.retry_base_s, self.timing.retry_cap_s)
        delay = max(delay, retry_after or 0.0)
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
            if outcome.phase == DONE and outcome.numbers:
                tenant = Tenant(work.org_id, Mode(work.mode))
                await record_profile_numbers(session, tenant, work.id, outcome.numbers)
        if outcome.error is not None:
            log.info(
                "profile assignment failed",
                extra={"bulk_task_id": str(work.id), "reason": outcome.error},
            )
