"""Campaigns: import under a brand, get, list filters."""

import uuid

from tests.support.api import Api, World, data, error_code


async def test_campaign_import_takes_the_brands_provider(api: Api, world: World) -> None:
    brand = await world.brand("plivo")
    campaign = data(
        await api.post(
            "/v1/campaigns",
            world.test_key,
            {"brand_id": brand["id"], "provider_campaign_id": "CP-1"},
        ),
        201,
    )
    assert (campaign["provider"], campaign["brand_id"], campaign["status"]) == (
        "plivo",
        brand["id"],
        "ACTIVE",
    )
    assert campaign["tcr_campaign_id"] and campaign["provider_status"] == "ACTIVE"
    missing = await api.post(
        "/v1/campaigns",
        world.test_key,
        {"brand_id": str(uuid.uuid4()), "provider_campaign_id": "X"},
    )
    assert (missing.status_code, error_code(missing)) == (404, "NOT_FOUND")
    other_org = await World.create(api, world.sessions)
    foreign = await api.post(
        "/v1/campaigns",
        other_org.test_key,
        {"brand_id": brand["id"], "provider_campaign_id": "CP-1"},
    )
    assert (foreign.status_code, error_code(foreign)) == (404, "NOT_FOUND")
    fetched = data(await api.get(f"/v1/campaigns/{campaign['id']}", world.test_key))
    assert fetched == campaign
    assert [c["id"] for c in data(await api.get("/v1/campaigns", world.test_key))] == [
        campaign["id"]
    ]


async def test_campaign_list_filters(api: Api, world: World) -> None:
    first, second = await world.brand(), await world.brand()
    a = await world.campaign(first)
    b = await world.campaign(second, status="EXPIRED")
    by_brand = data(await api.get(f"/v1/campaigns?brand_id={first['id']}", world.test_key))
    assert [c["id"] for c in by_brand] == [a["id"]]
    expired = data(await api.get("/v1/campaigns?status=EXPIRED", world.test_key))
    assert [c["id"] for c in expired] == [b["id"]]
    for query in ("status=GONE", "brand_id=12"):
        assert (
            error_code(await api.get(f"/v1/campaigns?{query}", world.test_key))
            == "VALIDATION_FAILED"
        )
