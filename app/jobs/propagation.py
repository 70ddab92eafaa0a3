"""Propagation: the number row is the work item. Due rows are claimed under a lease and
reconciled (``app.jobs.reconciler`` decides); the outcome is written back guarded by the lease
and by ``desired_version``.

Half of every claim is reserved for status checks (confirm phase): otherwise, behind a backlog
of a million new submissions, no number would be confirmed until all were submitted.
"""

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import RowMapping, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Mode
from app.db.tenancy import Tenant
from app.events.statements import LINE_OPTION_COLUMNS, line_option_changed, update_with_events
from app.jobs.base import Lane, LeasedTable, QueueJob
from app.jobs.context import JobContext
from app.jobs.reconciler import (
    CONFIRM,
    FAILED,
    Outcome,
    Timing,
    WorkItem,
    is_new_link,
    reconcile,
    reconcile_links,
    rejected,
    retry_later,
)
from app.kit.errors import NumlinkError
from app.kit.metrics import PROPAGATION_CLAIMED, PROPAGATION_STEPS
from providers.base import Provider

log = logging.getLogger("numlink.worker")

NUMBERS = LeasedTable(
    table="phone_numbers",
    lanes=(Lane(where="sync_phase = 'confirm'", share=0.5), Lane()),
    returning="""t.id, t.org_id, t.mode, t.number, t.provider, t.desired_version,
          t.linked_campaign_ref, t.sync_phase, t.attempts,
          (SELECT c.provider_campaign_id FROM campaigns c WHERE c.id = t.campaign_id)
              AS desired_ref""",
)

# Provider-known state is always recorded (the call happened); the user-visible status only
# if the desired state is still the one the worker acted on. Otherwise the row is due again.
# A visible change writes its event in the same statement.
_WRITE_BACK = update_with_events(
    "phone_numbers",
    """
    lease_owner = NULL,
    linked_campaign_ref = CAST(:linked_ref AS text),
    sync_phase = CASE WHEN desired_version = :version THEN CAST(:phase AS varchar)
                      ELSE 'submit' END,
    next_attempt_at = CASE
        WHEN desired_version <> :version THEN clock_timestamp()
        WHEN CAST(:next_in_s AS float8) IS NULL THEN NULL
        ELSE clock_timestamp() + make_interval(secs => CAST(:next_in_s AS float8)) END,
    attempts = CASE WHEN desired_version = :version THEN :attempts ELSE 0 END,
    updated_at = CASE
        WHEN desired_version = :version
             AND (carrier_line_option_status IS DISTINCT FROM CAST(:status AS varchar)
                  OR carrier_line_option_error IS DISTINCT FROM CAST(:error AS text))
        THEN clock_timestamp() ELSE updated_at END,
    carrier_line_option_status = CASE WHEN desired_version = :version
        THEN CAST(:status AS varchar) ELSE carrier_line_option_status END,
    carrier_line_option_error = CASE WHEN desired_version = :version
        THEN CAST(:error AS text) ELSE carrier_line_option_error END,
    carrier_line_option_propagated_at = CASE
        WHEN desired_version <> :version THEN carrier_line_option_propagated_at
        WHEN :propagated THEN coalesce(carrier_line_option_propagated_at, clock_timestamp())
        ELSE NULL END,
    bulk_task_id = CASE WHEN desired_version = :version
        AND CAST(:status AS varchar) IS DISTINCT FROM 'pending' THEN NULL ELSE bulk_task_id END""",
    "id = :id AND lease_owner = :token",
    LINE_OPTION_COLUMNS,
    [line_option_changed()],
    returning="s.desired_version = :version AS current",
)

_SCHEDULED = text(
    "SELECT 1 FROM phone_numbers WHERE next_attempt_at IS NOT NULL"
    " UNION ALL SELECT 1 FROM bulk_tasks WHERE next_attempt_at IS NOT NULL LIMIT 1"
)


async def has_scheduled_work(session: AsyncSession) -> bool:
    """Whether any number or delegated bulk task still has work scheduled."""
    return (await session.execute(_SCHEDULED)).first() is not None


