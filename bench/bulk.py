"""Bulk benchmark: numlink at the scale of 100,000-number requests and million-number orgs.

    .venv/bin/python bench/bulk.py                   # the full run (~10 min on 2 vCPUs)
    .venv/bin/python bench/bulk.py --only a,e --record-items 20000

(a) recording: one bulk attach of --record-items numbers over real HTTP (goal < 5 s);
(b) propagation: --propagate-numbers live numbers to a fake Telnyx enforcing --rate req/s,
    by --workers worker processes (goal >= 95% of the limit, 0 rate-limit violations);
(c) memory: one worker's peak RSS with --pending numbers waiting (goal < 250 MB);
(d) the provider guide's loop (POST, sleep 0.5 s) on --loop-numbers numbers vs numlink;
(e) listing: first vs last page of GET /v1/phone-numbers in an org of --list-numbers
    (goal: last page <= 2x the first).

Uses a new database on the PostgreSQL of DATABASE_URL, or an embedded server; drops it
afterwards. Loopback only; stops by itself.
"""

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.db.embedded import start_embedded
from bench.bulk_api import ListResult, RecordResult, run_list, run_record
from bench.bulk_propagate import (
    LoopResult,
    MemoryResult,
    PropagationResult,
    run_guide_loop,
    run_memory,
    run_propagation,
)

TARGET = 100_000  # the request size the extrapolations are for
SECTIONS = "abcde"


def record_section(args: argparse.Namespace) -> dict[str, Any]:
    result: RecordResult = run_record(
        args.server,
        args.record_items,
        args.record_runs,
        args.record_org_numbers,
        endpoint=args.record_endpoint,
    )
    floor = [
        f"{s:.2f}+{c:.2f}"
        for s, c in zip(result.floor_statement_s, result.floor_counts_s, strict=True)
    ]
    print(
        f"(a) {result.items:,} links in an org of {result.org_numbers:,} numbers: attach"
        f" {', '.join(f'{s:.2f}' for s in result.http_s)} s, detach"
        f" {', '.join(f'{s:.2f}' for s in result.detach_s)} s; SQL floor (statement+counts)"
        f" {', '.join(floor)} s; answered {result.answers[-1]}; pending after each attach"
        f" {result.linked_rows}; events written by each attach {result.events}, webhook"
        f" deliveries queued {result.deliveries}",
        flush=True,
    )
    return {
        "events": result.events,
        "deliveries": result.deliveries,
        "record_median_s": result.median_s,
        "detach_median_s": statistics.median(result.detach_s),
        "record_floor_s": result.floor_s,
    }


def propagation_section(args: argparse.Namespace) -> dict[str, Any]:
    numbers: dict[str, Any] = {}
    for fraction in args.rate_fractions:
        result: PropagationResult = run_propagation(
            args.server, args.propagate_numbers, args.rate, fraction, args.workers, args.settle_s
        )
        steady_s, steady_requests = result.steady()
        print(
            f"(b) {result.numbers:,} numbers, limit {result.limit:.0f}/s, workers at"
            f" {result.worker_rate:.1f}/s ({fraction:.2f}x), {result.workers} workers:"
            f" {result.seconds:.1f} s in all -> {result.links_per_s:.1f} links/s; steady"
            f" {steady_s:.1f} s: {steady_requests:.0f} requests ->"
            f" {result.requests_per_s:.1f} req/s ({result.fraction_of_limit:.1%} of limit);"
            f" {result.requests / max(1, result.propagated):.2f} requests/link;"
            f" violations {result.violations}; propagated {result.propagated:,};"
            f" mismatched {len(result.mismatched)}",
            flush=True,
        )
        numbers[f"{fraction:.2f}"] = {
            "fraction_of_limit": result.fraction_of_limit,
            "requests_per_s": result.requests_per_s,
            "links_per_s": result.links_per_s,
            "violations": result.violations,
            "mismatched": len(result.mismatched),
        }
    return {"propagation": numbers}


def memory_section(args: argparse.Namespace) -> dict[str, Any]:
    result: MemoryResult = run_memory(args.server, args.pending, args.pending_seconds)
    print(
        f"(c) {result.pending:,} pending, {result.seconds:.0f} s: worker peak (VmHWM)"
        f" {result.peak_hwm_mb:.0f} MB, idle worker {result.idle_hwm_mb:.0f} MB, RSS at end"
        f" {result.last_rss_mb:.0f} MB, max sampled RSS {max(result.rss_mb):.0f} MB;"
        f" meanwhile {result.submitted:,} links submitted, {result.propagated:,} confirmed",
        flush=True,
    )
    return {"worker_peak_mb": result.peak_hwm_mb, "worker_idle_mb": result.idle_hwm_mb}


def loop_section(args: argparse.Namespace, links_per_s: float | None) -> dict[str, Any]:
    loop: LoopResult = run_guide_loop(args.loop_numbers, args.rate, args.settle_s, args.loop_sleep)
    ours: PropagationResult = run_propagation(
        args.server, args.loop_numbers, args.rate, args.rate_fractions[0], args.workers,
        args.settle_s,
    )  # fmt: skip
    guide_100k_h = loop.per_number_s * TARGET / 3600
    print(
        f"(d) guide loop: {loop.numbers} numbers in {loop.seconds:.1f} s"
        f" ({loop.succeeded} answered OK, {loop.assigned} assigned, {loop.violations}"
        f" violations) -> 100,000 in {guide_100k_h:.1f} h;"
        f" numlink: the same {ours.numbers} propagated and confirmed in {ours.seconds:.1f} s",
        flush=True,
    )
    numbers = {"guide_s": loop.seconds, "guide_100k_h": guide_100k_h, "numlink_s": ours.seconds}
    if links_per_s:
        numbers["numlink_100k_min"] = TARGET / links_per_s / 60
    return numbers


