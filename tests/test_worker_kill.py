"""Crash safety: a worker SIGKILLed mid-propagation loses nothing; several workers share."""

import asyncio
import signal
from collections.abc import Callable
from typing import Any

from tests.committed import CommittedWorld, committed_world, start_worker, stop, wait_until
from tests.conftest import test_settings
from tests.support import data, us_number

WORKER_ENV = {
    "NUMLINK_SANDBOX_DELAY_S": "0.3",
    "NUMLINK_WORKER_LEASE_S": "2",
    "NUMLINK_CONFIRM_POLL_S": "0.2",
    "NUMLINK_CONFIRM_POLL_CAP_S": "0.5",
    "NUMLINK_WORKER_CONCURRENCY": "16",
    "NUMLINK_WORKER_BATCH_SIZE": "16",
    "NUMLINK_WORKER_IDLE_SLEEP_S": "0.05",
}


async def attach_many(cw: CommittedWorld, count: int) -> tuple[str, list[str]]:
    campaign = await cw.world.campaign()
    numbers = [us_number() for _ in range(count)]
    ids: list[str] = []
    for chunk_start in range(0, count, 50):
        chunk = numbers[chunk_start : chunk_start + 50]
        created = await asyncio.gather(*(cw.world.number(n) for n in chunk))
        ids.extend(n["id"] for n in created)
    for chunk_start in range(0, count, 50):
        responses = await asyncio.gather(
            *(cw.world.attach(i, campaign["id"]) for i in ids[chunk_start : chunk_start + 50])
        )
        assert all(r.status_code == 200 for r in responses)
    return campaign["provider_campaign_id"], ids


async def count_status(cw: CommittedWorld, status: str) -> int:
    return int(
        await cw.scalar(
            "SELECT count(*) FROM phone_numbers WHERE carrier_line_option_status = :s", s=status
        )
    )


async def assert_provider_matches(cw: CommittedWorld, campaign_ref: str, count: int) -> None:
    matching = await cw.scalar(
        "SELECT count(*) FROM phone_numbers p JOIN sandbox_links s"
        " ON s.org_id = p.org_id AND s.number = p.number"
        " WHERE s.campaign_ref = :ref AND s.state = 'linking' AND s.outcome = 'success'"
        " AND p.linked_campaign_ref = :ref AND p.lease_owner IS NULL",
        ref=campaign_ref,
    )
    assert matching == count


async def test_sigkilled_worker_loses_nothing(fresh_db: Callable[[], str]) -> None:
    async with committed_world(fresh_db, test_settings()) as cw:
        campaign_ref, ids = await attach_many(cw, 500)
        first = start_worker(cw.url, **WORKER_ENV)
        second = None
        try:

            async def some_propagated() -> bool:
                return await count_status(cw, "propagated") >= 50

            await wait_until(some_propagated, timeout_s=60)
            assert stop(first, signal.SIGKILL) == -signal.SIGKILL
            propagated = await count_status(cw, "propagated")
            assert propagated < 500, "the kill came too late to test anything"
            leased = await cw.scalar(
                "SELECT count(*) FROM phone_numbers WHERE lease_owner IS NOT NULL"
            )
            assert leased > 0, "the killed worker held no rows"

            second = start_worker(cw.url, **WORKER_ENV)

            async def all_propagated() -> bool:
                return await count_status(cw, "propagated") == 500

            await wait_until(all_propagated, timeout_s=90, interval_s=0.25)
            await assert_provider_matches(cw, campaign_ref, 500)
            assert stop(second, signal.SIGTERM) == 0
            second = None
        finally:
            stop(first)
            if second is not None:
                stop(second)
        number: Any = data(await cw.api.get(f"/v1/phone-numbers/{ids[0]}", cw.world.test_key))
        assert number["carrier_line_option_status"] == "propagated"
        assert number["carrier_line_option_propagated_at"] is not None


async def test_two_workers_share_the_work(fresh_db: Callable[[], str]) -> None:
    async with committed_world(fresh_db, test_settings()) as cw:
        campaign_ref, _ = await attach_many(cw, 200)
        workers = [start_worker(cw.url, **WORKER_ENV) for _ in range(2)]
        try:
            owners: set[str] = set()

            async def all_propagated() -> bool:
                for (owner,) in await cw.rows(
                    "SELECT DISTINCT split_part(lease_owner, ':', 2) FROM phone_numbers"
                    " WHERE lease_owner IS NOT NULL"
                ):
                    owners.add(owner)
                return await count_status(cw, "propagated") == 200

            await wait_until(all_propagated, timeout_s=60, interval_s=0.05)
            await assert_provider_matches(cw, campaign_ref, 200)
            assert len(owners) == 2, f"only {owners} took work"
        finally:
            for worker in workers:
                stop(worker, signal.SIGTERM)
