"""Scheduled work takes provider rate-limit tokens at low priority: only from a bucket at least
half full, so requests users wait for are never queued behind it."""

import asyncio
import time
from collections.abc import Callable

from sqlalchemy import text

from app.db.engine import create_engine, create_sessionmaker
from app.provider_accounts.rate_limit import LOW_PRIORITY, SharedBucket, low_priority

RATE, BURST = 20.0, 4.0


async def test_low_priority_waits_until_user_traffic_has_gone(
    fresh_db: Callable[[], str],
) -> None:
    engine = create_engine(fresh_db(), pool_size=12)
    try:
        bucket = SharedBucket(create_sessionmaker(engine), "acct", RATE, BURST)
        assert await bucket.take_when_idle() == 0.0  # an idle account: at once
        await asyncio.sleep(BURST / RATE)  # full again

        async def user() -> tuple[float, float]:
            waited = await bucket.take()
            return waited, time.monotonic()

        early = [asyncio.create_task(user()) for _ in range(9)]  # 4 at once, 5 queued
        await asyncio.sleep(0.05)
        low = asyncio.create_task(bucket.take_when_idle())
        await asyncio.sleep(0.1)
        late = [asyncio.create_task(user()) for _ in range(3)]  # they come after it...
        low_waited = await low
        low_done = time.monotonic()
        finished = await asyncio.gather(*early, *late)
        # ...and still go first: it waits for the queue to drain and the bucket to refill
        assert max(at for _, at in finished) <= low_done
        assert low_waited >= (BURST / 2 + 5) / RATE - 0.1
        async with engine.connect() as conn:
            tokens = (await conn.execute(text("SELECT tokens FROM rate_buckets"))).scalar_one()
        assert tokens >= 0.0  # it took a token without queueing
    finally:
        await engine.dispose()


def test_low_priority_is_scoped() -> None:
    assert LOW_PRIORITY.get() is False
    with low_priority():
        assert LOW_PRIORITY.get() is True
        with low_priority(False):
            assert LOW_PRIORITY.get() is False
    assert LOW_PRIORITY.get() is False
