"""Inventory benchmark: sync and audit at the scale of a 100,000-number account.

    .venv/bin/python bench/inventory.py                      # the full run (~3 min on 2 vCPUs)
    .venv/bin/python bench/inventory.py --numbers 2000 --rate 200 --audit-rate 500   # smoke

(a) sync: POST /v1/phone-numbers/sync of an account of --numbers numbers at a fake Telnyx paged
    like Telnyx (250 a page; each page is ``/phone_numbers`` and ``/phone_numbers/messaging``)
    that enforces --rate req/s, one worker process: time against the rate-limit floor
    (requests / rate; goal within 10 %), exact counts, 0 rate-limit violations;
(b) database work of that sync, in-process: every page's upsert and the release, for the
    first import and for a re-sync of known numbers (goal < 10 s each);
(c) audit with repair of a --numbers campaign with --drift of it drifted at the provider
    (removed, moved to another campaign, and unknown numbers added): exactly the drifted
    numbers found, every managed one repaired, the provider holding the campaign afterwards.
The worker's RSS is sampled throughout (a) and (c) (goal < 250 MB).

Uses a new database on the PostgreSQL of DATABASE_URL, or an embedded server; drops it
afterwards. Loopback only; stops by itself.
"""

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from app.db.engine import create_engine, create_sessionmaker
from app.db.models import Mode
from app.db.tenancy import Tenant as AppTenant
from app.inventory.repository import InventoryRepository, page_arrays
from bench.bulk_world import (
    api_process,
    connect,
    fake_telnyx,
    fresh_database,
    memory_kb,
    number_at,
    scalar,
    seed_numbers,
    seed_tenant,
    worker_env,
    worker_processes,
)
from providers.base import NumberInfo
from tests.support.faults import fake_state

PAGE = 250
POLL_S = 0.25
QUIET = {"NUMLINK_INVENTORY_SYNC_INTERVAL_S": "0", "NUMLINK_AUDIT_INTERVAL_S": "0"}


@dataclass
class Memory:
    rss_mb: list[float] = field(default_factory=list)

    def sample(self, pid: int) -> None:
        self.rss_mb.append(memory_kb(pid)["VmRSS"] / 1024)

    @property
    def peak_mb(self) -> float:
        return max(self.rss_mb, default=0.0)


def cpu_s(pid: int) -> float:
    """User and system CPU time of a process so far (load-independent, unlike wall time)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def numbers_file(lines: list[str]) -> str:
    handle, path = tempfile.mkstemp(prefix="numlink-inventory-", suffix=".txt")
    with os.fdopen(handle, "w") as out:
        out.write("\n".join(lines) + "\n")
    return path


def wait_task(url: str, task_id: str, pid: int, memory: Memory, timeout_s: float) -> float:
    """Seconds until the task is done (its phase), sampling the worker's memory."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        memory.sample(pid)
        phase = scalar(url, "SELECT phase FROM bulk_tasks WHERE id = %s", (task_id,))  # type: ignore[arg-type]
        if phase == "done":
            return time.monotonic() - started
        time.sleep(POLL_S)
    raise RuntimeError(f"task {task_id} not done within {timeout_s:.0f} s")


