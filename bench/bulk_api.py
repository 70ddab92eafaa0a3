"""Sections (a) and (e) of the bulk benchmark: the API at scale, over real HTTP to a
``numlink api`` process (one uvicorn worker) on loopback.

(a) one ``POST /v1/campaigns/{id}/phone-numbers`` recording N links, and the same statement
    and count query straight at PostgreSQL (the floor: what is left without HTTP and app);
(e) ``GET /v1/phone-numbers?limit=100``: the first page against the last one.
"""

import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from app.bulk.repository import COUNTS as COUNTS_SQL
from app.bulk.service import item_arrays
from app.kit.cursor import encode_cursor
from app.kit.sql import psycopg_params
from app.links.statements import BULK
from bench.bulk_world import (
    Tenant,
    api_process,
    connect,
    fresh_database,
    number_at,
    scalar,
    seed_numbers,
    seed_tenant,
    start_bulk_attach,
)

PAGE = 100
COUNTS = psycopg_params(COUNTS_SQL)


@dataclass
class RecordResult:
    items: int
    org_numbers: int  # numbers the org holds (the request's first)
    http_s: list[float] = field(default_factory=list)  # the attach POSTs
    detach_s: list[float] = field(default_factory=list)  # the DELETEs undoing them
    floor_statement_s: list[float] = field(default_factory=list)
    floor_counts_s: list[float] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)  # the 202 bodies' counts
    linked_rows: list[int] = field(default_factory=list)  # pending on the campaign, per run
    after_detach: list[int] = field(default_factory=list)  # still on the campaign, per run
    item_rows: int = 0  # attach items recorded without a rejection, all runs
    events: list[int] = field(default_factory=list)  # events each attach wrote
    deliveries: list[int] = field(default_factory=list)  # webhook deliveries each attach queued

    @property
    def median_s(self) -> float:
        return statistics.median(self.http_s)

    @property
    def floor_s(self) -> float:
        both = [a + b for a, b in zip(self.floor_statement_s, self.floor_counts_s, strict=True)]
        return statistics.median(both) if both else 0.0


def run_record(
    server_url: str | None,
    items: int,
    runs: int,
    org_numbers: int = 0,
    floor: bool = True,
    endpoint: bool = False,
) -> RecordResult:
    """``runs`` bulk attaches of the same ``items`` numbers, each undone by a bulk detach
    before the next, and the table vacuumed in between (as autovacuum would). The floor runs
    the attach's SQL in a transaction that is rolled back. ``endpoint``: the org has a webhook
    endpoint subscribed to every event (no worker runs: its deliveries are only queued)."""
    result = RecordResult(items, max(items, org_numbers))
    numbers = [number_at(i) for i in range(items)]
    body = orjson.dumps({"numbers": numbers})  # serialised before any clock starts
    with fresh_database(server_url) as url:
        tenant = seed_tenant(url, "test", "sandbox")
        seed_numbers(tenant, 0, result.org_numbers)
        with api_process(url) as base, httpx.Client(base_url=base, timeout=600) as client:

            def timed(method: str, expected: int) -> tuple[float, dict[str, Any]]:
                started = time.perf_counter()
                response = client.request(
                    method, tenant.bulk_path, content=body, headers=tenant.headers
                )
                elapsed = time.perf_counter() - started
                if response.status_code != expected:
                    raise RuntimeError(f"bulk {method}: {response.status_code} {response.text}")
                return elapsed, response.json()["data"]

            if endpoint:
                hook = {"url": "http://127.0.0.1:9/bulk-bench"}  # test mode may target loopback
                created = client.post("/v1/webhook-endpoints", json=hook, headers=tenant.headers)
                if created.status_code != 201:
                    raise RuntimeError(f"endpoint: {created.status_code} {created.text}")
            for run in range(runs):
                _vacuum(url)
                written = _events_and_deliveries(tenant)
                elapsed, task = timed("POST", 202)
                result.http_s.append(elapsed)
                after = _events_and_deliveries(tenant)
                result.events.append(after[0] - written[0])
                result.deliveries.append(after[1] - written[1])
                result.answers.append(task["counts"])
                result.linked_rows.append(_pending_on(tenant))
                result.detach_s.append(timed("DELETE", 202)[0])
                result.after_detach.append(_pending_on(tenant))
                print(
                    f"    run {run + 1}: attach {result.http_s[-1]:.2f} s,"
                    f" detach {result.detach_s[-1]:.2f} s",
                    flush=True,
                )
                if floor:
                    _vacuum(url)
                    spent = floor_attach(tenant, numbers)
                    result.floor_statement_s.append(spent[0])
                    result.floor_counts_s.append(spent[1])
        result.item_rows = scalar(
            url,
            "SELECT count(*) FROM bulk_task_items i JOIN bulk_tasks t ON t.id = i.task_id"
            " WHERE t.operation = 'attach' AND i.code IS NULL",
        )
    return result


