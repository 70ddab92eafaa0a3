"""Crash recovery, shared by the kill tests and the recovery benchmark: of two workers
propagating live numbers to the fake Telnyx (every answer slow, so rows are held under lease),
one is SIGKILLed while it holds rows. How long after the kill does the other take them up and
finish them?"""

import signal
import time
from dataclasses import dataclass

from tests.providers.telnyx.fake_server import FakeTelnyx, FaultRates
from tests.support.committed import CommittedWorld, start_worker, stop, wait_until
from tests.support.faults import seed_live_links

SLOW_S = 0.25  # each provider answer: a step holds its rows at least this long


@dataclass
class Recovery:
    held_at_kill: int  # rows the killed worker held under lease
    seconds_to_resume: float  # kill → the first of those rows claimed by the second worker
    seconds_to_finish_held: float  # kill → every one of those rows propagated
    seconds_to_finish: float  # kill → every number propagated


def slow_fake() -> FakeTelnyx:
    return FakeTelnyx("KEY", faults=FaultRates(slow=1.0), slow_s=SLOW_S, settle_after_s=0.05)


def recovery_env(base_url: str, secret_key: str, lease_s: float | None) -> dict[str, str]:
    env = {
        "NUMLINK_TELNYX_API_KEY": "KEY",
        "NUMLINK_TELNYX_BASE_URL": base_url,
        "NUMLINK_TELNYX_RATE_PER_S": "1000",
        "NUMLINK_SECRET_KEYS": secret_key,
        "NUMLINK_WORKER_CONCURRENCY": "8",
        "NUMLINK_WORKER_BATCH_SIZE": "8",
        "NUMLINK_WORKER_IDLE_SLEEP_S": "0.05",
        "NUMLINK_CONFIRM_POLL_S": "0.1",
        "NUMLINK_CONFIRM_POLL_CAP_S": "0.3",
    }
    if lease_s is not None:  # None: the default lease
        env["NUMLINK_WORKER_LEASE_S"] = str(lease_s)
    return env


_STILL_HELD = """SELECT count(*) FROM phone_numbers p
JOIN unnest(CAST(:ids AS uuid[]), CAST(:owners AS text[])) AS h(id, owner)
  ON p.id = h.id AND p.lease_owner IS NOT DISTINCT FROM h.owner"""
_HELD_DONE = """SELECT count(*) FROM phone_numbers
WHERE id = ANY(CAST(:ids AS uuid[])) AND carrier_line_option_status = 'propagated'"""


async def _propagated(cw: CommittedWorld) -> int:
    return int(
        await cw.scalar(
            "SELECT count(*) FROM phone_numbers WHERE carrier_line_option_status = 'propagated'"
        )
    )


async def kill_and_recover(cw: CommittedWorld, env: dict[str, str], numbers: int) -> Recovery:
    """Two workers; SIGKILL one while it holds rows, time how the other takes them over."""
    await seed_live_links(cw, numbers)
    first, second = start_worker(cw.url, env), start_worker(cw.url, env)
    # lease tokens start with the holder's host:pid (app.jobs.base.new_token)
    first_holds = "SELECT id, lease_owner FROM phone_numbers WHERE lease_owner LIKE :mine"
    mine = f"%:{first.pid}:%"
    try:

        async def holding() -> bool:
            return (
                bool(await cw.rows(first_holds, mine=mine))
                and await _propagated(cw) >= numbers // 10
            )

        await wait_until(holding, timeout_s=60, interval_s=0.02)
        assert stop(first, signal.SIGKILL) == -signal.SIGKILL
        killed_at = time.monotonic()
        held = [(row[0], row[1]) for row in await cw.rows(first_holds, mine=mine)]
        assert held and await _propagated(cw) < numbers, "killed too late to matter"
        resumed_at: float | None = None
        held_done_at: float | None = None
        ids, owners = [i for i, _ in held], [o for _, o in held]

        async def all_done() -> bool:
            nonlocal resumed_at, held_done_at
            if resumed_at is None and await cw.scalar(_STILL_HELD, ids=ids, owners=owners) < len(
                held
            ):
                resumed_at = time.monotonic()
            if held_done_at is None and await cw.scalar(_HELD_DONE, ids=ids) == len(held):
                held_done_at = time.monotonic()
            return await _propagated(cw) == numbers

        await wait_until(all_done, timeout_s=90, interval_s=0.05)
        finished_at = time.monotonic()
        # the last of them may have finished between the two counts of the last look
        held_done_at = held_done_at or finished_at
        assert stop(second, signal.SIGTERM) == 0
    finally:
        stop(first)
        stop(second)
    assert resumed_at is not None and held_done_at is not None
    return Recovery(
        len(held), resumed_at - killed_at, held_done_at - killed_at, finished_at - killed_at
    )