class PropagationJob(QueueJob[WorkItem]):
    name = "propagation"
    table = NUMBERS

    def __init__(self, context: JobContext) -> None:
        settings = context.settings
        super().__init__(
            context.sessions,
            concurrency=settings.worker_concurrency,
            batch_size=settings.worker_batch_size,
            lease_s=settings.worker_lease_s,
            idle_s=settings.worker_idle_sleep_s,
        )
        self.registry = context.providers
        self.timing = Timing(context.retry, settings.confirm_poll_s, settings.confirm_poll_cap_s)

    def to_work(self, row: RowMapping, token: str) -> WorkItem:
        return WorkItem(
            id=row["id"],
            org_id=row["org_id"],
            mode=row["mode"],
            number=row["number"],
            provider=row["provider"],
            desired_version=row["desired_version"],
            desired_ref=row["desired_ref"],
            linked_ref=row["linked_campaign_ref"],
            phase=row["sync_phase"],
            attempts=row["attempts"],
            reclaimed=row["reclaimed"],
            token=token,
        )

    async def claim(self, limit: int) -> list[WorkItem]:
        items = await super().claim(limit)
        PROPAGATION_CLAIMED.inc(len(items))
        return items

    def start(self, items: Sequence[WorkItem]) -> None:
        """New links of one campaign go together, to be batched where the provider batches."""
        batches: dict[tuple[object, ...], list[WorkItem]] = {}
        for item in items:
            if is_new_link(item):
                key = (item.org_id, item.mode, item.provider, item.desired_ref)
                batches.setdefault(key, []).append(item)
            else:
                self.spawn(self.process(item))
        for batch in batches.values():
            self.spawn(self.process_links(batch))

    async def process(self, item: WorkItem) -> None:
        await self.write_back([(item, await self.step(item))])

    async def process_links(self, items: list[WorkItem]) -> None:
        """New links of one campaign: batched where the provider takes batches."""
        first = items[0]
        try:
            provider: Provider | None = await self._provider(first)
        except Exception:
            provider = None  # each item's own step reports why
        size = provider.link_batch_size if provider is not None else 1
        if provider is None or size <= 1 or len(items) == 1:
            for item in items:
                await self.process(item)
            return
        for start in range(0, len(items), size):
            chunk = items[start : start + size]
            try:
                outcomes = await reconcile_links(chunk, provider, self.timing)
            except Exception as exc:
                log.exception("batch link crashed", extra={"rows": len(chunk)})
                reason = f"internal error: {type(exc).__name__}"
                outcomes = [retry_later(i, self.timing, reason, None, False) for i in chunk]
            await self.write_back(list(zip(chunk, outcomes, strict=True)))

    async def _provider(self, item: WorkItem) -> Provider:
        return await self.registry.for_tenant(Tenant(item.org_id, Mode(item.mode)), item.provider)

    async def step(self, item: WorkItem) -> Outcome:
        try:
            return await reconcile(item, await self._provider(item), self.timing)
        except NumlinkError as exc:
            return rejected(item, exc.message)
        except Exception as exc:
            # A bug or a garbled provider answer: back off rather than spin on the row.
            log.exception("reconcile step crashed", extra={"number_id": str(item.id)})
            observing = item.phase == CONFIRM or item.reclaimed
            reason = f"internal error: {type(exc).__name__}"
            return retry_later(item, self.timing, reason, None, observing)

    async def write_back(self, results: list[tuple[WorkItem, Outcome]]) -> None:
        try:
            async with self.sessions.begin() as session:
                applied = [await write_back_outcome(session, i, o) for i, o in results]
        except Exception:
            # The leases expire and the rows are observed afresh by whoever claims them next.
            log.exception("write-back failed", extra={"rows": len(results)})
            return
        for (item, outcome), done in zip(results, applied, strict=True):
            result = "lease_lost" if done is None else (outcome.status or "unlinked")
            PROPAGATION_STEPS.labels(item.provider, result).inc()
            if outcome.status == FAILED and done:
                log.info(
                    "propagation failed",
                    extra={"number_id": str(item.id), "reason": outcome.error},
                )


async def write_back_outcome(
    session: AsyncSession, item: WorkItem, outcome: Outcome
) -> bool | None:
    """True if applied, False if the desired state moved on, None if the lease was lost."""
    params: dict[str, Any] = {
        "id": item.id,
        "token": item.token,
        "version": item.desired_version,
        "linked_ref": outcome.linked_ref,
        "status": outcome.status,
        "error": outcome.error,
        "phase": outcome.phase,
        "next_in_s": outcome.next_in_s,
        "attempts": outcome.attempts,
        "propagated": outcome.propagated,
    }
    row = (await session.execute(_WRITE_BACK, params)).first()
    return None if row is None else bool(row[0])
