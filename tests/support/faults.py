"""The fault scenario shared by the fault test and the longer fault benchmark: live-mode
numbers propagated to the fault-injecting fake Telnyx by worker processes, some SIGKILLed."""

import json
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import text

from tests.support.committed import CommittedWorld, start_worker, stop, wait_until

CAMPAIGN_REF = "C-FAULTS"
FAULT_ARGS = [
    "--error-rate",
    "0.10",
    "--throttle-rate",
    "0.04",
    "--timeout-rate",
    "0.05",
    "--reset-rate",
    "0.05",
    "--slow-rate",
    "0.03",
    "--html-rate",
    "0.03",
    "--settle-s",
    "0.1",
    "--hang-s",
    "1.5",
    "--slow-s",
    "0.2",
    "--retry-after-s",
    "0.2",
]  # fmt: skip  (30% of requests fail in some way)


@dataclass
class FaultRun:
    numbers: int
    kills: int
    propagated: int
    mismatched: list[str]
    rate_limit_violations: int
    requests: int
    faults: dict[str, int]
    seconds: float


def start_fake(rate_per_s: float, seed: int) -> tuple[subprocess.Popen[bytes], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.providers.telnyx.fake_server", "--port", "0",
         "--key", "KEY", "--rate", str(rate_per_s), "--burst", str(max(10.0, rate_per_s / 10)),
         "--seed", str(seed), *FAULT_ARGS],
        stdout=subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    base_url = process.stdout.readline().decode().strip()
    assert base_url.startswith("http://127.0.0.1:"), base_url
    return process, base_url


def fake_state(base_url: str) -> dict[str, Any]:
    root = base_url.removesuffix("/v2")
    with urllib.request.urlopen(f"{root}/_fake/state", timeout=5) as response:
        state: dict[str, Any] = json.loads(response.read())
    return state


def worker_env(base_url: str, rate_per_s: float, secret_key: str) -> dict[str, str]:
    return {
        "NUMLINK_TELNYX_API_KEY": "KEY",
        "NUMLINK_TELNYX_BASE_URL": base_url,
        # below the provider's limit: requests can bunch up on the way
        "NUMLINK_TELNYX_RATE_PER_S": str(rate_per_s * 0.9),
        "NUMLINK_PROVIDER_BURST": "3",
        "NUMLINK_PROVIDER_TIMEOUT_S": "0.5",
        "NUMLINK_SECRET_KEYS": secret_key,
        "NUMLINK_WORKER_LEASE_S": "3",
        "NUMLINK_WORKER_CONCURRENCY": "32",
        "NUMLINK_WORKER_BATCH_SIZE": "64",
        "NUMLINK_WORKER_IDLE_SLEEP_S": "0.05",
        "NUMLINK_RETRY_BASE_S": "0.05",
        "NUMLINK_RETRY_CAP_S": "1.0",
        "NUMLINK_CONFIRM_POLL_S": "0.15",
        "NUMLINK_CONFIRM_POLL_CAP_S": "0.5",
        "NUMLINK_MAX_ATTEMPTS": "60",
    }


async def seed_live_links(cw: CommittedWorld, count: int) -> None:
    """A live Telnyx brand and campaign and ``count`` numbers waiting to be linked to it."""
    org = cw.world.org_id
    async with cw.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO brands (id, org_id, mode, provider, provider_brand_id,"
                " identity_status, status) VALUES (gen_random_uuid(), :org, 'live', 'telnyx',"
                " 'B-FAULTS', 'VERIFIED', 'ACTIVE')"
            ),
            {"org": org},
        )
        await conn.execute(
            text(
                "INSERT INTO campaigns (id, org_id, mode, brand_id, provider,"
                " provider_campaign_id, status) SELECT gen_random_uuid(), :org, 'live', b.id,"
                " 'telnyx', :ref, 'ACTIVE' FROM brands b WHERE b.org_id = :org"
            ),
            {"org": org, "ref": CAMPAIGN_REF},
        )
        await conn.execute(
            text(
                "INSERT INTO phone_numbers (id, org_id, mode, number, region_code, number_type,"
                " provider, assigned, sms_enabled, mms_enabled, campaign_id, desired_version,"
                " carrier_line_option_status, sync_phase, next_attempt_at)"
                " SELECT gen_random_uuid(), :org, 'live', '+1201' || (2000000 + g)::text, 'US',"
                " 'local', 'telnyx', true, true, true, c.id, 1, 'pending', 'submit', now()"
                " FROM campaigns c, generate_series(1, :count) AS g WHERE c.org_id = :org"
            ),
            {"org": org, "count": count},
        )


async def run_fault_scenario(
    cw: CommittedWorld,
    base_url: str,
    env: dict[str, str],
    numbers: int,
    kills: int,
    timeout_s: float,
    log: IO[bytes] | None = None,
) -> FaultRun:
    """Two workers; ``kills`` times, SIGKILL one midway and start a new one in its place."""
    started = time.monotonic()
    await seed_live_links(cw, numbers)
    workers = [start_worker(cw.url, env, log), start_worker(cw.url, env, log)]

    async def propagated() -> int:
        return int(
            await cw.scalar(
                "SELECT count(*) FROM phone_numbers WHERE carrier_line_option_status='propagated'"
            )
        )

    try:
        for kill in range(kills):
            target = numbers * (kill + 1) // (kills + 1)

            async def reached(goal: int = target) -> bool:
                return await propagated() >= goal

            await wait_until(reached, timeout_s=timeout_s, interval_s=0.05)
            assert stop(workers[0], signal.SIGKILL) == -signal.SIGKILL
            workers = (
                [workers[1]] if kill == kills - 1 else [workers[1], start_worker(cw.url, env, log)]
            )

        async def settled() -> bool:
            return not await cw.scalar(
                "SELECT count(*) FROM phone_numbers WHERE next_attempt_at IS NOT NULL"
            )

        await wait_until(settled, timeout_s=timeout_s, interval_s=0.1)
    finally:
        for worker in workers:
            stop(worker, signal.SIGTERM)
    state = fake_state(base_url)
    held = state["assignments"]
    rows = await cw.rows(
        "SELECT number, carrier_line_option_status, linked_campaign_ref FROM phone_numbers"
    )
    mismatched = []
    for number, status, linked in rows:
        at_provider = held.get(number)
        provider_linked = at_provider is not None and at_provider["assignmentStatus"] == "ASSIGNED"
        row_linked = status == "propagated"
        if row_linked != provider_linked or (row_linked and at_provider["campaignId"] != linked):
            mismatched.append(number)
    stats = state["stats"]
    return FaultRun(
        numbers=numbers,
        kills=kills,
        propagated=await propagated(),
        mismatched=mismatched,
        rate_limit_violations=int(state["rate_limit_violations"]),
        requests=sum(stats["requests"].values()),
        faults=dict(stats["faults"]),
        seconds=time.monotonic() - started,
    )
