"""Retention on committed data: rows older than the window are purged in bounded batches,
newer ones and unfinished deliveries kept."""

from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest
from sqlalchemy import text

from app.jobs.context import JobContext
from app.jobs.retention import (
    DELIVERIES,
    EVENTS,
    PROVIDER_EVENTS,
    RetentionJob,
    purge,
    purge_batch,
)
from tests.support.app import test_catalog, test_settings
from tests.support.committed import CommittedWorld, committed_world


@pytest.fixture
async def cw(fresh_db: Callable[[], str]) -> AsyncIterator[CommittedWorld]:
    async with committed_world(fresh_db, test_settings()) as world:
        yield world


async def execute(cw: CommittedWorld, sql: str, **params: object) -> None:
    async with cw.engine.begin() as conn:
        for statement in filter(str.strip, sql.split(";")):
            await conn.execute(text(statement), params)


async def seed(cw: CommittedWorld, old: int, new: int) -> None:
    """``old`` rows of each table aged 31 days, ``new`` aged 1 day; of the old deliveries,
    one is still due (unfinished: kept whatever its age)."""
    for count, age in ((old, 31), (new, 1)):
        await execute(
            cw,
            """
INSERT INTO events (id, org_id, mode, type, resource_type, resource_id, data, created_at)
SELECT time_ordered_uuid(), :org, 'test', 'brand.updated', 'brand', gen_random_uuid(), '{}',
       now() - make_interval(days => :age)
FROM generate_series(1, :n);
INSERT INTO webhook_deliveries (id, org_id, mode, url, event_type, payload, created_at,
                                next_attempt_at, delivered_at)
SELECT gen_random_uuid(), :org, 'test', 'https://example.com/' || g, 'brand.updated', '{}',
       now() - make_interval(days => :age), NULL, now()
FROM generate_series(1, :n) g;
INSERT INTO provider_events (provider, event_id, received_at)
SELECT 'telnyx', :age || '-' || g, now() - make_interval(days => :age)
FROM generate_series(1, :n) g;
""",
            org=cw.world.org_id,
            age=age,
            n=count,
        )
    await execute(
        cw,
        "INSERT INTO webhook_deliveries (id, org_id, mode, url, event_type, payload, created_at,"
        " next_attempt_at) VALUES (gen_random_uuid(), :org, 'test', 'https://example.com/due',"
        " 'brand.updated', '{}', now() - interval '40 days', now())",
        org=cw.world.org_id,
    )


async def counts(cw: CommittedWorld) -> dict[str, int]:
    return {
        t: int(await cw.scalar(f"SELECT count(*) FROM {t}"))
        for t in ("events", "webhook_deliveries", "provider_events")
    }


async def test_a_batch_deletes_at_most_its_size_and_only_old_rows(cw: CommittedWorld) -> None:
    await seed(cw, old=25, new=5)
    keep = timedelta(days=30)
    async with cw.sessions.begin() as session:
        assert await purge_batch(session, EVENTS, keep, 10) == 10
    assert await cw.scalar("SELECT count(*) FROM events") == 20
    assert await purge(cw.sessions, EVENTS, keep, 10) == 15  # batches of 10, 5
    assert await purge(cw.sessions, EVENTS, keep, 10) == 0
    remaining = await cw.scalar("SELECT min(created_at) > now() - interval '30 days' FROM events")
    assert remaining is True and await cw.scalar("SELECT count(*) FROM events") == 5


async def test_the_job_purges_every_table_and_keeps_unfinished_deliveries(
    cw: CommittedWorld,
) -> None:
    await seed(cw, old=12, new=3)
    assert await counts(cw) == {"events": 15, "webhook_deliveries": 16, "provider_events": 15}
    settings = test_settings(retention_days=30, retention_batch_size=5)
    async with JobContext.open(cw.sessions, settings, test_catalog()) as context:
        await RetentionJob(context).run_pass()
    assert await counts(cw) == {"events": 3, "webhook_deliveries": 4, "provider_events": 3}
    [(url,)] = await cw.rows(
        "SELECT url FROM webhook_deliveries WHERE created_at < now() - interval '30 days'"
    )
    assert url == "https://example.com/due"  # still due: never purged


async def test_a_shorter_window_purges_more(cw: CommittedWorld) -> None:
    await seed(cw, old=2, new=2)
    assert await purge(cw.sessions, DELIVERIES, timedelta(hours=12), 100) == 4
    assert await purge(cw.sessions, PROVIDER_EVENTS, timedelta(hours=12), 100) == 4
