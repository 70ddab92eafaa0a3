"""The webhook platform against real receivers on 127.0.0.1 and committed data: endpoint
health (disabled after failing for days, re-enabled by PATCH), retry with the same webhook-id,
the last status code, and fairness: a tenant whose endpoint hangs never delays another's."""

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import text
from standardwebhooks.webhooks import Webhook

from app.jobs.context import JobContext
from app.jobs.webhook_delivery import WebhookDeliveryJob
from app.settings import Settings
from tests.support.api import World, data, us_number
from tests.support.app import test_catalog, test_settings
from tests.support.committed import CommittedWorld, committed_world, start_worker, stop, wait_until
from tests.support.database import DatabaseServer
from tests.support.receiver import receiver

ENDPOINTS = "/v1/webhook-endpoints"
CREATED = "phone_number.created"


@pytest.fixture(scope="module")
def database(server: DatabaseServer) -> str:
    return server.create_database()


@asynccontextmanager
async def setup(
    database: str, settings: Settings
) -> AsyncIterator[tuple[CommittedWorld, WebhookDeliveryJob]]:
    async with committed_world(lambda: database, settings) as cw:
        async with cw.engine.begin() as conn:
            await conn.exec_driver_sql("DELETE FROM webhook_deliveries")
        async with JobContext.open(cw.sessions, settings, test_catalog()) as context:
            yield cw, WebhookDeliveryJob(context, retry_base_s=0.01, retry_cap_s=0.02)


async def endpoint(cw: CommittedWorld, url: str, key: str | None = None) -> dict[str, Any]:
    body = {"url": url, "enabled_events": [CREATED]}
    return dict(data(await cw.api.post(ENDPOINTS, key or cw.world.test_key, body), 201))


async def new_number(cw: CommittedWorld, key: str | None = None) -> None:
    body = {"number": us_number(), "provider": "sandbox"}
    data(await cw.api.post("/v1/phone-numbers", key or cw.world.test_key, body), 201)


async def execute(cw: CommittedWorld, sql: str, **params: Any) -> None:
    async with cw.engine.begin() as conn:
        await conn.execute(text(sql), params)


async def endpoint_row(cw: CommittedWorld, endpoint_id: str) -> Any:
    [row] = await cw.rows(
        "SELECT disabled_at, disabled_reason, failing_since FROM webhook_endpoints WHERE id = :id",
        id=endpoint_id,
    )
    return row


async def test_failing_for_days_disables_and_patch_re_enables(database: str) -> None:
    answers = {"status": 500}
    with receiver(lambda n: (answers["status"], 0.0)) as rx:
        async with setup(database, test_settings(webhook_max_attempts=50)) as (cw, job):
            hook = await endpoint(cw, rx.url("/h"))
            await new_number(cw)
            assert await job.process_due(10) == 1
            first = await endpoint_row(cw, hook["id"])
            assert first.failing_since is not None and first.disabled_at is None
            [delivery] = data(
                await cw.api.get(f"{ENDPOINTS}/{hook['id']}/deliveries", cw.world.test_key)
            )
            assert (delivery["last_status_code"], delivery["last_error"]) == (500, "HTTP 500")
            # a day of failures is not enough; a success clears the record
            await execute(
                cw,
                "UPDATE webhook_endpoints SET failing_since = now() - interval '1 day'"
                " WHERE id = :id",
                id=hook["id"],
            )
            await asyncio.sleep(0.05)
            assert await job.process_due(10) == 1
            assert (await endpoint_row(cw, hook["id"])).disabled_at is None
            answers["status"] = 204
            await asyncio.sleep(0.05)
            assert await job.process_due(10) == 1
            assert (await endpoint_row(cw, hook["id"])).failing_since is None

            # failing again, since three days and a minute: the next failure disables it
            answers["status"] = 503
            await new_number(cw)
            await new_number(cw)
            await execute(
                cw,
                "UPDATE webhook_endpoints SET failing_since = now() - interval '3 days 1 minute'"
                " WHERE id = :id",
                id=hook["id"],
            )
            before = len(rx.requests)
            await job.process_due(1)
            row = await endpoint_row(cw, hook["id"])
            assert row.disabled_at is not None
            assert row.disabled_reason == "every delivery failed for 3 days (last error: HTTP 503)"
            got = data(await cw.api.get(f"{ENDPOINTS}/{hook['id']}", cw.world.test_key))
            assert got["disabled_reason"] == row.disabled_reason
            # its other pending delivery was dropped, and nothing more is sent
            assert await job.process_due(10) == 0
            assert len(rx.requests) == before + 1
            await new_number(cw)
            assert await job.process_due(10) == 0

            answers["status"] = 200
            path = f"{ENDPOINTS}/{hook['id']}"
            enabled = data(await cw.api.patch(path, cw.world.test_key, {"disabled": False}))
            assert (enabled["disabled_at"], enabled["disabled_reason"]) == (None, None)
            await new_number(cw)
            assert await job.process_due(10) == 1
            assert len(rx.requests) == before + 2


