"""The floor: the attach transaction's SQL straight at PostgreSQL, no HTTP, no framework."""

import time
import uuid
from functools import partial

import psycopg

from app.links.statements import ATTACH
from bench.loadgen import LoadResult, drive, run_loop

KEY_LOOKUP = "SELECT org_id, mode, scopes, secret_hash, revoked_at FROM api_keys WHERE id = %s"


async def _connection(
    url: str,
    key_id: uuid.UUID,
    org_id: uuid.UUID,
    campaigns: tuple[str, str],
    numbers: list[str],
    stop_at: float,
    result: LoadResult,
) -> None:
    statement = ATTACH.lean  # the seeded org has no endpoints: what the API runs
    async with await psycopg.AsyncConnection.connect(url, prepare_threshold=0) as conn:
        turn = 0
        while time.perf_counter() < stop_at:
            number = numbers[turn % len(numbers)]
            campaign = campaigns[(turn // len(numbers)) % 2]
            turn += 1
            started = time.perf_counter()
            async with conn.transaction():
                await conn.execute(KEY_LOOKUP, (key_id,))
                cursor = await conn.execute(
                    statement,
                    {
                        "campaign_id": campaign,
                        "number_id": number,
                        "org_id": org_id,
                        "mode": "test",
                    },
                )
                outcome = await cursor.fetchone()
            result.latencies_ms.append((time.perf_counter() - started) * 1000)
            code = 200 if outcome and outcome[0] in ("CHANGED", "UNCHANGED") else 409
            result.statuses[code] = result.statuses.get(code, 0) + 1


def run_floor(
    url: str,
    key_id: uuid.UUID,
    org_id: uuid.UUID,
    per_client: list[list[str]],
    campaigns: tuple[str, str],
    duration_s: float,
) -> LoadResult:
    client = partial(_connection, url, key_id, org_id, campaigns)
    return run_loop(drive(client, per_client, duration_s))