def _events_and_deliveries(tenant: Tenant) -> tuple[int, int]:
    scope = {"org": tenant.org_id, "mode": tenant.mode}
    counted = "SELECT count(*) FROM {} WHERE org_id = %(org)s AND mode = %(mode)s"
    return (
        int(scalar(tenant.url, counted.format("events"), scope)),
        int(scalar(tenant.url, counted.format("webhook_deliveries"), scope)),
    )


def _vacuum(url: str) -> None:
    with connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE phone_numbers, bulk_task_items")


def _pending_on(tenant: Tenant) -> int:
    return int(
        scalar(
            tenant.url,
            "SELECT count(*) FROM phone_numbers WHERE campaign_id = %(c)s"
            " AND carrier_line_option_status = 'pending' AND next_attempt_at IS NOT NULL",
            {"c": tenant.campaign_id},
        )
    )


def floor_attach(tenant: Tenant, numbers: list[str]) -> tuple[float, float]:
    """The bulk statement, then the 202's count query, without HTTP or the app; rolled back."""
    with connect(tenant.url) as conn:
        arrays = item_arrays("numbers", list(numbers))
        params = start_bulk_attach(conn, tenant, arrays, len(numbers))
        started = time.perf_counter()
        conn.execute(BULK[("attach", "numbers")], params).fetchall()
        statement_s = time.perf_counter() - started
        started = time.perf_counter()
        conn.execute(COUNTS, params).fetchall()
        counts_s = time.perf_counter() - started
        conn.rollback()
    return statement_s, counts_s


@dataclass
class ListResult:
    numbers: int
    first_ms: list[float] = field(default_factory=list)
    last_ms: list[float] = field(default_factory=list)
    count_ms: float = 0.0  # the page's total (count of the org's numbers) straight in SQL
    total: int = 0  # meta.total as answered
    first_page: list[str] = field(default_factory=list)  # ids, as answered
    last_page: list[str] = field(default_factory=list)
    last_next_cursor: str | None = "unset"
    expected_first: list[str] = field(default_factory=list)  # ids, straight from SQL
    expected_last: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return statistics.median(self.last_ms) / statistics.median(self.first_ms)


def run_list(server_url: str | None, numbers: int, requests: int) -> ListResult:
    """``requests`` (at least 1) timed GETs each of the first and the last page, alternating."""
    result = ListResult(numbers)
    with fresh_database(server_url) as url:
        tenant = seed_tenant(url, "test", "sandbox")
        seed_numbers(tenant, 0, numbers)
        scope = {"org": tenant.org_id, "mode": tenant.mode}
        with connect(url) as conn:
            ordered = (
                "SELECT id FROM phone_numbers WHERE org_id = %(org)s AND mode = %(mode)s"
                " ORDER BY id {} LIMIT %(n)s OFFSET %(skip)s"
            )
            ascending = conn.execute(ordered.format("ASC"), {**scope, "n": PAGE + 1, "skip": 0})
            smallest = [r[0] for r in ascending.fetchall()]
            newest = conn.execute(ordered.format("DESC"), {**scope, "n": PAGE, "skip": 0})
            result.expected_first = [str(r[0]) for r in newest.fetchall()]
            result.count_ms = _median_ms(
                lambda: conn.execute(
                    "SELECT count(*) FROM phone_numbers WHERE org_id = %(org)s AND mode = %(mode)s",
                    scope,
                ).fetchone(),
                5,
            )
        # Pages run newest first and a cursor is "ids below this one": the last page is the
        # PAGE smallest ids, reached with the cursor of the next one up.
        result.expected_last = [str(i) for i in reversed(smallest[:PAGE])]
        last_cursor = encode_cursor(smallest[PAGE]) if len(smallest) > PAGE else None
        with api_process(url) as base, httpx.Client(base_url=base, timeout=60) as client:
            auth = {"Authorization": f"Bearer {tenant.key}"}

            def page(cursor: str | None) -> tuple[float, dict[str, Any]]:
                params: dict[str, Any] = {"limit": PAGE}
                if cursor is not None:
                    params["cursor"] = cursor
                started = time.perf_counter()
                response = client.get("/v1/phone-numbers", params=params, headers=auth)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise RuntimeError(f"list: {response.status_code} {response.text}")
                return elapsed, response.json()

            for _ in range(3):  # warm-up: connections, statement caches
                page(None)
                page(last_cursor)
            for _ in range(requests):
                elapsed, first = page(None)
                result.first_ms.append(elapsed)
                elapsed, last = page(last_cursor)
                result.last_ms.append(elapsed)
        result.total = first["meta"]["total"]
        result.first_page = [n["id"] for n in first["data"]]
        result.last_page = [n["id"] for n in last["data"]]
        result.last_next_cursor = last["meta"]["next_cursor"]
    return result


def _median_ms(call: Any, times: int) -> float:
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        call()
        spent.append((time.perf_counter() - started) * 1000)
    return statistics.median(spent)
