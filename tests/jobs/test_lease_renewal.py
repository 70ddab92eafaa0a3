"""Leases are renewed while their worker works: a SIGKILLed worker's rows are taken up by
another within seconds of the kill, and a live worker whose step outlasts the lease keeps its
rows (the provider is never asked twice)."""

import asyncio
import signal
import time
import uuid
from collections.abc import Callable

import pytest

from app.db.engine import create_engine, create_sessionmaker
from app.jobs.leases import LeaseKeeper
from tests.providers.telnyx.fake_server import FakeTelnyx, FaultRates
from tests.support.app import TEST_SECRET_KEY, test_settings
from tests.support.committed import committed_world, start_worker, stop, wait_until
from tests.support.crash import kill_and_recover, recovery_env, slow_fake
from tests.support.faults import seed_live_links


async def test_a_killed_workers_rows_are_finished_within_10_s(
    fresh_db: Callable[[], str],
) -> None:
    with slow_fake() as fake:
        async with committed_world(fresh_db, test_settings()) as cw:
            env = recovery_env(fake.base_url, TEST_SECRET_KEY, lease_s=None)  # the default
            run = await kill_and_recover(cw, env, numbers=100)
        assert run.held_at_kill > 0
        assert run.seconds_to_finish_held < 10, run
        # every number linked at the provider, none left behind
        assignments = fake.assignments
        assert len(assignments) == 100
        assert {status for _, status in assignments.values()} == {"ASSIGNED"}


async def test_a_slow_live_worker_keeps_its_rows(fresh_db: Callable[[], str]) -> None:
    # every answer takes 2.5 s, the lease is 1 s: without renewal the second worker would take
    # the rows over mid-request and link them again
    with FakeTelnyx("KEY", faults=FaultRates(slow=1.0), slow_s=2.5, settle_after_s=0.0) as fake:
        async with committed_world(fresh_db, test_settings()) as cw:
            await seed_live_links(cw, 20)
            env = recovery_env(fake.base_url, TEST_SECRET_KEY, lease_s=1.0)
            workers = [start_worker(cw.url, env), start_worker(cw.url, env)]
            try:

                async def all_propagated() -> bool:
                    done = await cw.scalar(
                        "SELECT count(*) FROM phone_numbers"
                        " WHERE carrier_line_option_status = 'propagated'"
                    )
                    return bool(done == 20)

                await wait_until(all_propagated, timeout_s=60, interval_s=0.1)
            finally:
                for worker in workers:
                    stop(worker, signal.SIGTERM)
        assert fake.stats.requests["POST assignments"] == 20
        assert len(fake.assignments) == 20


async def test_a_worker_that_cannot_renew_stops_working_on_the_claim(
    fresh_db: Callable[[], str],
) -> None:
    engine = create_engine(fresh_db(), pool_size=2)
    try:
        sessions = create_sessionmaker(engine)
        # a renewal that fails every time (the statement names a table that is not there)
        failing = LeaseKeeper(sessions, "no_such_table", lease_s=0.6)
        working = LeaseKeeper(sessions, "phone_numbers", lease_s=0.6)
        tasks = []
        for keeper in (failing, working):
            claim = keeper.hold("token", [uuid.uuid4()], time.monotonic())
            task = asyncio.create_task(asyncio.sleep(1.8))  # three leases long
            keeper.started(claim, {task})
            tasks.append(task)
        stopped, renewed = tasks
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(stopped, 1.2)  # given up before its lease lapsed
        await renewed  # renewed (it held no row, but the renewal worked): never given up
    finally:
        await engine.dispose()
