"""Attach throughput and latency: N concurrent clients against `numlink api` on loopback,
and the same SQL straight at PostgreSQL (the floor).

    .venv/bin/python bench/attach.py --clients 64 --duration 10 --runs 3 --api-workers 2

Uses the PostgreSQL in DATABASE_URL (a new database on that server) or an embedded one.
Only loopback traffic; stops by itself.
"""

import argparse
import os
import statistics
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.floor import run_floor
from bench.loadgen import LoadResult, run_load
from bench.setup import Seed, create_database, drop_database, seed, start_api


def split(items: list[str], parts: int) -> list[list[str]]:
    return [items[i::parts] for i in range(parts)]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def run_spread(
    fn: Callable[[list[list[str]]], LoadResult], procs: int, per_client: list[list[str]]
) -> LoadResult:
    """Runs ``fn`` in ``procs`` processes, each driving its share of the clients."""
    merged = LoadResult()
    with ProcessPoolExecutor(procs) as pool:
        for part in pool.map(fn, [per_client[i::procs] for i in range(procs)]):
            merged.latencies_ms += part.latencies_ms
            merged.errors += part.errors
            for status, count in part.statuses.items():
                merged.statuses[status] = merged.statuses.get(status, 0) + count
    return merged


def summary(name: str, result: LoadResult, duration: float) -> dict[str, float]:
    lat = result.latencies_ms
    row = {
        "rps": len(lat) / duration,
        "p50": percentile(lat, 0.50),
        "p90": percentile(lat, 0.90),
        "p99": percentile(lat, 0.99),
        "max": max(lat, default=0.0),
    }
    print(
        f"  {name:<6} {row['rps']:8.0f} req/s  p50 {row['p50']:6.1f} ms  p90 {row['p90']:6.1f} ms"
        f"  p99 {row['p99']:6.1f} ms  max {row['max']:7.1f} ms  statuses {result.statuses}"
        f"  connection errors {result.errors}",
        flush=True,
    )
    return row


def medians(rows: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in rows) for k in rows[0]}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--api-workers", type=int, default=2)
    parser.add_argument("--load-procs", type=int, default=1, help="load generator processes")
    parser.add_argument("--numbers", type=int, default=5000)
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--access-log", action="store_true", help="keep per-request logging on")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--skip-floor", action="store_true")
    args = parser.parse_args()

    url = create_database(args.database_url)
    try:
        run_benchmark(args, seed(url, args.numbers))
    finally:
        drop_database(url)


def run_benchmark(args: argparse.Namespace, data: Seed) -> None:
    per_client = split(data.numbers, args.clients)
    print(
        f"attach benchmark: {args.clients} clients, {args.duration:.0f} s x {args.runs} runs,"
        f" {args.api_workers} API workers, {args.load_procs} load"
        f" process(es), {os.cpu_count()} CPUs; no propagation worker runs",
        flush=True,
    )
    api = start_api(data.url, args.port, args.api_workers, args.access_log)
    http_rows: list[dict[str, float]] = []
    try:
        load = partial(run_load, "127.0.0.1", args.port, data.key, campaigns=data.campaigns)
        run_spread(partial(load, duration_s=2.0), args.load_procs, per_client)  # warm-up
        for _ in range(args.runs):
            result = run_spread(
                partial(load, duration_s=args.duration), args.load_procs, per_client
            )
            http_rows.append(summary("http", result, args.duration))
    finally:
        api.terminate()
        api.wait(10)
    floor_rows: list[dict[str, float]] = []
    if not args.skip_floor:
        for _ in range(args.runs):
            floor = partial(
                run_floor,
                data.libpq_url,
                data.key_id,
                data.org_id,
                campaigns=data.campaigns,
                duration_s=args.duration,
            )
            result = run_spread(floor, args.load_procs, per_client)
            floor_rows.append(summary("sql", result, args.duration))
    print("median of runs:")
    for name, rows in (("http", http_rows), ("sql", floor_rows)):
        if rows:
            m = medians(rows)
            print(
                f"  {name:<6} {m['rps']:8.0f} req/s  p50 {m['p50']:6.1f} ms  p99 {m['p99']:6.1f} ms"
            )


if __name__ == "__main__":
    main()
