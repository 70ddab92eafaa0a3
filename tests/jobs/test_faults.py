"""Fault suite: live propagation to a provider that fails 30% of requests, enforces a rate
limit, and loses a worker to SIGKILL midway. Nothing may be lost or mismatched."""

import signal
from collections.abc import Callable

from tests.support.app import TEST_SECRET_KEY, test_settings
from tests.support.committed import committed_world, stop
from tests.support.faults import run_fault_scenario, start_fake, worker_env

RATE_PER_S = 400.0


async def test_faults_and_a_kill_lose_nothing(fresh_db: Callable[[], str]) -> None:
    fake, base_url = start_fake(RATE_PER_S, seed=7)
    try:
        async with committed_world(fresh_db, test_settings()) as cw:
            env = worker_env(base_url, RATE_PER_S, TEST_SECRET_KEY)
            run = await run_fault_scenario(cw, base_url, env, numbers=1000, kills=1, timeout_s=120)
    finally:
        stop(fake, signal.SIGTERM)
    assert run.mismatched == []
    assert run.propagated == 1000
    assert run.rate_limit_violations == 0
    assert sum(run.faults.values()) > 0.2 * run.requests  # the faults really happened
