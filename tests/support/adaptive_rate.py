"""The adaptive-rate scenario, shared by its test and its benchmark: two worker processes
propagate more live numbers than the provider lets through, to the fake Telnyx enforcing a
real limit under the fault mix of ``tests.support.faults`` (30 % of requests fail), with the
account configured for some rate. Over a window, how much of the real limit is used, and how
many requests does the limit refuse?"""

import asyncio
import signal
from dataclasses import dataclass
from typing import Any

from tests.support.app import TEST_SECRET_KEY, test_settings
from tests.support.committed import committed_world, start_worker, stop
from tests.support.faults import fake_state, seed_live_links, start_fake, worker_env

WARM_UP_S = 3.0  # of traffic: the workers fill their queues before the window opens


@dataclass
class RateRun:
    real_limit: float
    configured: float
    adaptive: bool
    seconds: float
    requests: int
    refused_by_limit: int  # 429s from the enforced limit
    injected_429: int  # 429s of the fault mix, whatever the rate

    @property
    def refused_share(self) -> float:
        return self.refused_by_limit / max(1, self.requests)

    @property
    def admitted_per_s(self) -> float:
        """Requests that passed the provider's limit, per second."""
        return (self.requests - self.refused_by_limit) / self.seconds

    @property
    def use_of_limit(self) -> float:
        return self.admitted_per_s / self.real_limit


def _counts(state: dict[str, Any]) -> tuple[int, int, int]:
    stats = state["stats"]
    throttled = stats["throttled"]
    return sum(stats["requests"].values()), throttled.get("limit", 0), throttled.get("fault", 0)


async def _warmed_up(base_url: str, real_limit: float) -> None:
    """Until the workers (slow to start on a busy machine) have sent ``WARM_UP_S`` of
    traffic."""
    for _ in range(600):
        if _counts(fake_state(base_url))[0] >= WARM_UP_S * real_limit:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the workers sent nothing for a minute")


async def measure_rate(
    make_db: Any, real_limit: float, configured: float, adaptive: bool, window_s: float
) -> RateRun:
    fake, base_url = start_fake(real_limit, seed=5)
    try:
        async with committed_world(make_db, test_settings(), pool_size=5) as cw:
            # more numbers than the window can propagate: the provider's limit is the bottleneck
            await seed_live_links(cw, int(real_limit * window_s * 2) + 200)
            env = {
                **worker_env(base_url, real_limit, TEST_SECRET_KEY),
                "NUMLINK_TELNYX_RATE_PER_S": str(configured),
                "NUMLINK_PROVIDER_ADAPTIVE_RATE": "true" if adaptive else "false",
            }
            workers = [start_worker(cw.url, env), start_worker(cw.url, env)]
            try:
                await _warmed_up(base_url, real_limit)
                before = _counts(fake_state(base_url))
                await asyncio.sleep(window_s)
                after = _counts(fake_state(base_url))
            finally:
                for worker in workers:
                    stop(worker, signal.SIGTERM)
    finally:
        stop(fake, signal.SIGTERM)
    requests, limit, injected = (a - b for a, b in zip(after, before, strict=True))
    return RateRun(real_limit, configured, adaptive, window_s, requests, limit, injected)
