"""Endpoints choose their events and are changed by PATCH (re-enabled included); the
deliveries log and retry, through the API, with tenancy."""

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.events.types import EventType
from tests.support.api import Api, World, data, error_code

ENDPOINTS = "/v1/webhook-endpoints"
CHANGED = EventType.PHONE_NUMBER_CAMPAIGN_CHANGED.value
UPDATED = EventType.PHONE_NUMBER_LINE_OPTION_UPDATED.value
CREATED = EventType.PHONE_NUMBER_CREATED.value


async def create(api: Api, key: str, **body: Any) -> Any:
    return data(await api.post(ENDPOINTS, key, {"url": "https://example.com/h", **body}), 201)


async def attach_one(world: World) -> dict[str, Any]:
    number, campaign = await world.number(), await world.campaign()
    return dict(data(await world.attach(number["id"], campaign["id"])))


async def sql(sessions: async_sessionmaker[AsyncSession], statement: str, **params: Any) -> Any:
    async with sessions.begin() as session:
        result: Any = await session.execute(text(statement), params)
        return result.all() if result.returns_rows else None


async def test_enabled_events_default_to_all_and_are_kept_sorted(api: Api, world: World) -> None:
    everything = await create(api, world.test_key)
    assert everything["enabled_events"] is None and everything["disabled_reason"] is None
    chosen = await create(api, world.test_key, enabled_events=[UPDATED, CHANGED, UPDATED])
    assert chosen["enabled_events"] == sorted([CHANGED, UPDATED])
    got = data(await api.get(f"{ENDPOINTS}/{chosen['id']}", world.test_key))
    assert got["enabled_events"] == chosen["enabled_events"]


@pytest.mark.parametrize(
    ("events", "field"),
    [
        (["phone_number.nope"], "enabled_events.0"),
        ([CHANGED, 7], "enabled_events.1"),
        ([], "enabled_events"),
        ("brand.updated", "enabled_events"),
    ],
)
async def test_unknown_event_types_are_422(api: Api, world: World, events: Any, field: str) -> None:
    response = await api.post(
        ENDPOINTS, world.test_key, {"url": "https://example.com/h", "enabled_events": events}
    )
    assert (response.status_code, error_code(response)) == (422, "VALIDATION_FAILED")
    assert field in response.json()["error"]["details"]


