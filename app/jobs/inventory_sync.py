"""Inventory sync: every number of the account, page by page. Each page is upserted in one
statement with the task's position; the last page also marks the provider's numbers that no
page listed as released (gone from the account).

While a page is written, the next one is already being fetched (when the worker runs more
than one thing at a time), so a sync moves at the provider's rate limit rather than at the
rate limit plus the database's time. Only the position a page's write committed counts: a
prefetched page whose write failed is dropped and asked for again."""

import asyncio
import uuid

from app.inventory.repository import InventoryRepository
from app.jobs.context import JobContext
from app.jobs.paged_tasks import DONE, PagedTaskJob, TaskWork, Unsupported
from providers.base import InventoryLister, NumberPage, Provider

Prefetch = tuple[str, "asyncio.Task[NumberPage]"]


class InventorySyncJob(PagedTaskJob):
    name = "inventory_sync"
    operation = "sync"

    def __init__(self, context: JobContext) -> None:
        super().__init__(context)
        # one connection's worth of work at a time (tests) cannot overlap requests and writes
        self.prefetch = context.settings.worker_concurrency > 1
        self._ahead: dict[uuid.UUID, Prefetch] = {}

    async def step(self, work: TaskWork, provider: Provider) -> TaskWork | None:
        if not isinstance(provider, InventoryLister):
            raise Unsupported(f"{work.provider} does not list an account's numbers")
        page = await self._page(work, provider)
        if self.prefetch and page.next_token is not None:
            fetch = asyncio.create_task(provider.list_numbers(page.next_token))
            self._ahead[work.id] = (page.next_token, fetch)
        try:
            return await self._store_page(work, page)
        except BaseException:
            self._drop(work.id)
            raise

    async def _page(self, work: TaskWork, provider: InventoryLister) -> NumberPage:
        ahead = self._ahead.pop(work.id, None)
        if ahead is not None and ahead[0] == work.page_token:
            return await ahead[1]  # its failure is this page's failure: retried as any
        if ahead is not None:
            _cancel(ahead[1])
        return await provider.list_numbers(work.page_token)

    async def _store_page(self, work: TaskWork, page: NumberPage) -> TaskWork | None:
        async with self.sessions.begin() as session:
            repo = InventoryRepository(session, work.tenant)
            counts = await repo.upsert_page(work.provider, work.id, page.numbers)
            stats = dict(work.stats)
            stats["seen"] = stats.get("seen", 0) + counts.listed
            stats["added"] = stats.get("added", 0) + counts.added
            stats["updated"] = stats.get("updated", 0) + counts.updated
            stats.setdefault("released", 0)
            if page.next_token is None:
                stats["released"] = await repo.release_unseen(
                    work.id, work.provider, work.created_at
                )
                return await self.advance(session, work, phase=DONE, page_token=None, stats=stats)
            return await self.advance(
                session, work, phase="list", page_token=page.next_token, stats=stats
            )

    def _drop(self, task_id: uuid.UUID) -> None:
        ahead = self._ahead.pop(task_id, None)
        if ahead is not None:
            _cancel(ahead[1])


def _cancel(fetch: "asyncio.Task[NumberPage]") -> None:
    fetch.cancel()
    # a fetch that failed before it was cancelled: its error is not this job's concern now
    fetch.add_done_callback(lambda done: done.cancelled() or done.exception())
