"""Fairness benchmark: org X has 1,000 due webhook deliveries to an endpoint that hangs past
the delivery timeout; meanwhile org Y attaches numbers, with a healthy endpoint. Measures
org Y's latency from each event's creation (its timestamp in the payload, written by the
database) to its arrival at Y's receiver, through a real worker process with default settings.

    .venv/bin/python bench/webhook_fairness.py --runs 3

Loopback only (both receivers on 127.0.0.1); stops by itself.
"""

import argparse
import asyncio
import os
import statistics
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.setup import create_database, drop_database
from tests.support.api import World, data, us_number
from tests.support.app import test_settings
from tests.support.committed import CommittedWorld, committed_world, start_worker, stop
from tests.support.receiver import Receiver, receiver

HANG_S = 60.0  # far past the delivery timeout


@dataclass(frozen=True)
class Run:
    latencies_s: list[float]
    hanging_requests: int

    def pct(self, p: float) -> float:
        ordered = sorted(self.latencies_s)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


class Clock:
    """Arrival times of the healthy receiver's requests, by request index."""

    def __init__(self) -> None:
        self.arrivals: dict[int, float] = {}
        self.lock = threading.Lock()

    def answer(self, n: int) -> tuple[int, float]:
        with self.lock:
            self.arrivals[n] = time.time()
        return 204, 0.0


def event_time(body: bytes) -> float:
    payload = orjson.loads(body)
    stamp = payload.get("created_at") or payload.get("timestamp")  # the event's creation
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


async def backlog(cw: CommittedWorld, url: str, count: int) -> None:
    """Org X's endpoint and ``count`` deliveries to it, all due now."""
    endpoint = data(
        await cw.api.post("/v1/webhook-endpoints", cw.world.test_key, {"url": url}), 201
    )
    async with cw.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO webhook_deliveries (id, org_id, mode, endpoint_id, url, event_type,"
                " payload, next_attempt_at) SELECT gen_random_uuid(), :org, 'test', :endpoint,"
                " :url, 'phone_number.carrier_line_option.updated', '{}'::jsonb,"
                " clock_timestamp() FROM generate_series(1, :count)"
            ),
            {"org": cw.world.org_id, "endpoint": endpoint["id"], "url": url, "count": count},
        )


async def run_once(server_url: str | None, backlog_size: int, attaches: int) -> Run:
    url = create_database(server_url)
    clock = Clock()
    try:
        with receiver(lambda n: (200, HANG_S)) as hanging, receiver(clock.answer) as healthy:
            async with committed_world(lambda: url, test_settings(), pool_size=5) as cw:
                await backlog(cw, hanging.url("/x"), backlog_size)
                y = await World.create(cw.api, cw.sessions)
                body = {"url": healthy.url("/y")}
                data(await cw.api.post("/v1/webhook-endpoints", y.test_key, body), 201)
                campaign = await y.campaign()
                numbers = [await y.number(us_number()) for _ in range(attaches)]
                worker = start_worker(cw.url, {"NUMLINK_SANDBOX_DELAY_S": "0.5"})
                try:
                    if backlog_size:
                        await wait_for_first(hanging)  # X's backlog is being worked on
                    await delivered(cw, y, healthy, 0.0)  # Y's set-up (numbers created)
                    started = time.time()
                    for number in numbers:  # one attach every 0.25 s
                        data(await y.attach(number["id"], campaign["id"]))
                        await asyncio.sleep(0.25)
                    await asyncio.sleep(3.0)  # the last propagations
                    await delivered(cw, y, healthy, started)
                finally:
                    stop(worker)
            if os.environ.get("BENCH_DEBUG"):
                for n, r in enumerate(healthy.requests):
                    p = orjson.loads(r.body)
                    print(
                        round(clock.arrivals[n] - event_time(r.body), 3),
                        round(clock.arrivals[n] - started, 2),
                        p.get("type"),
                    )
            return Run(y_latencies(healthy, clock, started), len(hanging.requests))
    finally:
        drop_database(url)


async def delivered(cw: CommittedWorld, y: World, healthy: Receiver, started: float) -> None:
    """Until every delivery of Y's events since ``started`` has arrived (at most 10 min)."""
    since = datetime.fromtimestamp(started, UTC)
    count = text("SELECT count(*) FROM webhook_deliveries WHERE org_id = :org AND created_at >= :t")
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        async with cw.engine.connect() as conn:
            expected = (await conn.execute(count, {"org": y.org_id, "t": since})).scalar_one()
        arrived = sum(1 for r in list(healthy.requests) if event_time(r.body) >= started)
        if arrived >= expected:
            return
        await asyncio.sleep(0.5)


async def wait_for_first(rx: Receiver) -> None:
    deadline = time.monotonic() + 60
    while not rx.requests and time.monotonic() < deadline:  # noqa: ASYNC110 (a thread fills it)
        await asyncio.sleep(0.05)


def y_latencies(healthy: Receiver, clock: Clock, started: float) -> list[float]:
    latencies = []
    for n, request in enumerate(healthy.requests):
        created = event_time(request.body)
        if created >= started:  # events of the attaches, not of the set-up
            latencies.append(clock.arrivals[n] - created)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backlog", type=int, default=1000)
    parser.add_argument("--attaches", type=int, default=40)
    args = parser.parse_args()
    runs = []
    for i in range(args.runs):
        run = asyncio.run(run_once(os.environ.get("DATABASE_URL"), args.backlog, args.attaches))
        runs.append(run)
        print(
            f"run {i + 1}: org Y events {len(run.latencies_s)}, p50 {run.pct(0.5):.3f} s,"
            f" p99 {run.pct(0.99):.3f} s, max {max(run.latencies_s):.3f} s;"
            f" org X requests to the hanging endpoint {run.hanging_requests}",
            flush=True,
        )
    p50 = statistics.median(r.pct(0.5) for r in runs)
    p99 = statistics.median(r.pct(0.99) for r in runs)
    print(f"median of {len(runs)} runs: p50 {p50:.3f} s, p99 {p99:.3f} s (target p99 < 2 s)")


if __name__ == "__main__":
    main()