async def test_retry_sends_a_delivered_event_again_with_the_same_webhook_id(
    database: str,
) -> None:
    with receiver() as rx:
        async with setup(database, test_settings()) as (cw, job):
            hook = await endpoint(cw, rx.url("/h"))
            await new_number(cw)
            assert await job.process_due(10) == 1
            base = f"{ENDPOINTS}/{hook['id']}/deliveries"
            [delivered] = data(await cw.api.get(base, cw.world.test_key))
            assert (delivered["status"], delivered["last_status_code"]) == ("delivered", 200)
            retried = await cw.api.post(f"{base}/{delivered['id']}/retry", cw.world.test_key)
            assert data(retried)["status"] == "pending"
            assert await job.process_due(10) == 1
            first, second = rx.requests
            verifier = Webhook(hook["secret"])
            assert verifier.verify(first.body, first.headers) == verifier.verify(
                second.body, second.headers
            )
            assert first.headers["webhook-id"] == second.headers["webhook-id"]
            assert first.headers["webhook-id"] == delivered["event_id"]
            [again] = data(await cw.api.get(base, cw.world.test_key))
            assert (again["status"], again["attempts"]) == ("delivered", 2)


async def test_a_patched_url_applies_to_pending_deliveries(database: str) -> None:
    with receiver() as rx:
        async with setup(database, test_settings()) as (cw, job):
            hook = await endpoint(cw, rx.url("/old"))
            await new_number(cw)
            patch = {"url": rx.url("/new")}
            data(await cw.api.patch(f"{ENDPOINTS}/{hook['id']}", cw.world.test_key, patch))
            assert await job.process_due(10) == 1
            assert [r.path for r in rx.requests] == ["/new"]


HANGING_ENV = {
    "NUMLINK_WEBHOOK_TIMEOUT_S": "1",
    "NUMLINK_WEBHOOK_WORKER_CONCURRENCY": "8",
    "NUMLINK_WORKER_IDLE_SLEEP_S": "0.05",
    "NUMLINK_WEBHOOK_ENDPOINT_CONCURRENCY": "4",
}


async def test_a_hanging_tenant_does_not_delay_another(database: str) -> None:
    """Org X has 200 due deliveries to a receiver that never answers in time; org Y's event
    reaches its healthy receiver at once, and X never holds more than its cap."""
    with receiver(lambda n: (200, 3.0)) as hanging, receiver() as healthy:
        async with setup(database, test_settings()) as (cw, _):
            x = cw.world
            x_hook = await endpoint(cw, hanging.url("/x"))
            await execute(
                cw,
                "INSERT INTO webhook_deliveries (id, org_id, mode, endpoint_id, url, event_type,"
                " payload, next_attempt_at)"
                " SELECT gen_random_uuid(), :org, 'test', :endpoint, :url, 'phone_number.created',"
                " '{}'::jsonb, clock_timestamp() FROM generate_series(1, 200)",
                org=x.org_id,
                endpoint=x_hook["id"],
                url=hanging.url("/x"),
            )
            y = await World.create(cw.api, cw.sessions)
            y_hook = await endpoint(cw, healthy.url("/y"), y.test_key)
            worker = start_worker(cw.url, HANGING_ENV)
            try:
                await wait_until(
                    lambda: _true(len(hanging.requests) >= 4), timeout_s=20, interval_s=0.05
                )
                in_flight = (
                    "SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = :id"
                    " AND lease_owner IS NOT NULL AND next_attempt_at > now()"
                )
                started = time.monotonic()
                await new_number(cw, y.test_key)
                peak = 0
                while not healthy.requests and time.monotonic() - started < 20:
                    peak = max(peak, await cw.scalar(in_flight, id=x_hook["id"]))
                    await asyncio.sleep(0.02)
                elapsed = time.monotonic() - started
            finally:
                stop(worker)
            [received] = healthy.requests
            assert (
                Webhook(y_hook["secret"]).verify(received.body, received.headers)["type"] == CREATED
            )
            # oldest first, this waited for X's backlog: 200 attempts of 1 s in 8 slots, 25 s
            assert elapsed < 3.0, elapsed
            assert peak <= 4


async def _true(condition: bool) -> bool:
    return condition


async def add_deliveries(
    cw: CommittedWorld, org_id: Any, count: int, *, in_flight: bool = False, target: str = "/t"
) -> None:
    """``count`` deliveries of one org to a status_url host, due now or leased elsewhere."""
    due = "now() + interval '1 minute'" if in_flight else "now() - interval '1 minute'"
    await execute(
        cw,
        "INSERT INTO webhook_deliveries (id, org_id, mode, url, event_type, payload,"
        f" next_attempt_at, lease_owner) SELECT gen_random_uuid(), :org, 'test', :url, 't',"
        f" '{{}}'::jsonb, {due}, :owner FROM generate_series(1, :count)",
        org=org_id,
        url=f"http://127.0.0.1:9{target}",
        count=count,
        owner="elsewhere" if in_flight else None,
    )


async def test_a_claim_skips_blocked_tenants_and_caps_each_target(database: str) -> None:
    async with setup(database, test_settings(webhook_endpoint_concurrency=4)) as (cw, job):
        blocked = [await World.create(cw.api, cw.sessions) for _ in range(6)]
        for org in blocked:  # the longest-waiting tenants, each target already full
            await add_deliveries(cw, org.org_id, 4, in_flight=True)
            await add_deliveries(cw, org.org_id, 20)
        flood = await World.create(cw.api, cw.sessions)
        await add_deliveries(cw, flood.org_id, 30)  # one target, nothing in flight yet
        healthy = cw.world
        await add_deliveries(cw, healthy.org_id, 1, target="/other")
        claimed = await job.claim(6)
        by_org = {
            org: sum(1 for d in claimed if d.org_id == org) for org in {d.org_id for d in claimed}
        }
        assert by_org == {flood.org_id: 4, healthy.org_id: 1}