async def test_only_subscribed_events_are_queued(
    api: Api, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    only_changed = await create(api, world.test_key, enabled_events=[CHANGED])
    every = await create(api, world.test_key)
    await attach_one(world)
    rows = await sql(
        sessions,
        "SELECT endpoint_id::text, event_type FROM webhook_deliveries WHERE org_id = :org",
        org=world.org_id,
    )
    assert sorted(t for e, t in rows if e == only_changed["id"]) == [CHANGED]
    assert sorted(t for e, t in rows if e == every["id"]) == sorted([CREATED, CHANGED])


async def test_patch_changes_only_what_is_sent(api: Api, world: World) -> None:
    endpoint = await create(api, world.test_key, description="orders")
    path = f"{ENDPOINTS}/{endpoint['id']}"
    changed = data(
        await api.patch(
            path, world.test_key, {"url": "https://example.org/new", "enabled_events": [CHANGED]}
        )
    )
    assert (changed["url"], changed["description"], changed["enabled_events"]) == (
        "https://example.org/new",
        "orders",
        [CHANGED],
    )
    assert "secret" not in changed and changed["updated_at"] >= endpoint["updated_at"]
    cleared = data(
        await api.patch(path, world.test_key, {"description": None, "enabled_events": None})
    )
    assert (cleared["description"], cleared["enabled_events"]) == (None, None)
    assert data(await api.patch(path, world.test_key, {})) == cleared
    for body, field in [
        ({"url": None}, "url"),
        ({"url": "ftp://x/"}, "url"),
        ({"disabled": None}, "disabled"),
        ({"enabled_events": ["nope"]}, "enabled_events.0"),
        ({"secret": "whsec_x"}, "secret"),
    ]:
        refused = await api.patch(path, world.test_key, body)
        assert (refused.status_code, error_code(refused)) == (422, "VALIDATION_FAILED"), body
        assert field in refused.json()["error"]["details"]
    assert data(await api.get(path, world.test_key)) == cleared


async def test_patch_checks_live_targets_and_tenancy(api: Api, world: World) -> None:
    live = await create(api, world.live_key, url="https://93.184.216.34/h")
    path = f"{ENDPOINTS}/{live['id']}"
    private = await api.patch(path, world.live_key, {"url": "http://[2002:a00:1::]/"})
    assert (private.status_code, error_code(private)) == (422, "VALIDATION_FAILED")
    assert "embedded 10.0.0.1" in private.json()["error"]["details"]["url"]
    other = await World.create(api, world.sessions)
    for key in (other.live_key, world.test_key):  # another org, or the other mode
        hidden = await api.patch(path, key, {"description": "x"})
        assert (hidden.status_code, error_code(hidden)) == (404, "NOT_FOUND")
    assert data(await api.get(path, world.live_key))["description"] is None


async def test_disable_and_re_enable(
    api: Api, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    endpoint = await create(api, world.test_key)
    path = f"{ENDPOINTS}/{endpoint['id']}"
    disabled = data(await api.patch(path, world.test_key, {"disabled": True}))
    assert disabled["disabled_at"] and disabled["disabled_reason"] == "disabled by request"
    await attach_one(world)
    queued = "SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = :id"
    assert (await sql(sessions, queued, id=endpoint["id"]))[0][0] == 0
    await sql(
        sessions,
        "UPDATE webhook_endpoints SET failing_since = now() WHERE id = :id",
        id=endpoint["id"],
    )
    enabled = data(await api.patch(path, world.test_key, {"disabled": False}))
    assert (enabled["disabled_at"], enabled["disabled_reason"]) == (None, None)
    [(failing_since,)] = await sql(
        sessions, "SELECT failing_since FROM webhook_endpoints WHERE id = :id", id=endpoint["id"]
    )
    assert failing_since is None
    await attach_one(world)
    assert (await sql(sessions, queued, id=endpoint["id"]))[0][0] == 2  # created, linked


async def test_deliveries_log_pages_and_shows_each_attempt(
    api: Api, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    endpoint = await create(api, world.test_key)
    path = f"{ENDPOINTS}/{endpoint['id']}/deliveries"
    await attach_one(world)
    await attach_one(world)
    every = data(await api.get(path, world.test_key, params={"limit": 100}))
    assert len(every) == 4  # per number: created, campaign changed
    first = every[0]
    assert set(first) == {
        "id",
        "event_id",
        "event_type",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
        "created_at",
    }
    assert (first["status"], first["attempts"], first["delivered_at"]) == ("pending", 0, None)
    assert [d["id"] for d in every] == sorted((d["id"] for d in every), reverse=True)
    [(event_type,)] = await sql(
        sessions, "SELECT type FROM events WHERE id = :id", id=first["event_id"]
    )
    assert event_type == first["event_type"]
    page = await api.get(path, world.test_key, params={"limit": 3})
    assert page.json()["meta"]["total"] == 4 and page.json()["meta"]["next_cursor"]
    rest = await api.get(
        path, world.test_key, params={"limit": 3, "cursor": page.json()["meta"]["next_cursor"]}
    )
    assert [d["id"] for d in data(page) + data(rest)] == [d["id"] for d in every]
    other = await World.create(api, world.sessions)
    hidden = await api.get(path, other.test_key)
    assert (hidden.status_code, error_code(hidden)) == (404, "NOT_FOUND")
    no_scope = await world.key(scopes=["numbers:read"])
    assert (await api.get(path, no_scope)).status_code == 403


async def test_retry_schedules_any_delivery_now(
    api: Api, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    endpoint = await create(api, world.test_key)
    base = f"{ENDPOINTS}/{endpoint['id']}/deliveries"
    await attach_one(world)
    delivery = data(await api.get(base, world.test_key))[0]
    await sql(
        sessions,
        "UPDATE webhook_deliveries SET next_attempt_at = NULL, delivered_at = now(),"
        " attempts = 1, last_status_code = 204 WHERE id = :id",
        id=delivery["id"],
    )
    listed = data(await api.get(base, world.test_key))[0]
    assert (listed["status"], listed["last_status_code"]) == ("delivered", 204)
    retried = data(await api.post(f"{base}/{delivery['id']}/retry", world.test_key))
    assert (retried["id"], retried["status"], retried["attempts"]) == (delivery["id"], "pending", 1)
    assert retried["next_attempt_at"] is not None and retried["event_id"] == delivery["event_id"]
    # an attempt holding it now: 409, and nothing changes
    await sql(
        sessions,
        "UPDATE webhook_deliveries SET lease_owner = 'w',"
        " next_attempt_at = now() + interval '1 min'"
        " WHERE id = :id",
        id=delivery["id"],
    )
    busy = await api.post(f"{base}/{delivery['id']}/retry", world.test_key)
    assert (busy.status_code, error_code(busy)) == (409, "CONFLICT")


async def test_retry_is_404_across_orgs_and_endpoints_and_409_when_disabled(
    api: Api, world: World
) -> None:
    endpoint = await create(api, world.test_key)
    elsewhere = await create(api, world.test_key)
    await attach_one(world)
    base = f"{ENDPOINTS}/{endpoint['id']}/deliveries"
    delivery = data(await api.get(base, world.test_key))[0]
    other = await World.create(api, world.sessions)
    for key, path in [
        (other.test_key, f"{base}/{delivery['id']}/retry"),
        (world.live_key, f"{base}/{delivery['id']}/retry"),
        (world.test_key, f"{ENDPOINTS}/{elsewhere['id']}/deliveries/{delivery['id']}/retry"),
        (world.test_key, f"{base}/not-an-id/retry"),
    ]:
        response = await api.post(path, key)
        assert (response.status_code, error_code(response)) == (404, "NOT_FOUND"), path
    await api.delete(f"{ENDPOINTS}/{endpoint['id']}", world.test_key)
    disabled = await api.post(f"{base}/{delivery['id']}/retry", world.test_key)
    assert (disabled.status_code, error_code(disabled)) == (409, "CONFLICT")
