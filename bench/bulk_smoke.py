"""The bulk benchmark's sections at small sizes: each must measure what it claims to (every
link recorded, every number propagated as the fake provider holds it, the right last page).
Timings are the benchmark's business, not checked here.

    .venv/bin/python bench/bulk_smoke.py                  # every section
    .venv/bin/python bench/bulk_smoke.py --only record,list

Prints one line per check ("ok" or "FAIL", with what was seen) and a summary line; exits 1
if any check fails. Uses new databases on the PostgreSQL of DATABASE_URL, or on an embedded
server; drops them afterwards. The test suite runs it as a process, one section at a time.
"""

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.db.embedded import start_embedded
from app.kit.phone import parse_e164
from bench.bulk_api import run_list, run_record
from bench.bulk_propagate import run_guide_loop, run_memory, run_propagation
from bench.bulk_world import number_at


class Checks:
    def __init__(self) -> None:
        self.count = 0
        self.failed: list[str] = []

    def that(self, claim: str, holds: bool, seen: object) -> None:
        self.count += 1
        if not holds:
            self.failed.append(claim)
        print(f"{'ok  ' if holds else 'FAIL'} {claim} (seen: {seen!r})", flush=True)


def numbers(server: str, check: Checks) -> None:
    picks = [0, 9_999, 10_000, 899_999, 900_000, 4_499_999]
    seeded = [number_at(i) for i in picks]
    check.that("numbers: distinct", len(set(seeded)) == len(picks), seeded)
    valid = [parse_e164(n).is_us_long_code for n in seeded]
    check.that("numbers: valid US long codes", all(valid), valid)


def record(server: str, check: Checks) -> None:
    result = run_record(server, items=2000, runs=2, org_numbers=3000, endpoint=True)
    times = (len(result.http_s), len(result.detach_s))
    check.that("record: an attach and a detach time per run", times == (2, 2), times)
    answer = {"total": 2000, "succeeded": 0, "failed": 0, "pending": 2000}
    check.that(
        "record: every item answered pending", result.answers == [answer] * 2, result.answers
    )
    check.that(
        "record: every link pending after each attach",
        result.linked_rows == [2000, 2000],
        result.linked_rows,
    )
    check.that("record: none after each detach", result.after_detach == [0, 0], result.after_detach)
    check.that("record: every item row kept", result.item_rows == 4000, result.item_rows)
    check.that("record: an event per link", result.events == [2000, 2000], result.events)
    check.that("record: a delivery per event", result.deliveries == [2000, 2000], result.deliveries)
    floors = len(result.floor_statement_s)
    check.that("record: a floor time per run", floors == 2, floors)


def propagation(server: str, check: Checks) -> None:
    result = run_propagation(
        server, numbers=200, limit=2000, workers=2, settle_s=0.05, confirm_poll_s=0.1
    )
    check.that("propagation: every number", result.propagated == 200, result.propagated)
    check.that("propagation: as the provider holds it", result.mismatched == [], result.mismatched)
    check.that("propagation: no rate limit violation", result.violations == 0, result.violations)
    # a link and a status read per number
    check.that("propagation: >= 2 requests per number", result.requests >= 400, result.requests)
    rates = (result.requests_per_s, result.links_per_s)
    check.that("propagation: rates measured", rates[0] > 0 and rates[1] > 0, rates)


def memory(server: str, check: Checks) -> None:
    result = run_memory(server, pending=20_000, seconds=4, idle_s=1.5)
    peaks = (result.idle_hwm_mb, result.peak_hwm_mb)
    check.that("memory: idle and peak sampled", peaks[0] > 0 and peaks[1] > 0, peaks)
    rss = (result.rss_mb, result.peak_hwm_mb)
    check.that(
        "memory: RSS sampled, never above the peak",
        bool(result.rss_mb) and max(result.rss_mb) <= result.peak_hwm_mb,
        rss,
    )
    check.that("memory: links submitted meanwhile", result.submitted > 0, result.submitted)


def loop(server: str, check: Checks) -> None:
    result = run_guide_loop(numbers=20, limit=100, settle_s=0.05, sleep_s=0.01)
    check.that("loop: every number answered OK", result.succeeded == 20, result.succeeded)
    check.that("loop: every number assigned", result.assigned == 20, result.assigned)
    check.that("loop: no rate limit violation", result.violations == 0, result.violations)


def listing(server: str, check: Checks) -> None:
    result = run_list(server, numbers=20_000, requests=2)
    check.that("list: total", result.total == 20_000, result.total)
    sizes = (len(result.first_page), len(result.last_page))
    check.that("list: full first and last pages", sizes == (100, 100), sizes)
    check.that(
        "list: the right first page",
        result.first_page == result.expected_first,
        result.first_page[:3],
    )
    check.that(
        "list: the right last page", result.last_page == result.expected_last, result.last_page[-3:]
    )
    check.that(
        "list: no cursor after the last page",
        result.last_next_cursor is None,
        result.last_next_cursor,
    )
    shared = set(result.first_page) & set(result.last_page)
    check.that("list: first and last pages apart", not shared, sorted(shared))
    timed = (len(result.first_ms), len(result.last_ms))
    check.that("list: each page timed per request", timed == (2, 2), timed)


SECTIONS: dict[str, Callable[[str, Checks], None]] = {
    "numbers": numbers,
    "record": record,
    "propagation": propagation,
    "memory": memory,
    "loop": loop,
    "list": listing,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", default=",".join(SECTIONS), help="e.g. record,list")
    args = parser.parse_args(argv)
    chosen = args.only.split(",")
    unknown = [name for name in chosen if name not in SECTIONS]
    if unknown:
        parser.error(f"unknown sections {unknown}; known: {', '.join(SECTIONS)}")
    server = os.environ.get("DATABASE_URL") or start_embedded(
        Path(tempfile.mkdtemp(prefix="numlink-bench-")), cleanup="delete"
    )
    check = Checks()
    for name in chosen:
        SECTIONS[name](server, check)
    print(f"{check.count} checks, {len(check.failed)} failed", flush=True)
    return 1 if check.failed else 0


if __name__ == "__main__":
    sys.exit(main())
