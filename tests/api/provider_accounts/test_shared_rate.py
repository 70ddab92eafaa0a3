"""The shared bucket learns from the provider's answers, in its row, for every process: a 429
cuts the rate and pauses everyone, a 429 that says budget is left holds only its own request,
a nearly spent budget eases the rate, traffic climbs it back to the configured rate, and with
adaptation off the configured rate stays."""

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.engine import create_engine, create_sessionmaker
from app.provider_accounts.rate_limit import AdaptiveRate, SharedBucket
from providers.http import RateSignal, read_rate_signal

RATE, BURST = 20.0, 4.0


@pytest.fixture
async def engine(fresh_db: Callable[[], str]) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(fresh_db(), pool_size=5)
    yield eng
    await eng.dispose()


def bucket(engine: AsyncEngine, adaptive: AdaptiveRate = AdaptiveRate()) -> SharedBucket:
    return SharedBucket(create_sessionmaker(engine), "acct", RATE, BURST, adaptive)


async def row(engine: AsyncEngine) -> tuple[float | None, int, bool]:
    async with engine.connect() as conn:
        found = (
            await conn.execute(
                text(
                    "SELECT rate, epoch, COALESCE(paused_until > clock_timestamp(), false)"
                    " FROM rate_buckets"
                )
            )
        ).one()
    return found[0], found[1], found[2]


def refused(retry_after: str, remaining: str | None = "0") -> RateSignal:
    headers = {"retry-after": retry_after, "x-ratelimit-limit": "10"}
    if remaining is not None:
        headers["x-ratelimit-remaining"] = remaining
    return read_rate_signal(429, headers)


def test_the_common_headers_are_read() -> None:
    signal = read_rate_signal(200, {"x-ratelimit-limit": "10", "x-ratelimit-remaining": "1"})
    assert (signal.throttled, signal.retry_after_s, signal.headroom) == (False, None, 0.1)
    spent = read_rate_signal(429, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "0.5"})
    assert spent.retry_after_s == 0.5 and spent.headroom is None  # no limit: no share
    garbled = read_rate_signal(429, {"x-ratelimit-limit": "lots", "retry-after": "x"})
    assert garbled == RateSignal(True, None, None, None)


async def test_a_429_cuts_the_rate_for_every_process_and_pauses_them(engine: AsyncEngine) -> None:
    first, other = bucket(engine), bucket(engine)  # two processes' views of one account
    await first.take()
    await first.observe(refused("0.5"))
    rate, epoch, paused = await row(engine)
    assert rate == pytest.approx(RATE * 0.7) and epoch == 1 and paused
    started = time.monotonic()
    await other.take()  # the other process waits out the pause too
    assert time.monotonic() - started >= 0.4
    assert other.current_rate < RATE
    await first.observe(refused("0"))  # within the cooldown: no second cut
    assert (await row(engine))[0] == pytest.approx(RATE * 0.7)


async def test_a_429_saying_budget_is_left_holds_only_its_own_request(
    engine: AsyncEngine,
) -> None:
    shared = bucket(engine)
    await shared.take()
    await shared.observe(refused("5", remaining="7"))  # not this account's rate
    rate, epoch, paused = await row(engine)
    assert (rate, epoch, paused) == (RATE, 0, False)
    started = time.monotonic()
    await shared.take()
    assert time.monotonic() - started < 1


async def test_a_nearly_spent_budget_eases_the_rate(engine: AsyncEngine) -> None:
    shared = bucket(engine)
    await shared.take()
    await shared.observe(read_rate_signal(200, {"x-ratelimit-limit": "10",
                                                "x-ratelimit-remaining": "1"}))  # fmt: skip
    await shared.take()
    assert (await row(engine))[0] == pytest.approx(RATE * 0.95)


async def test_traffic_climbs_the_rate_back_to_the_configured_one(engine: AsyncEngine) -> None:
    shared = bucket(engine, AdaptiveRate(increase=0.5, cooldown_s=0.0))
    await shared.take()
    await shared.observe(refused("0", remaining=None))  # a bare 429: no budget told
    assert (await row(engine))[0] == pytest.approx(RATE * 0.7)
    for _ in range(12):  # 12 requests at 14/s climb 6/s (0.5 x 20 per second of traffic)
        await shared.take()
    assert (await row(engine))[0] == pytest.approx(RATE)


async def test_without_adaptation_the_configured_rate_stays(engine: AsyncEngine) -> None:
    shared = bucket(engine, AdaptiveRate(enabled=False))
    await shared.take()
    await shared.observe(refused("0.3"))
    rate, epoch, _ = await row(engine)
    assert rate is None and epoch == 0  # untouched: the configured rate
    started = time.monotonic()
    await shared.take()  # the 429 still pauses the account
    assert time.monotonic() - started >= 0.25


async def test_requests_queued_before_a_pause_wait_for_its_end(engine: AsyncEngine) -> None:
    shared = bucket(engine)
    for _ in range(int(BURST)):
        await shared.take()  # the burst is spent: the next requests queue

    async def queued() -> float:
        await shared.take()
        return time.monotonic()

    waiting = [asyncio.create_task(queued()) for _ in range(10)]  # paced over 0.5 s
    await asyncio.sleep(0.01)
    paused_at = time.monotonic()
    await shared.observe(refused("0.6"))
    recorded_at = time.monotonic()
    sent = await asyncio.gather(*waiting)
    # none went during the pause, though reserved before it (only before it was recorded)
    after = [at for at in sent if at > recorded_at]
    assert len(after) >= 5
    assert all(at - paused_at >= 0.55 for at in after)
