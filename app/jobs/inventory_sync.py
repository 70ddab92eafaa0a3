"""Inventory sync: every number of the account, page by page. Each page is upserted in one
statement with the task's position; the last page also marks the provider's numbers that no
page listed as released (gone from the account)."""

from app.inventory.repository import InventoryRepository
from app.jobs.paged_tasks import DONE, PagedTaskJob, TaskWork, Unsupported
from providers.base import InventoryLister, Provider


class InventorySyncJob(PagedTaskJob):
    name = "inventory_sync"
    operation = "sync"

    async def step(self, work: TaskWork, provider: Provider) -> TaskWork | None:
        if not isinstance(provider, InventoryLister):
            raise Unsupported(f"{work.provider} does not list an account's numbers")
        page = await provider.list_numbers(work.page_token)
        async with self.sessions.begin() as session:
            repo = InventoryRepository(session, work.tenant)
            counts = await repo.upsert_page(work.provider, work.id, page.numbers)
            stats = dict(work.stats)
            stats["seen"] = stats.get("seen", 0) + len(page.numbers)
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
