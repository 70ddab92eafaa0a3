"""Inventory sync in test mode: the sandbox account's numbers imported, refreshed and released,
with exact counts, across several pages."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.settings import Settings
from providers.catalog import ProviderCatalog
from providers.sandbox.provider import PAGE_SIZE
from tests.support.api import World, data, error_code, us_number
from tests.support.app import settle

Sessions = async_sessionmaker[AsyncSession]


async def hold(world: World, numbers: list[str], **extra: Any) -> None:
    body = {"numbers": numbers, **extra}
    assert data(await world.api.post("/v1/test-helpers/inventory", world.test_key, body)) == {
        "numbers": len(set(numbers))
    }


async def sync(
    world: World, sessions: Sessions, settings: Settings, catalog: ProviderCatalog
) -> dict[str, Any]:
    body = {"provider": "sandbox"}
    task = data(await world.api.post("/v1/phone-numbers/sync", world.test_key, body), 202)
    assert task["operation"] == "sync" and task["status"] == "pending"
    await settle(sessions, settings, catalog)
    return dict(data(await world.api.get(f"/v1/bulk-tasks/{task['id']}", world.test_key)))


async def numbers_of(world: World, **filters: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 100, **filters}
    while True:
        response = await world.api.get("/v1/phone-numbers", world.test_key, params=params)
        found.extend(data(response))
        cursor = response.json()["meta"]["next_cursor"]
        if cursor is None:
            return found
        params["cursor"] = cursor


async def test_sync_imports_refreshes_and_releases_across_pages(
    world: World, sessions: Sessions, settings: Settings, catalog: ProviderCatalog
) -> None:
    registered = await world.number()  # the account holds it since it was registered
    pool = sorted({us_number() for _ in range(PAGE_SIZE + 30)})
    await hold(world, pool[:100], messaging_profile_id="MP-1")
    await hold(world, pool[100:])
    first = await sync(world, sessions, settings, catalog)
    assert first["status"] == "completed"
    assert first["counts"] == {
        "seen": len(pool) + 1,
        "added": len(pool),
        "updated": 0,
        "released": 0,
    }
    on_profile = await numbers_of(world, messaging_profile_id="MP-1")
    assert sorted(n["number"] for n in on_profile) == pool[:100]
    assert all(n["assigned"] and n["provider"] == "sandbox" for n in on_profile)

    # the provider changes: one number leaves the profile, one is released, one added
    await hold(world, [pool[0]], assigned=False)
    await world.api.post(
        "/v1/test-helpers/inventory/release", world.test_key, {"numbers": [registered["number"]]}
    )
    newcomer = us_number()
    await hold(world, [newcomer])
    second = await sync(world, sessions, settings, catalog)
    assert second["counts"] == {"seen": len(pool) + 1, "added": 1, "updated": 1, "released": 1}
    (moved,) = await numbers_of(world, number=pool[0])
    assert (moved["assigned"], moved["messaging_profile_id"]) == (False, None)
    gone = data(await world.api.get(f"/v1/phone-numbers/{registered['id']}", world.test_key))
    assert gone["assigned"] is False and gone["released_at"] is not None
    assert len(await numbers_of(world, assigned=False)) == 2

    # nothing changed: nothing counted but what was seen
    third = await sync(world, sessions, settings, catalog)
    assert third["counts"] == {"seen": len(pool) + 1, "added": 0, "updated": 0, "released": 0}


async def test_one_sync_at_a_time_per_account(world: World) -> None:
    body = {"provider": "telnyx"}
    first = data(await world.api.post("/v1/phone-numbers/sync", world.test_key, body), 202)
    again = data(await world.api.post("/v1/phone-numbers/sync", world.test_key, body), 202)
    assert again["id"] == first["id"] and first["provider"] == "telnyx"
    other = data(
        await world.api.post("/v1/phone-numbers/sync", world.test_key, {"provider": "plivo"}),
        202,
    )
    assert other["id"] != first["id"]


async def test_sync_request_is_checked(world: World) -> None:
    api, key = world.api, world.test_key
    unknown = await api.post("/v1/phone-numbers/sync", key, {"provider": "nope"})
    assert error_code(unknown) == "VALIDATION_FAILED"
    assert "provider" in unknown.json()["error"]["details"]
    extra = await api.post("/v1/phone-numbers/sync", key, {"provider": "sandbox", "x": 1})
    assert error_code(extra) == "VALIDATION_FAILED"
    live = await api.post("/v1/phone-numbers/sync", world.live_key, {"provider": "telnyx"})
    assert (live.status_code, error_code(live)) == (409, "PROVIDER_NOT_CONFIGURED")
    read_only = await world.key(scopes=["numbers:read"])
    forbidden = await api.post("/v1/phone-numbers/sync", read_only, {"provider": "sandbox"})
    assert forbidden.status_code == 403
