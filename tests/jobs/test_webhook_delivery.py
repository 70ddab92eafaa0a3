"""The webhook deliverer against a real HTTP receiver on 127.0.0.1: signatures checked with the
standardwebhooks library, retries, giving up, leases, disabled endpoints, live-mode re-checks."""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from app.jobs.context import JobContext
from app.jobs.webhook_delivery import WebhookDeliveryJob
from app.settings import Settings
from app.webhooks.signing import signed_headers
from tests.support.api import data, us_number
from tests.support.app import settle, test_catalog, test_settings
from tests.support.committed import CommittedWorld, committed_world, wait_until
from tests.support.database import DatabaseServer
from tests.support.receiver import Received, Receiver, receiver

EVENT = "phone_number.carrier_line_option.updated"
LINK = "phone_number.campaign.changed"


@pytest.fixture(scope="module")
def database(server: DatabaseServer) -> str:
    """One committed database for this file (each test has its own org): making one per test
    would cost most of the run time."""
    return server.create_database()


@asynccontextmanager
async def setup(
    database: str, settings: Settings, **deliverer_options: Any
) -> AsyncIterator[tuple[CommittedWorld, WebhookDeliveryJob]]:
    async with committed_world(lambda: database, settings) as cw:
        async with cw.engine.begin() as conn:  # every test starts with nothing queued
            await conn.exec_driver_sql("DELETE FROM webhook_deliveries")
            await conn.exec_driver_sql(
                "UPDATE phone_numbers SET next_attempt_at = NULL WHERE next_attempt_at IS NOT NULL"
            )
        options = {"retry_base_s": 0.01, "retry_cap_s": 0.02, **deliverer_options}
        async with JobContext.open(cw.sessions, settings, test_catalog()) as context:
            yield cw, WebhookDeliveryJob(context, **options)


async def status_change(cw: CommittedWorld, status_url: str | None) -> dict[str, Any]:
    """Registers a number (with ``status_url``) and attaches it: its status becomes pending."""
    world = cw.world
    body = {"number": us_number(), "provider": "sandbox", "status_url": status_url}
    number = data(await cw.api.post("/v1/phone-numbers", world.test_key, body), 201)
    campaign = await world.campaign()
    attached = data(await world.attach(number["id"], campaign["id"]))
    assert attached["carrier_line_option_status"] == "pending"
    return dict(attached)


async def deliveries(cw: CommittedWorld) -> list[dict[str, Any]]:
    rows = await cw.rows(
        "SELECT id, endpoint_id, url, attempts, next_attempt_at, lease_owner, delivered_at,"
        " last_error FROM webhook_deliveries ORDER BY created_at, url"
    )
    return [dict(r._mapping) for r in rows]


async def deliver_until_settled(deliverer: WebhookDeliveryJob, cw: CommittedWorld) -> None:
    async def settled() -> bool:
        await deliverer.process_due(10)
        return all(d["next_attempt_at"] is None for d in await deliveries(cw))

    await wait_until(settled, timeout_s=10, interval_s=0.02)


def verify(secret: str, request: Received) -> Any:
    return Webhook(secret).verify(request.body, request.headers)


def transition(event: Any) -> tuple[str | None, str | None]:
    return event["data"]["previous_status"], event["data"]["carrier_line_option_status"]


def test_signature_matches_the_reference_vector() -> None:
    # the example of the Standard Webhooks specification
    headers = signed_headers(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1614265330,
        b'{"test": 2432232314}',
    )
    assert headers["webhook-signature"] == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert headers["webhook-timestamp"] == "1614265330"


async def test_status_changes_reach_status_url_and_endpoints(database: str) -> None:
    settings = test_settings()
    with receiver() as rx:
        async with setup(database, settings) as (cw, deliverer):
            key = cw.world.test_key
            endpoint = data(
                await cw.api.post("/v1/webhook-endpoints", key, {"url": rx.url("/endpoint")}),
                201,
            )
            number = await status_change(cw, rx.url("/status"))
            # the endpoint takes every event (the number, its link); the status_url the link
            assert await deliverer.process_due(10) == 3
            assert await deliverer.process_due(10) == 0

            signing = data(await cw.api.get("/v1/webhook-signing-secret", key))["secret"]
            [to_status] = rx.to("/status")
            to_endpoint = {verify(endpoint["secret"], r)["type"]: r for r in rx.to("/endpoint")}
            assert set(to_endpoint) == {LINK, "phone_number.created"}
            event = verify(signing, to_status)
            assert verify(endpoint["secret"], to_endpoint[LINK]) == event  # one event, twice
            with pytest.raises(WebhookVerificationError):
                verify(endpoint["secret"], to_status)  # each target has its own secret
            assert to_status.headers["content-type"] == "application/json"
            assert abs(int(to_status.headers["webhook-timestamp"]) - time.time()) < 60
            assert set(event) == {"id", "type", "created_at", "resource", "data"}
            assert event["type"] == LINK and event["created_at"].endswith("+00:00")
            assert event["resource"] == {"type": "phone_number", "id": number["id"]}
            assert {k: event["data"][k] for k in ("id", "number", "campaign_id")} == {
                "id": number["id"],
                "number": number["number"],
                "campaign_id": number["campaign_id"],
            }
            assert transition(event) == (None, "pending")
            # the webhook-id is the event's id, whichever target receives it
            assert to_status.headers["webhook-id"] == event["id"]
            assert to_endpoint[LINK].headers["webhook-id"] == event["id"]
            rows = await deliveries(cw)
            assert len(rows) == 3
            assert all(r["delivered_at"] and r["attempts"] == 1 for r in rows)
            assert all(r["next_attempt_at"] is None and r["lease_owner"] is None for r in rows)

            # the sandbox propagates the link: the next status change follows
            await settle(cw.sessions, settings, timeout_s=10)
            assert await deliverer.process_due(10) == 2
            propagated = verify(signing, rx.to("/status")[1])
            assert transition(propagated) == ("pending", "propagated")