def run_sync(server: str | None, count: int, rate: float) -> dict[str, Any]:
    path = numbers_file([number_at(i) for i in range(count)])
    memory = Memory()
    try:
        with fresh_database(server) as url, fake_telnyx(rate, 0.0, numbers_file=path) as fake:
            tenant = seed_tenant(url, "live", "telnyx")
            env = {**worker_env(fake, rate, 1.0), **QUIET}
            with worker_processes(url, env, 1) as (pid,), api_process(url, env) as base:
                cpu_before = cpu_s(pid)
                response = httpx.post(
                    f"{base}/v1/phone-numbers/sync",
                    json={"provider": "telnyx"},
                    headers=tenant.headers,
                    timeout=60,
                )
                if response.status_code != 202:
                    raise RuntimeError(f"sync: {response.status_code} {response.text}")
                task = response.json()["data"]
                seconds = wait_task(url, task["id"], pid, memory, 60 + 4 * count / PAGE / rate)
                worker_cpu = cpu_s(pid) - cpu_before
                stats = scalar(url, "SELECT stats FROM bulk_tasks WHERE id = %s", (task["id"],))  # type: ignore[arg-type]
                rows = scalar(url, "SELECT count(*) FROM phone_numbers")
            state = fake_state(fake)
    finally:
        os.unlink(path)
    requests = state["stats"]["requests"]
    sent = int(
        requests.get("GET phone_numbers", 0) + requests.get("GET phone_numbers_messaging", 0)
    )
    pages = -(-count // PAGE)
    floor_s = 2 * pages / rate
    return {
        "numbers": count, "rate": rate, "seconds": seconds, "requests": sent,
        "floor_s": floor_s, "ratio": seconds / floor_s, "stats": stats, "rows": rows,
        "violations": int(state["rate_limit_violations"]), "worker_peak_mb": memory.peak_mb,
        "worker_cpu_s": worker_cpu, "load": os.getloadavg()[0],
    }  # fmt: skip


async def _db_passes(url: str, count: int) -> dict[str, float]:
    """Each pass: every page's statement (and commit), then the release; timed apart from
    making the page's arrays (parsing the numbers), which is the worker's own CPU."""
    tenant = seed_tenant(url, "live", "telnyx")
    engine = create_engine(url, pool_size=2)
    sessions = create_sessionmaker(engine)
    who = AppTenant(tenant.org_id, Mode.LIVE)
    infos = [NumberInfo(number_at(i), True, True, True, "MP-BENCH") for i in range(count)]
    timings: dict[str, float] = {}
    try:
        for name in ("import", "resync"):
            async with sessions.begin() as session:
                task = await InventoryRepository(session, who).start_sync("telnyx", False)
            database = preparing = 0.0
            for start in range(0, count, PAGE):
                began = time.monotonic()
                arrays = page_arrays(infos[start : start + PAGE])
                prepared = time.monotonic()
                async with sessions.begin() as session:
                    repo = InventoryRepository(session, who)
                    await repo.upsert_arrays("telnyx", task.id, arrays)
                database += time.monotonic() - prepared
                preparing += prepared - began
            began = time.monotonic()
            async with sessions.begin() as session:
                await InventoryRepository(session, who).release_unseen(
                    task.id, "telnyx", task.created_at
                )
            timings[name] = database + time.monotonic() - began
            timings[f"{name}_arrays"] = preparing
            with connect(url) as conn:
                conn.execute("UPDATE bulk_tasks SET phase = 'done' WHERE id = %s", (task.id,))
    finally:
        await engine.dispose()
    return timings


def run_db_work(server: str | None, count: int) -> dict[str, float]:
    with fresh_database(server) as url:
        return asyncio.run(_db_passes(url, count))


def run_audit(server: str | None, count: int, drift: float, rate: float) -> dict[str, Any]:
    """Numlink holds ``count`` numbers propagated on the campaign; the provider too, but for
    the drift: a half removed, a quarter moved to another campaign, and as many unknown
    numbers as a quarter added to the campaign."""
    drifted = max(4, int(count * drift))
    removed, moved, unknown = drifted // 2, drifted // 4, drifted - drifted // 2 - drifted // 4
    memory = Memory()
    with fresh_database(server) as url:
        tenant = seed_tenant(url, "live", "telnyx")
        ref = tenant.campaign_ref
        lines = [
            number_at(i) if i < removed
            else f"{number_at(i)},C-ELSEWHERE" if i < removed + moved
            else f"{number_at(i)},{ref}"
            for i in range(count)
        ]  # fmt: skip
        lines += [f"{number_at(count + i)},{ref}" for i in range(unknown)]
        path = numbers_file(lines)
        seed_numbers(tenant, 0, count)
        with connect(url) as conn:
            conn.execute(
                "UPDATE phone_numbers SET campaign_id = %s, desired_version = 1,"
                " carrier_line_option_status = 'propagated', linked_campaign_ref = %s,"
                " carrier_line_option_propagated_at = now()",
                (tenant.campaign_id, ref),
            )
        try:
            with fake_telnyx(rate, 0.0, numbers_file=path) as fake:
                # the gateway at 0.97 x the limit, as docs/providers.md advises
                env = {**worker_env(fake, rate * 0.97, 0.2), **QUIET}
                with worker_processes(url, env, 1) as (pid,), api_process(url, env) as base:
                    body = {"campaign_id": str(tenant.campaign_id), "repair": True}
                    response = httpx.post(
                        f"{base}/v1/audits", json=body, headers=tenant.headers, timeout=60
                    )
                    if response.status_code != 202:
                        raise RuntimeError(f"audit: {response.status_code} {response.text}")
                    audit_id = response.json()["data"]["id"]
                    listing_s = wait_task(url, audit_id, pid, memory, 120 + 4 * count / PAGE / rate)
                    report = httpx.get(
                        f"{base}/v1/audits/{audit_id}", headers=tenant.headers, timeout=60
                    ).json()["data"]
                    started = time.monotonic()
                    while scalar(url, "SELECT count(*) FROM phone_numbers"
                                      " WHERE next_attempt_at IS NOT NULL") > 0:  # fmt: skip
                        memory.sample(pid)
                        if time.monotonic() - started > 120 + 10 * drifted / rate:
                            raise RuntimeError("repairs did not settle")
                        time.sleep(POLL_S)
                    repair_s = time.monotonic() - started
                state = fake_state(fake)
        finally:
            os.unlink(path)
        held = state["assignments"]
        on_campaign = sum(
            1 for i in range(count)
            if held.get(number_at(i), {}).get("campaignId") == ref
            and held[number_at(i)]["assignmentStatus"] == "ASSIGNED"
        )  # fmt: skip
        propagated = scalar(
            url, "SELECT count(*) FROM phone_numbers WHERE carrier_line_option_status ="
            " 'propagated' AND campaign_id IS NOT NULL"
        )  # fmt: skip
    return {
        "numbers": count, "drifted": drifted, "expected": {
            "missing_at_provider": removed + moved, "unknown_to_numlink": unknown,
        },
        "counts": report["counts"], "listing_s": listing_s, "repair_s": repair_s,
        "provider_holds": on_campaign, "propagated": propagated, "rate": rate,
        "violations": int(state["rate_limit_violations"]), "worker_peak_mb": memory.peak_mb,
    }  # fmt: skip


def checks(sync: dict[str, Any], db: dict[str, float], audit: dict[str, Any]) -> list[str]:
    count = sync["numbers"]
    expected_sync = {"seen": count, "added": count, "updated": 0, "released": 0}
    counts = audit["counts"]
    found = {k: counts[k] for k in audit["expected"]}
    managed = audit["expected"]["missing_at_provider"]
    results = [
        ("sync: exact counts", sync["stats"] == expected_sync and sync["rows"] == count),
        ("sync: within 10 % of the rate-limit floor", sync["ratio"] <= 1.10),
        ("sync: no rate-limit violation", sync["violations"] == 0),
        ("db: import under 10 s", db["import"] < 10),
        ("db: re-sync under 10 s", db["resync"] < 10),
        ("audit: exactly the drifted numbers", found == audit["expected"]
         and counts["total"] == audit["drifted"]),
        ("audit: every managed drift repaired", counts["repaired"] == managed),
        ("audit: the provider holds the campaign again", audit["provider_holds"] == count
         and audit["propagated"] == count),
        ("worker RSS under 250 MB", max(sync["worker_peak_mb"], audit["worker_peak_mb"]) < 250),
    ]  # fmt: skip
    return [f"{'ok  ' if passed else 'FAIL'} {name}" for name, passed in results]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--numbers", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=20.0, help="sync: provider req/s")
    parser.add_argument("--audit-rate", type=float, default=100.0, help="audit: req/s")
    parser.add_argument("--drift", type=float, default=0.01)
    parser.add_argument("--only-sync", action="store_true", help="section (a) alone")
    args = parser.parse_args(argv)
    server = os.environ.get("DATABASE_URL")
    return report(server, args)


def report(server: str | None, args: argparse.Namespace) -> int:
    sync = run_sync(server, args.numbers, args.rate)
    print(
        f"(a) sync of {sync['numbers']:,} numbers at {sync['rate']:g} req/s: {sync['seconds']:.1f}"
        f" s for {sync['requests']} requests; floor {sync['floor_s']:.1f} s (x{sync['ratio']:.3f});"
        f" counts {sync['stats']}; violations {sync['violations']}; worker peak RSS"
        f" {sync['worker_peak_mb']:.0f} MB; worker CPU {sync['worker_cpu_s']:.1f} s; load average"
        f" {sync['load']:.1f} on 2 cores",
        flush=True,
    )
    if args.only_sync:
        return 0 if sync["ratio"] <= 1.10 else 1
    db = run_db_work(server, args.numbers)
    print(
        f"(b) database work of a {args.numbers:,}-number sync: import {db['import']:.2f} s,"
        f" re-sync {db['resync']:.2f} s (making the pages' arrays besides:"
        f" {db['import_arrays']:.2f} s, {db['resync_arrays']:.2f} s)",
        flush=True,
    )
    audit = run_audit(server, args.numbers, args.drift, args.audit_rate)
    print(
        f"(c) audit of {audit['numbers']:,} numbers, {audit['drifted']} drifted, at"
        f" {audit['rate']:g} req/s: listed and compared in {audit['listing_s']:.1f} s, findings"
        f" {audit['counts']}; repairs settled in {audit['repair_s']:.1f} s; provider holds"
        f" {audit['provider_holds']:,}; worker peak RSS {audit['worker_peak_mb']:.0f} MB",
        flush=True,
    )
    lines = checks(sync, db, audit)
    print("\n".join(lines))
    failed = sum(1 for line in lines if line.startswith("FAIL"))
    print(json.dumps({"sync": sync, "db": db, "audit": audit}, default=str))
    print(f"{len(lines)} checks, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
