"""Crash recovery benchmark: a worker propagating live numbers to the fake Telnyx (every answer
0.25 s, so rows are held under lease) is SIGKILLed while it holds rows and a second worker
starts at once. Reports, median of N runs, how long after the kill the dead worker's rows are
taken up and finished, with the old 30 s lease beside the default (renewed) lease.

    .venv/bin/python bench/crash_recovery.py --runs 3

Loopback only; stops by itself.
"""

import argparse
import asyncio
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.setup import create_database, drop_database
from tests.support.app import TEST_SECRET_KEY, test_settings
from tests.support.committed import committed_world
from tests.support.crash import Recovery, kill_and_recover, recovery_env, slow_fake

NUMBERS = 100


async def run_once(server_url: str | None, lease_s: float | None) -> Recovery:
    url = create_database(server_url)
    try:
        with slow_fake() as fake:
            async with committed_world(lambda: url, test_settings(), pool_size=5) as cw:
                env = recovery_env(fake.base_url, TEST_SECRET_KEY, lease_s)
                return await kill_and_recover(cw, env, NUMBERS)
    finally:
        drop_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL")
    cases = {"lease 30 s (before)": 30.0, "lease default (after)": None}
    results: dict[str, list[Recovery]] = {name: [] for name in cases}
    for _ in range(args.runs):  # interleaved, so drift of the machine hits both alike
        for name, lease_s in cases.items():
            results[name].append(asyncio.run(run_once(server, lease_s)))
    print(f"{'':24}{'held':>6}{'resume s':>10}{'held done s':>13}{'all done s':>12}")
    for name, runs in results.items():
        held = statistics.median(r.held_at_kill for r in runs)
        resume = statistics.median(r.seconds_to_resume for r in runs)
        held_done = statistics.median(r.seconds_to_finish_held for r in runs)
        done = statistics.median(r.seconds_to_finish for r in runs)
        print(f"{name:24}{held:>6.0f}{resume:>10.1f}{held_done:>13.1f}{done:>12.1f}")


if __name__ == "__main__":
    main()