async def test_retries_on_5xx_then_succeeds(database: str) -> None:
    with receiver(lambda n: (500 if n < 2 else 204, 0.0)) as rx:
        async with setup(database, test_settings()) as (cw, deliverer):
            await status_change(cw, rx.url("/status"))
            assert await deliverer.process_due(10) == 1
            [first] = await deliveries(cw)
            assert (first["attempts"], first["last_error"], first["delivered_at"]) == (
                1,
                "HTTP 500",
                None,
            )
            assert first["next_attempt_at"] is not None
            await deliver_until_settled(deliverer, cw)
            [row] = await deliveries(cw)
            assert (row["attempts"], row["last_error"]) == (3, None) and row["delivered_at"]
            signing = data(await cw.api.get("/v1/webhook-signing-secret", cw.world.test_key))
            assert len({r.headers["webhook-id"] for r in rx.requests}) == 1  # one message
            assert all(verify(signing["secret"], r) for r in rx.requests)
            assert len(rx.requests) == 3


async def test_gives_up_after_max_attempts(database: str) -> None:
    with receiver(lambda n: (503, 0.0)) as rx:
        async with setup(database, test_settings(webhook_max_attempts=3)) as (cw, deliverer):
            await status_change(cw, rx.url("/status"))
            await deliver_until_settled(deliverer, cw)
            [row] = await deliveries(cw)
            assert (row["attempts"], row["last_error"], row["delivered_at"]) == (
                3,
                "HTTP 503",
                None,
            )
            assert await deliverer.process_due(10) == 0
            assert len(rx.requests) == 3


async def test_slow_receiver_times_out(database: str) -> None:
    settings = test_settings(webhook_timeout_s=0.2, webhook_max_attempts=1)
    with receiver(lambda n: (200, 1.0)) as rx:
        async with setup(database, settings) as (cw, deliverer):
            await status_change(cw, rx.url("/status"))
            started = time.monotonic()
            assert await deliverer.process_due(10) == 1
            assert time.monotonic() - started < 0.9
            [row] = await deliveries(cw)
            assert (row["last_error"], row["delivered_at"], row["next_attempt_at"]) == (
                "timeout",
                None,
                None,
            )


async def test_refused_connection_is_retried(database: str) -> None:
    with receiver() as rx:
        closed_url = rx.url("/status")
    async with setup(database, test_settings()) as (cw, deliverer):
        await status_change(cw, closed_url)
        assert await deliverer.process_due(10) == 1
        [row] = await deliveries(cw)
        assert row["last_error"] == "connection error: ConnectError"
        assert row["next_attempt_at"] is not None and row["attempts"] == 1


async def test_a_stale_lease_cannot_overwrite(database: str) -> None:
    # The first attempt outlives its lease and then fails; meanwhile the row was claimed again
    # and delivered. The stale worker's failure must not undo that.
    with receiver(lambda n: (500, 0.5) if n == 0 else (200, 0.0)) as rx:
        async with setup(database, test_settings(), lease_s=0.1) as (cw, stale):
            stale.leases.enabled = False  # a worker that cannot renew its lease
            await status_change(cw, rx.url("/status"))
            slow = asyncio.create_task(stale.process_due(10))
            await wait_until(lambda: _true_if(len(rx.requests) == 1), timeout_s=5, interval_s=0.01)
            await asyncio.sleep(0.15)  # the lease has expired
            async with JobContext.open(cw.sessions, stale.settings, test_catalog()) as context:
                fresh = WebhookDeliveryJob(context, lease_s=5.0)
                assert await fresh.process_due(10) == 1
            assert await slow == 1
            [row] = await deliveries(cw)
            assert row["delivered_at"] is not None and row["last_error"] is None
            assert (row["attempts"], row["next_attempt_at"], row["lease_owner"]) == (1, None, None)
            assert len(rx.requests) == 2


