"""Scheduled inventory work: each live account gets a low-priority sync and audit once per
interval, and no second one while the first is recent."""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.jobs.context import JobContext
from app.jobs.inventory_schedule import InventoryScheduleJob
from app.settings import Settings
from providers.catalog import ProviderCatalog
from tests.support.api import World
from tests.support.app import test_settings
from tests.support.live import put_account

Sessions = async_sessionmaker[AsyncSession]


async def scheduled(sessions: Sessions, world: World) -> list[tuple[str, str, bool]]:
    async with sessions() as session:
        rows = await session.execute(
            text(
                "SELECT operation, provider, low_priority FROM bulk_tasks"
                " WHERE org_id = :org ORDER BY operation"
            ),
            {"org": world.org_id},
        )
        return [tuple(r) for r in rows]


async def run_pass(sessions: Sessions, settings: Settings, catalog: ProviderCatalog) -> None:
    async with JobContext.open(sessions, settings, catalog) as context:
        await InventoryScheduleJob(context).run_pass()


async def test_each_live_account_is_synced_and_audited_once_per_interval(
    world: World, sessions: Sessions, catalog: ProviderCatalog
) -> None:
    await put_account(world.api, world.live_key, "telnyx", {"api_key": "KEY-schedule-01"})
    settings = test_settings(inventory_sync_interval_s=3600, audit_interval_s=3600)
    await run_pass(sessions, settings, catalog)
    assert await scheduled(sessions, world) == [("audit", "telnyx", True), ("sync", "telnyx", True)]
    await run_pass(sessions, settings, catalog)  # both are recent: nothing new
    assert len(await scheduled(sessions, world)) == 2


async def test_intervals_of_zero_schedule_nothing(
    world: World, sessions: Sessions, catalog: ProviderCatalog
) -> None:
    await put_account(world.api, world.live_key, "telnyx", {"api_key": "KEY-schedule-02"})
    settings = test_settings(inventory_sync_interval_s=0, audit_interval_s=0)
    await run_pass(sessions, settings, catalog)
    assert await scheduled(sessions, world) == []
