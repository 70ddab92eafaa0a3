"""Fault benchmark: N live numbers propagated to the fault-injecting fake Telnyx (30% of
requests fail: 5xx, 429, timeouts, resets, slow and HTML answers) under an enforced rate
limit, by two worker processes of which one is SIGKILLed K times and replaced.

    .venv/bin/python bench/faults.py --numbers 10000 --kills 10 --rate 400

Reports mismatches between numlink's rows and the fake provider's state (must be 0), rate
limit violations (must be 0), requests, faults and time. Loopback only; stops by itself.
"""

import argparse
import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import IO

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.setup import create_database, drop_database
from tests.support.app import TEST_SECRET_KEY, test_settings
from tests.support.committed import committed_world, stop
from tests.support.faults import FaultRun, run_fault_scenario, start_fake, worker_env


async def run_once(
    server_url: str | None, numbers: int, kills: int, rate: float, log: IO[bytes] | None
) -> FaultRun:
    url = create_database(server_url)
    fake, base_url = start_fake(rate, seed=11)
    try:
        async with committed_world(lambda: url, test_settings(), pool_size=5) as cw:
            env = worker_env(base_url, rate, TEST_SECRET_KEY)
            return await run_fault_scenario(
                cw, base_url, env, numbers, kills, timeout_s=1800, log=log
            )
    finally:
        stop(fake, signal.SIGTERM)
        drop_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--numbers", type=int, default=10_000)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--rate", type=float, default=400.0)
    parser.add_argument("--log", type=Path, help="where the workers' logs go")
    args = parser.parse_args()
    log = args.log.open("wb") if args.log else None
    run = asyncio.run(
        run_once(os.environ.get("DATABASE_URL"), args.numbers, args.kills, args.rate, log)
    )
    print(f"numbers            {run.numbers}")
    print(f"kills              {run.kills}")
    print(f"propagated         {run.propagated}")
    print(f"mismatched         {len(run.mismatched)}")
    print(f"rate violations    {run.rate_limit_violations}")
    print(f"requests           {run.requests}")
    faults = sum(run.faults.values())
    print(f"faults             {faults} ({faults / max(1, run.requests):.0%}) {run.faults}")
    print(f"seconds            {run.seconds:.1f}")
    print(f"requests/s         {run.requests / run.seconds:.0f} (limit {args.rate:.0f})")
    sys.exit(0 if not run.mismatched and run.rate_limit_violations == 0 else 1)


if __name__ == "__main__":
    main()