async def _true_if(condition: bool) -> bool:
    return condition


async def endpoints(
    cw: CommittedWorld, rx: Receiver, *names: str
) -> tuple[dict[str, str], dict[str, uuid.UUID]]:
    """An endpoint of the test org per name, at the receiver's ``/name``: URLs and ids."""
    urls = {name: rx.url(f"/{name}") for name in names}
    ids = {}
    for name, url in urls.items():
        body = {"url": url}
        created = data(await cw.api.post("/v1/webhook-endpoints", cw.world.test_key, body), 201)
        ids[name] = uuid.UUID(created["id"])
    return urls, ids


async def test_disabled_endpoints_get_nothing(database: str) -> None:
    with receiver() as rx:
        async with setup(database, test_settings()) as (cw, deliverer):
            key = cw.world.test_key
            urls, ids = await endpoints(cw, rx, "kept", "deleted", "racing")
            await status_change(cw, None)
            data(await cw.api.delete(f"/v1/webhook-endpoints/{ids['deleted']}", key))
            async with cw.engine.begin() as conn:  # disabled after the claim query was planned
                await conn.exec_driver_sql(
                    "UPDATE webhook_endpoints SET disabled_at = now() WHERE id = %s",
                    (ids["racing"],),
                )
            # the number and its link, to each endpoint left; the deleted one's deliveries
            # went at once
            assert await deliverer.process_due(10) == 4
            assert [r.path for r in rx.requests] == ["/kept"] * 2
            rows = {r["url"]: r for r in await deliveries(cw)}
            assert rows[urls["kept"]]["delivered_at"] is not None
            for name in ("deleted", "racing"):
                row = rows[urls[name]]
                assert (row["delivered_at"], row["next_attempt_at"], row["last_error"]) == (
                    None,
                    None,
                    "endpoint disabled",
                )


async def test_deliveries_of_an_endpoint_deleted_by_hand_are_dropped(database: str) -> None:
    with receiver() as rx:
        async with setup(database, test_settings()) as (cw, deliverer):
            urls, ids = await endpoints(cw, rx, "kept", "deleted", "raced")
            await status_change(cw, None)
            async with cw.engine.begin() as conn:
                await conn.exec_driver_sql(
                    "DELETE FROM webhook_endpoints WHERE id = %s", (ids["deleted"],)
                )
                # a delete racing the statement that queued deliveries leaves them behind: the
                # cascade trigger is off for this transaction to make one
                await conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
                await conn.exec_driver_sql(
                    "DELETE FROM webhook_endpoints WHERE id = %s", (ids["raced"],)
                )
            rows = await deliveries(cw)
            assert sorted(r["url"] for r in rows) == sorted([urls["kept"], urls["raced"]] * 2)
            assert await deliverer.process_due(10) == 4
            assert [r.path for r in rx.requests] == ["/kept"] * 2
            for row in await deliveries(cw):
                if row["url"] == urls["raced"]:
                    assert (row["delivered_at"], row["next_attempt_at"], row["last_error"]) == (
                        None,
                        None,
                        "endpoint disabled",
                    )


async def test_live_targets_are_checked_again_before_sending(database: str) -> None:
    # e.g. the host was public when saved and now resolves to a private address
    with receiver() as rx:
        async with setup(database, test_settings()) as (cw, deliverer):
            payload = orjson.dumps({"type": EVENT, "timestamp": "", "data": {}}).decode()
            async with cw.engine.begin() as conn:
                await conn.exec_driver_sql(
                    "INSERT INTO webhook_deliveries (id, org_id, mode, url, event_type, payload,"
                    " next_attempt_at) VALUES (gen_random_uuid(), %s, 'live', %s, %s, %s::jsonb,"
                    " clock_timestamp())",
                    (cw.world.org_id, rx.url("/status"), EVENT, payload),
                )
            assert await deliverer.process_due(10) == 1
            [row] = await deliveries(cw)
            assert row["last_error"].startswith("blocked target: host resolves to a loopback")
            assert (row["next_attempt_at"], row["delivered_at"]) == (None, None)
            assert rx.requests == []


async def test_run_delivers_until_stopped(database: str) -> None:
    with receiver() as rx:
        async with setup(database, test_settings(worker_idle_sleep_s=0.02)) as (cw, deliverer):
            stop = asyncio.Event()
            running = asyncio.create_task(deliverer.run(stop))
            await status_change(cw, rx.url("/status"))
            await wait_until(lambda: _true_if(len(rx.requests) == 1), timeout_s=5, interval_s=0.02)
            stop.set()
            await asyncio.wait_for(running, 5)
            [row] = await deliveries(cw)
            assert row["delivered_at"] is not None
