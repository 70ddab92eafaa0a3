"""Adaptive provider rate benchmark: two worker processes propagate live numbers to the fake
Telnyx enforcing a real limit (15 requests/s) under 30 % faults, with the account configured
at 1.33 x the limit (20/s) and right (15/s), the rate's adaptation off (before) and on (after)
side by side, interleaved, median of N runs.

    .venv/bin/python bench/adaptive_rate.py --runs 3 --window 30

Reports per case the requests refused by the limit (429) as a share of all requests, and the
requests the limit admitted per second as a share of the limit. Loopback only; stops by itself.
"""

import argparse
import asyncio
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.setup import create_database, drop_database
from tests.support.adaptive_rate import RateRun, measure_rate

REAL_LIMIT = 15.0
CASES = [(20.0, False), (20.0, True), (15.0, False), (15.0, True)]


async def run_once(configured: float, adaptive: bool, window_s: float) -> RateRun:
    url = create_database(os.environ.get("DATABASE_URL"))
    try:
        return await measure_rate(lambda: url, REAL_LIMIT, configured, adaptive, window_s)
    finally:
        drop_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--window", type=float, default=30.0, help="seconds measured per run")
    args = parser.parse_args()
    results: dict[tuple[float, bool], list[RateRun]] = {case: [] for case in CASES}
    for _ in range(args.runs):  # interleaved, so drift of the machine hits every case alike
        for configured, adaptive in CASES:
            run = asyncio.run(run_once(configured, adaptive, args.window))
            results[(configured, adaptive)].append(run)
            print(
                f"  {configured:.0f}/s adaptive={adaptive}: {run.requests} requests,"
                f" {run.refused_by_limit} refused by the limit, {run.injected_429} injected 429,"
                f" {run.admitted_per_s:.1f}/s admitted",
                flush=True,
            )
    print(f"{'configured':>10} {'adaptive':>9} {'refused by limit':>17} {'use of limit':>13}")
    for (configured, adaptive), runs in results.items():
        refused = statistics.median(r.refused_share for r in runs)
        use = statistics.median(r.use_of_limit for r in runs)
        state = "on" if adaptive else "off"
        print(f"{configured:>8.0f}/s {state:>9} {refused:>17.1%} {use:>13.1%}")


if __name__ == "__main__":
    main()
