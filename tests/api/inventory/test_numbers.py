"""A number's inventory: refresh, delete, list filters, and the end of the trap where a number
not assigned at registration answered 409 NUMBER_NOT_ASSIGNED forever."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.settings import Settings
from providers.catalog import ProviderCatalog
from tests.support.api import World, data, error_code, us_number
from tests.support.app import settle

Sessions = async_sessionmaker[AsyncSession]


async def test_not_assigned_at_registration_becomes_attachable(
    world: World, sessions: Sessions, settings: Settings, catalog: ProviderCatalog
) -> None:
    api, key = world.api, world.test_key
    campaign = await world.campaign()
    number = await world.number(assigned=False)  # not on a messaging profile at the provider
    refused = await world.attach(number["id"], campaign["id"])
    assert (refused.status_code, error_code(refused)) == (409, "NUMBER_NOT_ASSIGNED")
    again = await api.post(
        "/v1/phone-numbers", key, {"number": number["number"], "provider": "sandbox"}
    )
    assert error_code(again) == "CONFLICT"

    # the number goes on a messaging profile at the provider: a refresh sees it
    body = {"numbers": [number["number"]], "messaging_profile_id": "MP-A"}
    data(await api.post("/v1/test-helpers/inventory", key, body))
    refreshed = data(await api.post(f"/v1/phone-numbers/{number['id']}/refresh", key))
    assert (refreshed["assigned"], refreshed["messaging_profile_id"]) == (True, "MP-A")
    attached = data(await world.attach(number["id"], campaign["id"]))
    assert attached["carrier_line_option_status"] == "pending"
    await settle(sessions, settings, catalog)
    final = data(await api.get(f"/v1/phone-numbers/{number['id']}", key))
    assert final["carrier_line_option_status"] == "propagated"


async def test_a_sync_makes_an_unassigned_number_attachable(
    world: World, sessions: Sessions, settings: Settings, catalog: ProviderCatalog
) -> None:
    api, key = world.api, world.test_key
    campaign = await world.campaign()
    number = await world.number(assigned=False)
    data(await api.post("/v1/test-helpers/inventory", key, {"numbers": [number["number"]]}))
    task = data(await api.post("/v1/phone-numbers/sync", key, {"provider": "sandbox"}), 202)
    await settle(sessions, settings, catalog)
    assert data(await api.get(f"/v1/bulk-tasks/{task['id']}", key))["counts"]["updated"] == 1
    assert data(await world.attach(number["id"], campaign["id"]))["campaign_id"] == campaign["id"]


async def test_refresh_of_a_released_number(world: World) -> None:
    api, key = world.api, world.test_key
    number = await world.number()
    data(await api.post("/v1/test-helpers/inventory/release", key, {"numbers": [number["number"]]}))
    released = data(await api.post(f"/v1/phone-numbers/{number['id']}/refresh", key))
    assert released["assigned"] is False and released["released_at"] is not None
    # a number the account no longer holds cannot be registered (in another org, say)
    data(await api.delete(f"/v1/phone-numbers/{number['id']}", key))
    body = {"number": number["number"], "provider": "sandbox"}
    again = await api.post("/v1/phone-numbers", key, body)
    assert (again.status_code, error_code(again)) == (422, "VALIDATION_FAILED")
    missing = await api.post("/v1/phone-numbers/nope/refresh", key)
    assert (missing.status_code, error_code(missing)) == (404, "NOT_FOUND")


async def test_delete_stops_managing_a_number(
    world: World, sessions: Sessions, settings: Settings, catalog: ProviderCatalog
) -> None:
    api, key = world.api, world.test_key
    campaign = await world.campaign()
    number = await world.number()
    data(await world.attach(number["id"], campaign["id"]))
    await settle(sessions, settings, catalog)
    linked = await api.delete(f"/v1/phone-numbers/{number['id']}", key)
    assert (linked.status_code, error_code(linked)) == (409, "CONFLICT")
    data(await api.delete(f"/v1/phone-numbers/{number['id']}/campaign", key))
    pending = await api.delete(f"/v1/phone-numbers/{number['id']}", key)
    assert (pending.status_code, error_code(pending)) == (409, "CONFLICT")  # detach in flight
    await settle(sessions, settings, catalog)
    deleted = data(await api.delete(f"/v1/phone-numbers/{number['id']}", key))
    assert deleted["id"] == number["id"] and deleted["number"] == number["number"]
    gone = await api.get(f"/v1/phone-numbers/{number['id']}", key)
    assert gone.status_code == 404
    # the account still holds it: it can be registered again
    data(
        await api.post(
            "/v1/phone-numbers", key, {"number": number["number"], "provider": "sandbox"}
        ),
        201,
    )
    assert (await api.delete(f"/v1/phone-numbers/{number['id']}", key)).status_code == 404


async def test_list_filters(world: World) -> None:
    api, key = world.api, world.test_key
    labelled = data(
        await api.post(
            "/v1/phone-numbers",
            key,
            {"number": us_number(), "provider": "sandbox", "label": "shop"},
        ),
        201,
    )
    other = await world.number(assigned=False)

    async def ids(**params: object) -> set[str]:
        return {n["id"] for n in data(await api.get("/v1/phone-numbers", key, params=params))}

    assert await ids(label="shop") == {labelled["id"]}
    assert await ids(number=other["number"]) == {other["id"]}
    assert await ids(assigned="false") == {other["id"]}
    assert await ids(assigned="true") == {labelled["id"]}
    assert await ids(messaging_profile_id="none-such") == set()
    bad = await api.get("/v1/phone-numbers", key, params={"assigned": "perhaps"})
    assert (bad.status_code, error_code(bad)) == (422, "VALIDATION_FAILED")


async def test_batch_registration_has_per_item_results(
    world: World, sessions: Sessions, settings: Settings, catalog: ProviderCatalog
) -> None:
    api, key = world.api, world.test_key
    known = await world.number()
    released = us_number()
    data(await api.post("/v1/test-helpers/inventory/release", key, {"numbers": [released]}))
    fresh = [us_number() for _ in range(150)]
    numbers = [*fresh, known["number"], "12345", fresh[0], released, 7]
    body = {"provider": "sandbox", "numbers": numbers, "label": "import"}
    task = data(await api.post("/v1/phone-numbers/batch", key, body), 202)
    assert (task["operation"], task["status"], task["counts"]["total"]) == (
        "register",
        "pending",
        155,
    )
    await settle(sessions, settings, catalog)
    done = data(await api.get(f"/v1/bulk-tasks/{task['id']}", key))
    assert done["status"] == "completed"
    assert done["counts"] == {"total": 155, "succeeded": 150, "failed": 5, "pending": 0}
    items = data(await api.get(f"/v1/bulk-tasks/{task['id']}/items", key, params={"limit": 1000}))
    assert [i["outcome"] for i in items[:150]] == ["registered"] * 150
    assert [(i["outcome"], i["error_code"]) for i in items[150:]] == [
        ("rejected", "CONFLICT"),
        ("rejected", "VALIDATION_FAILED"),
        ("rejected", "DUPLICATE_IN_REQUEST"),
        ("rejected", "NOT_AT_PROVIDER"),
        ("rejected", "VALIDATION_FAILED"),
    ]
    assert all(i["error"] for i in items[150:])
    labelled = data(
        await api.get("/v1/phone-numbers", key, params={"label": "import", "limit": 100})
    )
    assert len(labelled) == 100 and all(n["assigned"] for n in labelled)


async def test_batch_request_is_checked(world: World) -> None:
    api, key = world.api, world.test_key
    empty = await api.post("/v1/phone-numbers/batch", key, {"provider": "sandbox", "numbers": []})
    assert "numbers" in empty.json()["error"]["details"]
    too_many = {"provider": "sandbox", "numbers": ["+12025550100"] * 10_001}
    big = await api.post("/v1/phone-numbers/batch", key, too_many)
    assert big.status_code in (413, 422)
    unknown = await api.post(
        "/v1/phone-numbers/batch", key, {"provider": "x", "numbers": ["+12025550100"]}
    )
    assert error_code(unknown) == "VALIDATION_FAILED"
