"""Brands and campaigns are read again from their provider on demand (live mode, respx)."""

import respx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.jobs.context import JobContext
from app.jobs.provider_refresh import ProviderRefreshJob
from app.settings import Settings
from providers.catalog import ProviderCatalog
from tests.support.api import Api, World, data, error_code

TELNYX = "https://api.telnyx.com/v2"


async def live_telnyx(api: Api, world: World) -> None:
    body = {"api_key": "KEY-refresh-test-0001"}
    data(await api.request("PUT", "/v1/provider-accounts/telnyx", world.live_key, body))


async def read_long_ago(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Every brand and campaign was last read two hours ago: due a refresh."""
    async with sessions.begin() as session:
        for table in ("brands", "campaigns"):
            await session.execute(
                text(f"UPDATE {table} SET provider_synced_at = now() - interval '2 hours'")
            )


@respx.mock
async def test_refresh_reads_the_provider_again(api: Api, world: World) -> None:
    await live_telnyx(api, world)
    brand_route = respx.get(f"{TELNYX}/10dlc/brand/B1")
    brand_route.respond(200, json={"brandId": "B1", "identityStatus": "UNVERIFIED"})
    campaign_route = respx.get(f"{TELNYX}/10dlc/campaign/C1")
    campaign_route.respond(200, json={"brandId": "B1", "campaignStatus": "TCR_PENDING"})
    key = world.live_key
    brand = data(
        await api.post("/v1/brands", key, {"provider": "telnyx", "provider_brand_id": "B1"}), 201
    )
    body = {"brand_id": brand["id"], "provider_campaign_id": "C1"}
    campaign = data(await api.post("/v1/campaigns", key, body), 201)
    assert (brand["identity_status"], campaign["status"]) == ("UNVERIFIED", "PENDING")

    brand_route.respond(200, json={"brandId": "B1", "identityStatus": "VERIFIED", "status": "OK"})
    campaign_route.respond(200, json={"brandId": "B1", "campaignStatus": "MNO_PROVISIONED"})
    brand = data(await api.post(f"/v1/brands/{brand['id']}/refresh", key))
    campaign = data(await api.post(f"/v1/campaigns/{campaign['id']}/refresh", key))
    assert (brand["identity_status"], brand["status"]) == ("VERIFIED", "ACTIVE")
    assert campaign["status"] == "ACTIVE"

    campaign_route.respond(503, text="<html>down</html>")
    failed = await api.post(f"/v1/campaigns/{campaign['id']}/refresh", key)
    assert (failed.status_code, error_code(failed)) == (502, "PROVIDER_ERROR")
    # a failed refresh changes nothing
    again = data(await api.get(f"/v1/campaigns/{campaign['id']}", key))
    assert again["status"] == "ACTIVE"


@respx.mock
async def test_worker_refreshes_stale_brands_and_campaigns(
    api: Api,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    catalog: ProviderCatalog,
) -> None:
    """Webhooks may never come: what was not read for an interval is read again."""
    await live_telnyx(api, world)
    brand_route = respx.get(f"{TELNYX}/10dlc/brand/B2")
    brand_route.respond(200, json={"brandId": "B2", "identityStatus": "UNVERIFIED"})
    campaign_route = respx.get(f"{TELNYX}/10dlc/campaign/C2")
    campaign_route.respond(200, json={"brandId": "B2", "campaignStatus": "TCR_PENDING"})
    key = world.live_key
    body: dict[str, str] = {"provider": "telnyx", "provider_brand_id": "B2"}
    brand = data(await api.post("/v1/brands", key, body), 201)
    body = {"brand_id": brand["id"], "provider_campaign_id": "C2"}
    campaign = data(await api.post("/v1/campaigns", key, body), 201)
    async with JobContext.open(sessions, settings, catalog) as context:
        refresher = ProviderRefreshJob(context)
        assert await refresher.refresh_due() == 0  # just read: not due
        assert (brand_route.call_count, campaign_route.call_count) == (1, 1)

        brand_route.respond(200, json={"brandId": "B2", "identityStatus": "VERIFIED"})
        campaign_route.respond(503, text="<html>down</html>")
        await read_long_ago(sessions)
        assert await refresher.refresh_due() == 1  # the brand; the campaign's read failed
        assert (brand_route.call_count, campaign_route.call_count) == (2, 2)
        assert (
            data(await api.get(f"/v1/brands/{brand['id']}", key))["identity_status"] == "VERIFIED"
        )
        # a failed read is not retried at once, and changed nothing
        assert await refresher.refresh_due() == 0
        assert campaign_route.call_count == 2
        assert data(await api.get(f"/v1/campaigns/{campaign['id']}", key))["status"] == "PENDING"


@respx.mock
async def test_worker_leaves_what_was_ended_through_numlink(
    api: Api,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    catalog: ProviderCatalog,
) -> None:
    """A deleted brand and a deactivated campaign stay as numlink ended them: Telnyx forgets
    a deleted brand and shows a deactivated campaign as TCR_EXPIRED."""
    await live_telnyx(api, world)
    brand_route = respx.get(f"{TELNYX}/10dlc/brand/B3")
    brand_route.respond(200, json={"brandId": "B3", "identityStatus": "VERIFIED", "status": "OK"})
    campaign_route = respx.get(f"{TELNYX}/10dlc/campaign/C3")
    campaign_route.respond(200, json={"brandId": "B3", "campaignStatus": "MNO_PROVISIONED"})
    respx.delete(f"{TELNYX}/10dlc/campaign/C3").respond(200, json={"time": 1.0})
    respx.delete(f"{TELNYX}/10dlc/brand/B3").respond(204)
    key = world.live_key
    body: dict[str, str] = {"provider": "telnyx", "provider_brand_id": "B3"}
    brand = data(await api.post("/v1/brands", key, body), 201)
    body = {"brand_id": brand["id"], "provider_campaign_id": "C3"}
    campaign = data(await api.post("/v1/campaigns", key, body), 201)
    assert data(await api.delete(f"/v1/campaigns/{campaign['id']}", key))["status"] == "DEACTIVATED"
    assert data(await api.delete(f"/v1/brands/{brand['id']}", key))["status"] == "DELETED"
    brand_route.respond(404, json={"errors": [{"code": "10005", "title": "Not found"}]})
    campaign_route.respond(200, json={"brandId": "B3", "campaignStatus": "TCR_EXPIRED"})
    await read_long_ago(sessions)
    async with JobContext.open(sessions, settings, catalog) as context:
        assert await ProviderRefreshJob(context).refresh_due() == 0
    assert (brand_route.call_count, campaign_route.call_count) == (1, 1)
    assert data(await api.get(f"/v1/campaigns/{campaign['id']}", key))["status"] == "DEACTIVATED"
