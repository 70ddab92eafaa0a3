"""Idempotency-Key: replay, reuse, concurrency, scope per API key, expiry."""

import asyncio
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import text

from app.kit.idempotency import purge_expired
from tests.committed import CommittedWorld, committed_world
from tests.conftest import test_settings
from tests.support import data, error_code, us_number


@pytest.fixture
async def cw(fresh_db: Callable[[], str]) -> CommittedWorld:  # type: ignore[misc]
    async with committed_world(fresh_db, test_settings()) as world:
        yield world


def idem(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


async def count_numbers(cw: CommittedWorld) -> int:
    return int(await cw.scalar("SELECT count(*) FROM phone_numbers"))


async def test_same_request_replays_the_stored_response(cw: CommittedWorld) -> None:
    body = {"number": us_number(), "provider": "sandbox"}
    key = cw.world.test_key
    first = await cw.api.post("/v1/phone-numbers", key, body, headers=idem("k1"))
    assert first.status_code == 201
    reordered = {"provider": "sandbox", "number": body["number"]}
    second = await cw.api.post("/v1/phone-numbers", key, reordered, headers=idem("k1"))
    assert second.status_code == 201
    assert second.content == first.content  # the original request_id included
    assert second.headers["idempotent-replayed"] == "true"
    assert await count_numbers(cw) == 1
    fresh = await cw.api.post("/v1/phone-numbers", key, body, headers=idem("k2"))
    assert error_code(fresh) == "CONFLICT"


async def test_different_request_same_key_is_rejected(cw: CommittedWorld) -> None:
    key = cw.world.test_key
    data(
        await cw.api.post(
            "/v1/phone-numbers",
            key,
            {"number": us_number(), "provider": "sandbox"},
            headers=idem("k"),
        ),
        201,
    )
    other_body = await cw.api.post(
        "/v1/phone-numbers", key, {"number": us_number(), "provider": "sandbox"}, headers=idem("k")
    )
    assert (other_body.status_code, error_code(other_body)) == (422, "IDEMPOTENCY_KEY_REUSED")
    other_path = await cw.api.post(
        "/v1/brands", key, {"provider": "sandbox", "provider_brand_id": "B"}, headers=idem("k")
    )
    assert error_code(other_path) == "IDEMPOTENCY_KEY_REUSED"
    assert await count_numbers(cw) == 1


async def test_keys_are_scoped_per_api_key(cw: CommittedWorld) -> None:
    other_key = await cw.world.key()
    for key in (cw.world.test_key, other_key):
        body = {"number": us_number(), "provider": "sandbox"}
        data(await cw.api.post("/v1/phone-numbers", key, body, headers=idem("shared")), 201)
    assert await count_numbers(cw) == 2


async def test_concurrent_same_key_is_409_in_progress(cw: CommittedWorld) -> None:
    campaign = await cw.world.campaign()
    number = await cw.world.number()
    path = f"/v1/phone-numbers/{number['id']}/campaign"
    async with cw.engine.connect() as blocker:
        lock = await blocker.begin()
        await blocker.execute(
            text("SELECT 1 FROM phone_numbers WHERE id = :id FOR UPDATE"), {"id": number["id"]}
        )
        first = asyncio.create_task(
            cw.api.post(
                path, cw.world.test_key, {"campaign_id": campaign["id"]}, headers=idem("race")
            )
        )
        await asyncio.sleep(0.3)  # the first request now waits on the row lock
        second = await cw.api.post(
            path, cw.world.test_key, {"campaign_id": campaign["id"]}, headers=idem("race")
        )
        assert (second.status_code, error_code(second)) == (409, "IDEMPOTENCY_IN_PROGRESS")
        await lock.rollback()
    assert (await first).status_code == 200
    replay = await cw.api.post(
        path, cw.world.test_key, {"campaign_id": campaign["id"]}, headers=idem("race")
    )
    assert replay.headers.get("idempotent-replayed") == "true"


async def test_failed_request_releases_its_key(cw: CommittedWorld) -> None:
    campaign = await cw.world.campaign(status="PENDING")
    number = await cw.world.number()
    path = f"/v1/phone-numbers/{number['id']}/campaign"
    body = {"campaign_id": campaign["id"]}
    assert (
        error_code(await cw.api.post(path, cw.world.test_key, body, headers=idem("f")))
        == "CAMPAIGN_NOT_ACTIVE"
    )
    await cw.api.post(
        f"/v1/test-helpers/campaigns/{campaign['id']}/status",
        cw.world.test_key,
        {"status": "ACTIVE"},
    )
    retried = data(await cw.api.post(path, cw.world.test_key, body, headers=idem("f")))
    assert retried["carrier_line_option_status"] == "pending"


async def test_expired_and_abandoned_keys(cw: CommittedWorld) -> None:
    key = cw.world.test_key
    data(
        await cw.api.post(
            "/v1/phone-numbers",
            key,
            {"number": us_number(), "provider": "sandbox"},
            headers=idem("old"),
        ),
        201,
    )
    async with cw.engine.begin() as conn:
        await conn.execute(
            text("UPDATE idempotency_keys SET created_at = now() - interval '25 hours'")
        )
    # older than 24 h: treated as absent, the new request runs
    data(
        await cw.api.post(
            "/v1/phone-numbers",
            key,
            {"number": us_number(), "provider": "sandbox"},
            headers=idem("old"),
        ),
        201,
    )
    assert await count_numbers(cw) == 2
    async with cw.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO idempotency_keys (api_key_id, key, fingerprint, created_at)"
                " SELECT api_key_id, 'dead', 'x', now() - interval '2 minutes'"
                " FROM idempotency_keys LIMIT 1"
            )
        )
    # a reservation with no response for longer than the stale limit is taken over
    data(
        await cw.api.post(
            "/v1/brands",
            key,
            {"provider": "sandbox", "provider_brand_id": "B"},
            headers=idem("dead"),
        ),
        201,
    )
    async with cw.sessions.begin() as session:
        await session.execute(
            text(
                "UPDATE idempotency_keys SET created_at = now() - interval '25 hours'"
                " WHERE key = 'dead'"
            )
        )
        assert await purge_expired(session, timedelta(hours=24)) == 1
    assert await cw.scalar("SELECT count(*) FROM idempotency_keys") == 1


@pytest.mark.parametrize("value", ["", "x" * 256])
async def test_invalid_key_values(cw: CommittedWorld, value: str) -> None:
    response = await cw.api.post(
        "/v1/brands",
        cw.world.test_key,
        {"provider": "sandbox", "provider_brand_id": "B"},
        headers=idem(value),
    )
    assert error_code(response) == "VALIDATION_FAILED"


async def test_get_ignores_the_header(cw: CommittedWorld) -> None:
    for _ in range(2):
        response = await cw.api.get("/v1/brands", cw.world.test_key, headers=idem("g"))
        assert response.status_code == 200 and "idempotent-replayed" not in response.headers
    assert await cw.scalar("SELECT count(*) FROM idempotency_keys") == 0
