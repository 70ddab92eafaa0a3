"""Batch registration: a chunk of the task's items at a time, each number read at the provider
(as a single registration does), the chunk registered in one statement. Numbers the provider
could not be asked about (temporary faults) stay undecided and are taken up again after the
task's back-off; every other item is decided once."""

import asyncio

from app.inventory.registration import Decision, PendingItem, RegistrationRepository
from app.jobs.paged_tasks import DONE, PagedTaskJob, TaskWork
from app.kit.phone import parse_e164
from providers.base import (
    Provider,
    ProviderObjectNotFound,
    ProviderRejectedError,
    ProviderTemporaryError,
)

CHUNK = 100
READS_AT_ONCE = 10  # at most NUMLINK_WORKER_CONCURRENCY; the shared rate limit paces them


class BatchRegisterJob(PagedTaskJob):
    name = "batch_register"
    operation = "register"

    async def step(self, work: TaskWork, provider: Provider) -> TaskWork | None:
        async with self.sessions() as session:
            items = await RegistrationRepository(session, work.tenant).next_items(work.id, CHUNK)
        limit = asyncio.Semaphore(min(READS_AT_ONCE, self.context.settings.worker_concurrency))

        async def decide(item: PendingItem) -> Decision | ProviderTemporaryError:
            if item.registered:
                return Decision(item, code="CONFLICT")
            try:
                parsed = parse_e164(item.value)
            except ValueError:
                return Decision(item, code="VALIDATION_FAILED")
            async with limit:
                try:
                    info = await provider.get_number(parsed.e164)
                except ProviderObjectNotFound:
                    return Decision(item, code="NOT_AT_PROVIDER")
                except ProviderRejectedError:
                    return Decision(item, code="PROVIDER_REJECTED")
                except ProviderTemporaryError as exc:
                    return exc
            return Decision(item, parsed, info)

        outcomes = await asyncio.gather(*(decide(item) for item in items))
        decided = [o for o in outcomes if isinstance(o, Decision)]
        fault = next((o for o in outcomes if isinstance(o, ProviderTemporaryError)), None)
        async with self.sessions.begin() as session:
            repo = RegistrationRepository(session, work.tenant)
            if decided:
                label = work.scope.get("label")
                await repo.register(work.id, work.provider, label, decided)
            stats = {"processed": work.stats.get("processed", 0) + len(decided)}
            finished = fault is None and len(items) < CHUNK
            current = await self.advance(
                session, work, phase=DONE if finished else "list", page_token=None, stats=stats
            )
        if fault is not None:
            raise fault  # the undecided numbers are asked again after the back-off
        return current