def list_section(args: argparse.Namespace) -> dict[str, Any]:
    result: ListResult = run_list(args.server, args.list_numbers, args.list_requests)
    first, last = statistics.median(result.first_ms), statistics.median(result.last_ms)
    print(
        f"(e) {result.numbers:,} numbers: first page median {first:.1f} ms, last page"
        f" {last:.1f} ms (x{result.ratio:.2f}); count(*) alone in SQL {result.count_ms:.1f} ms;"
        f" last page right: {result.last_page == result.expected_last}",
        flush=True,
    )
    return {"first_ms": first, "last_ms": last, "ratio": result.ratio, "count_ms": result.count_ms}


def table(args: argparse.Namespace, found: dict[str, dict[str, Any]]) -> list[str]:
    rows = [("measure", "result", "goal")]
    if "a" in found:
        a = found["a"]
        rows.append((f"(a) record {args.record_items:,} links (HTTP, median of"
                     f" {args.record_runs})", f"{a['record_median_s']:.2f} s (SQL floor"
                     f" {a['record_floor_s']:.2f} s; detach {a['detach_median_s']:.2f} s);"
                     f" events {min(a['events'])}-{max(a['events'])}, deliveries"
                     f" {min(a['deliveries'])}-{max(a['deliveries'])} per attach",
                     "< 5 s"))  # fmt: skip
    if "b" in found:
        for fraction, b in found["b"]["propagation"].items():
            rows.append((f"(b) propagation, {args.propagate_numbers:,} numbers, limit"
                         f" {args.rate:.0f}/s, worker rate {fraction}x",
                         f"{b['fraction_of_limit']:.1%} of limit ({b['requests_per_s']:.1f}"
                         f" req/s, {b['links_per_s']:.1f} links/s), 429s over the limit:"
                         f" {b['violations']}", ">= 95%, 0"))  # fmt: skip
    if "c" in found:
        c = found["c"]
        rows.append((f"(c) worker peak RSS, {args.pending:,} pending",
                     f"{c['worker_peak_mb']:.0f} MB (idle {c['worker_idle_mb']:.0f} MB)",
                     "< 250 MB"))  # fmt: skip
    if "d" in found:
        d = found["d"]
        ours = (f", 100,000: {d['numlink_100k_min']:.0f} min (from b)"
                if "numlink_100k_min" in d else "")  # fmt: skip
        rows.append((f"(d) guide loop vs numlink, {args.loop_numbers} numbers",
                     f"guide {d['guide_s']:.0f} s, 100,000: {d['guide_100k_h']:.1f} h;"
                     f" numlink {d['numlink_s']:.1f} s{ours}", "-"))  # fmt: skip
    if "e" in found:
        e = found["e"]
        rows.append((f"(e) list, {args.list_numbers:,} numbers, first vs last page",
                     f"{e['first_ms']:.1f} ms vs {e['last_ms']:.1f} ms (x{e['ratio']:.2f};"
                     f" count(*) {e['count_ms']:.0f} ms)", "last <= 2x first"))  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [" | ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return lines


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add = parser.add_argument
    add("--only", default=SECTIONS, help="sections to run, e.g. a,c")
    add("--record-items", type=int, default=100_000)
    add("--record-runs", type=int, default=3)
    add("--record-org-numbers", type=int, default=0, help="org size; default --record-items")
    add("--record-endpoint", action="store_true", help="(a) with a webhook endpoint subscribed")
    add("--propagate-numbers", type=int, default=5000)
    add("--rate", type=float, default=100.0, help="the fake provider's limit, requests/s")
    fractions = "NUMLINK_TELNYX_RATE_PER_S as fractions of --rate, one (b) run each: 1,0.9"
    add("--rate-fractions", default="0.97", help=fractions)
    add("--workers", type=int, default=2)
    add("--settle-s", type=float, default=0.5, help="the fake's time until ASSIGNED")
    add("--pending", type=int, default=1_000_000)
    add("--pending-seconds", type=float, default=45.0)
    add("--loop-numbers", type=int, default=200)
    add("--loop-sleep", type=float, default=0.5, help="the guide's sleep between numbers")
    add("--list-numbers", type=int, default=1_000_000)
    add("--list-requests", type=int, default=20)
    args = parser.parse_args(argv)
    args.only = [s for s in SECTIONS if s in args.only]
    args.rate_fractions = [float(f) for f in args.rate_fractions.split(",")]
    return args


def main(argv: list[str] | None = None) -> dict[str, dict[str, Any]]:
    args = arguments(argv)
    args.server = os.environ.get("DATABASE_URL") or start_embedded(
        Path(tempfile.mkdtemp(prefix="numlink-bench-")), cleanup="delete"
    )
    print(f"bulk benchmark: sections {','.join(args.only)}; {os.cpu_count()} CPUs", flush=True)
    found: dict[str, dict[str, Any]] = {}
    for section in args.only:
        if section == "a":
            found["a"] = record_section(args)
        elif section == "b":
            found["b"] = propagation_section(args)
        elif section == "c":
            found["c"] = memory_section(args)
        elif section == "d":
            runs: dict[str, dict[str, float]] = found.get("b", {}).get("propagation", {})
            first = next(iter(runs.values()), None)
            found["d"] = loop_section(args, first["links_per_s"] if first else None)
        else:
            found["e"] = list_section(args)
    print("\n".join(table(args, found)))
    return found


if __name__ == "__main__":
    main()
