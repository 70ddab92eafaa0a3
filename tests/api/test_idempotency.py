"""Idempotency-Key: replay, reuse, concurrency, scope per API key, release, expiry.

Every test runs on a committed database of its own: the key is reserved on a connection of
its own, so a rolled-back test transaction would hide what a second request must see.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import text

from app.api.idempotency import fingerprint
from app.jobs.retention import IDEMPOTENCY_KEYS, purge_batch
from tests.support.api import World, data, error_code, us_number
from tests.support.app import test_settings
from tests.support.committed import CommittedWorld, committed_world, wait_until

REPLAYED = "idempotent-replayed"


@pytest.fixture
async def cw(fresh_db: Callable[[], str]) -> AsyncIterator[CommittedWorld]:
    async with committed_world(fresh_db, test_settings()) as world:
        yield world


def idem(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


def api_key_id(key: str) -> uuid.UUID:
    """The key id is the third part of ``am_<mode>_<key-id>_<secret>``."""
    return uuid.UUID(hex=key.split("_")[2])


async def send_raw(
    cw: CommittedWorld, method: str, path: str, raw: bytes, idempotency_key: str
) -> httpx.Response:
    headers = {
        "Authorization": f"Bearer {cw.world.test_key}",
        "Content-Type": "application/json",
        **idem(idempotency_key),
    }
    return await cw.api.client.request(method, path, content=raw, headers=headers)


async def execute(cw: CommittedWorld, sql: str, **params: Any) -> None:
    async with cw.engine.begin() as conn:
        await conn.execute(text(sql), params)


async def count(cw: CommittedWorld, table: str) -> int:
    return int(await cw.scalar(f"SELECT count(*) FROM {table}"))


async def test_same_request_replays_the_stored_response_without_running_again(
    cw: CommittedWorld,
) -> None:
    number = us_number()
    first = await send_raw(
        cw,
        "POST",
        "/v1/phone-numbers",
        orjson.dumps({"number": number, "provider": "sandbox"}),
        "register-1",
    )
    assert first.status_code == 201 and REPLAYED not in first.headers
    # other key order and spacing: the same JSON value, so the same request
    spaced = f'{{ "provider" : "sandbox",\n  "number": "{number}" }}'.encode()
    second = await send_raw(cw, "POST", "/v1/phone-numbers", spaced, "register-1")
    assert second.status_code == 201  # a replay, not 409 CONFLICT for a duplicate number
    assert second.content == first.content
    assert second.headers[REPLAYED] == "true"
    assert second.headers["x-request-id"]  # every response still carries a request id
    assert await count(cw, "phone_numbers") == 1
    # without the key the same body really runs, and really conflicts
    again = await cw.api.post(
        "/v1/phone-numbers", cw.world.test_key, {"number": number, "provider": "sandbox"}
    )
    assert (again.status_code, error_code(again)) == (409, "CONFLICT")


async def test_patch_replay_does_not_overwrite_a_later_change(cw: CommittedWorld) -> None:
    number = await cw.world.number()
    path = f"/v1/phone-numbers/{number['id']}"
    key = cw.world.test_key
    first = await cw.api.patch(path, key, {"label": "first"}, headers=idem("label"))
    assert data(first)["label"] == "first"
    data(await cw.api.patch(path, key, {"label": "later"}))
    replay = await cw.api.patch(path, key, {"label": "first"}, headers=idem("label"))
    assert replay.headers[REPLAYED] == "true" and replay.content == first.content
    stored = await cw.scalar("SELECT label FROM phone_numbers WHERE id = :id", id=number["id"])
    assert stored == "later"


async def test_delete_replay_does_not_detach_again(cw: CommittedWorld) -> None:
    campaign = await cw.world.campaign()
    number = await cw.world.number()
    path = f"/v1/phone-numbers/{number['id']}/campaign"
    data(await cw.world.attach(number["id"], campaign["id"]))
    first = await cw.api.delete(path, cw.world.test_key, headers=idem("detach"))
    assert data(first)["campaign_id"] is None
    data(await cw.world.attach(number["id"], campaign["id"]))
    replay = await cw.api.delete(path, cw.world.test_key, headers=idem("detach"))
    assert replay.headers[REPLAYED] == "true" and replay.content == first.content
    attached = await cw.scalar(
        "SELECT campaign_id::text FROM phone_numbers WHERE id = :id", id=number["id"]
    )
    assert attached == campaign["id"]


async def test_same_key_for_a_different_request_is_rejected(cw: CommittedWorld) -> None:
    key = cw.world.test_key
    body = {"number": us_number(), "provider": "sandbox"}
    data(await cw.api.post("/v1/phone-numbers", key, body, headers=idem("k")), 201)
    other_body = await cw.api.post(
        "/v1/phone-numbers", key, {"number": us_number(), "provider": "sandbox"}, headers=idem("k")
    )
    assert (other_body.status_code, error_code(other_body)) == (422, "IDEMPOTENCY_KEY_REUSED")
    other_path = await cw.api.post(
        "/v1/brands", key, {"provider": "sandbox", "provider_brand_id": "B"}, headers=idem("k")
    )
    assert (other_path.status_code, error_code(other_path)) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert await count(cw, "phone_numbers") == 1
    assert await count(cw, "brands") == 0


async def test_keys_are_scoped_per_api_key(cw: CommittedWorld) -> None:
    other_org = await World.create(cw.api, cw.sessions)
    body = {"number": us_number(), "provider": "sandbox"}
    ids = set()
    for key in (cw.world.test_key, other_org.test_key):
        response = await cw.api.post("/v1/phone-numbers", key, body, headers=idem("shared"))
        assert REPLAYED not in response.headers
        ids.add(data(response, 201)["id"])
    assert len(ids) == 2 and await count(cw, "phone_numbers") == 2
    # two keys of one org: the second runs too, and meets the first's number
    same_org_key = await cw.world.key()
    clash = await cw.api.post("/v1/phone-numbers", same_org_key, body, headers=idem("shared"))
    assert error_code(clash) == "CONFLICT"


async def test_concurrent_same_key_is_409_in_progress(cw: CommittedWorld) -> None:
    campaign = await cw.world.campaign()
    number = await cw.world.number()
    path = f"/v1/phone-numbers/{number['id']}/campaign"
    body = {"campaign_id": campaign["id"]}

    async def lock_waiters() -> bool:
        waiting = await cw.scalar(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return int(waiting) > 0

    async with cw.engine.connect() as blocker:
        lock = await blocker.begin()
        await blocker.execute(
            text("SELECT 1 FROM phone_numbers WHERE id = :id FOR UPDATE"), {"id": number["id"]}
        )
        first = asyncio.create_task(
            cw.api.post(path, cw.world.test_key, body, headers=idem("race"))
        )
        # the first request holds its reservation and waits on the row lock
        await wait_until(lock_waiters, timeout_s=10, interval_s=0.02)
        second = await cw.api.post(path, cw.world.test_key, body, headers=idem("race"))
        assert (second.status_code, error_code(second)) == (409, "IDEMPOTENCY_IN_PROGRESS")
        await lock.rollback()
    first_response = await first
    assert data(first_response)["campaign_id"] == campaign["id"]
    replay = await cw.api.post(path, cw.world.test_key, body, headers=idem("race"))
    assert replay.headers[REPLAYED] == "true" and replay.content == first_response.content


async def test_failed_request_releases_its_key(cw: CommittedWorld) -> None:
    campaign = await cw.world.campaign(status="PENDING")
    number = await cw.world.number()
    path = f"/v1/phone-numbers/{number['id']}/campaign"
    body = {"campaign_id": campaign["id"]}
    failed = await cw.api.post(path, cw.world.test_key, body, headers=idem("retry-me"))
    assert (failed.status_code, error_code(failed)) == (409, "CAMPAIGN_NOT_ACTIVE")
    assert await count(cw, "idempotency_keys") == 0
    data(
        await cw.api.post(
            f"/v1/test-helpers/campaigns/{campaign['id']}/status",
            cw.world.test_key,
            {"status": "ACTIVE"},
        )
    )
    retried = await cw.api.post(path, cw.world.test_key, body, headers=idem("retry-me"))
    assert REPLAYED not in retried.headers
    assert data(retried)["carrier_line_option_status"] == "pending"
    # a body that failed validation released its key too, so a corrected body may use it
    bad = await send_raw(cw, "POST", "/v1/phone-numbers", b'{"number": ', "typo")
    assert error_code(bad) == "VALIDATION_FAILED"
    fixed = {"number": us_number(), "provider": "sandbox"}
    data(
        await cw.api.post("/v1/phone-numbers", cw.world.test_key, fixed, headers=idem("typo")), 201
    )


async def test_a_key_older_than_24_hours_is_treated_as_absent(cw: CommittedWorld) -> None:
    body: dict[str, Any] = {"number": us_number(), "provider": "sandbox"}
    first = await cw.api.post("/v1/phone-numbers", cw.world.test_key, body, headers=idem("old"))
    data(first, 201)
    await execute(cw, "UPDATE idempotency_keys SET created_at = now() - interval '25 hours'")
    # the number from the first run is still there, so running anew conflicts: no replay
    anew = await cw.api.post("/v1/phone-numbers", cw.world.test_key, body, headers=idem("old"))
    assert (anew.status_code, error_code(anew)) == (409, "CONFLICT")
    assert REPLAYED not in anew.headers
    # a key only 23 hours old still replays
    brand = {"provider": "sandbox", "provider_brand_id": "B1"}
    data(await cw.api.post("/v1/brands", cw.world.test_key, brand, headers=idem("young")), 201)
    await execute(
        cw,
        "UPDATE idempotency_keys SET created_at = now() - interval '23 hours' WHERE key = 'young'",
    )
    replay = await cw.api.post("/v1/brands", cw.world.test_key, brand, headers=idem("young"))
    assert replay.headers[REPLAYED] == "true" and await count(cw, "brands") == 1


async def test_purge_deletes_only_keys_older_than_the_ttl(cw: CommittedWorld) -> None:
    for name in ("kept", "expired"):
        body = {"number": us_number(), "provider": "sandbox"}
        data(
            await cw.api.post("/v1/phone-numbers", cw.world.test_key, body, headers=idem(name)), 201
        )
    await execute(
        cw,
        "UPDATE idempotency_keys SET created_at = now() - interval '25 hours'"
        " WHERE key = 'expired'",
    )
    async with cw.sessions.begin() as session:
        assert await purge_batch(session, IDEMPOTENCY_KEYS, timedelta(hours=24), 100) == 1
    assert await cw.rows("SELECT key FROM idempotency_keys") == [("kept",)]


async def test_a_reservation_abandoned_by_a_crashed_process_is_taken_over(
    cw: CommittedWorld,
) -> None:
    key = cw.world.test_key
    brand = {"provider": "sandbox", "provider_brand_id": "B1"}
    # reservations of this very request with no response: one recent (its process may still
    # be running), one older than idempotency_stale_s (its process died before answering)
    await execute(
        cw,
        "INSERT INTO idempotency_keys (api_key_id, key, fingerprint, created_at) VALUES"
        " (:id, 'running', :fp, now()), (:id, 'crashed', :fp, now() - interval '2 minutes')",
        id=api_key_id(key),
        fp=fingerprint("POST", "/v1/brands", "", orjson.dumps(brand)),
    )
    running = await cw.api.post("/v1/brands", key, brand, headers=idem("running"))
    assert (running.status_code, error_code(running)) == (409, "IDEMPOTENCY_IN_PROGRESS")
    taken_over = await cw.api.post("/v1/brands", key, brand, headers=idem("crashed"))
    data(taken_over, 201)
    replay = await cw.api.post("/v1/brands", key, brand, headers=idem("crashed"))
    assert replay.headers[REPLAYED] == "true" and replay.content == taken_over.content


@pytest.mark.parametrize("value", ["", "x" * 256])
async def test_invalid_key_values_are_422(cw: CommittedWorld, value: str) -> None:
    response = await cw.api.post(
        "/v1/brands",
        cw.world.test_key,
        {"provider": "sandbox", "provider_brand_id": "B"},
        headers=idem(value),
    )
    assert (response.status_code, error_code(response)) == (422, "VALIDATION_FAILED")
    assert "Idempotency-Key" in response.json()["error"]["details"]
    assert await count(cw, "brands") == 0


async def test_a_key_of_255_characters_is_accepted(cw: CommittedWorld) -> None:
    brand = {"provider": "sandbox", "provider_brand_id": "B"}
    headers = idem("x" * 255)
    data(await cw.api.post("/v1/brands", cw.world.test_key, brand, headers=headers), 201)
    replay = await cw.api.post("/v1/brands", cw.world.test_key, brand, headers=headers)
    assert replay.headers[REPLAYED] == "true"


async def test_get_ignores_the_header(cw: CommittedWorld) -> None:
    for _ in range(2):
        response = await cw.api.get("/v1/brands", cw.world.test_key, headers=idem("g"))
        assert response.status_code == 200 and REPLAYED not in response.headers
    invalid = await cw.api.get("/v1/brands", cw.world.test_key, headers=idem(""))
    assert invalid.status_code == 200
    assert await count(cw, "idempotency_keys") == 0


async def test_stored_responses_are_sealed(cw: CommittedWorld) -> None:
    """A webhook secret is shown once, by create; its stored replay is encrypted at rest."""
    key = cw.world.test_key
    body = {"url": "https://example.com/hook"}
    first = await cw.api.post("/v1/webhook-endpoints", key, body, headers=idem("hook-1"))
    secret = data(first, 201)["secret"]
    stored = await cw.scalar("SELECT response_body FROM idempotency_keys WHERE key = 'hook-1'")
    assert secret.encode() not in stored and b"whsec_" not in stored
    replay = await cw.api.post("/v1/webhook-endpoints", key, body, headers=idem("hook-1"))
    assert replay.content == first.content  # byte-identical, opened with the key
    assert await count(cw, "webhook_endpoints") == 1
