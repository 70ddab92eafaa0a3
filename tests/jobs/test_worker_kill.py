"""Crash safety: a worker SIGKILLed mid-propagation loses nothing; several workers share."""

import asyncio
import json
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.support.api import data, us_number
from tests.support.app import test_settings
from tests.support.committed import CommittedWorld, committed_world, start_worker, stop, wait_until

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
        first = start_worker(cw.url, WORKER_ENV)
        second = None
        try:

            async def mid_flight() -> bool:
                # kill while the worker holds rows under lease, with work done and left
                leased = await cw.scalar(
                    "SELECT count(*) FROM phone_numbers WHERE lease_owner IS NOT NULL"
                )
                return bool(leased) and await count_status(cw, "propagated") >= 50

            await wait_until(mid_flight, timeout_s=60, interval_s=0.02)
            assert stop(first, signal.SIGKILL) == -signal.SIGKILL
            assert await count_status(cw, "propagated") < 500, "killed too late to matter"

            second = start_worker(cw.url, WORKER_ENV)

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


async def test_two_workers_share_the_work(fresh_db: Callable[[], str], tmp_path: Path) -> None:
    async with committed_world(fresh_db, test_settings()) as cw:
        campaign_ref, _ = await attach_many(cw, 200)
        logs = [(tmp_path / f"worker{i}.log").open("wb") for i in range(2)]
        env = {**WORKER_ENV, "NUMLINK_LOG_LEVEL": "DEBUG"}
        workers = [start_worker(cw.url, env, log) for log in logs]
        try:

            async def all_propagated() -> bool:
                return await count_status(cw, "propagated") == 200

            await wait_until(all_propagated, timeout_s=60, interval_s=0.1)
            await assert_provider_matches(cw, campaign_ref, 200)
        finally:
            for worker in workers:
                stop(worker, signal.SIGTERM)
            for log in logs:
                log.close()
        for i in range(2):
            lines = (tmp_path / f"worker{i}.log").read_text().splitlines()
            claims = [json.loads(line) for line in lines if '"msg":"claimed"' in line]
            assert sum(c["rows"] for c in claims) > 0, f"worker {i} took no work"
