"""A new provider is one package and one catalog entry: a throwaway provider, unknown to
everything under ``app/``, goes through the public API from account to detach."""

import uuid
from urllib.parse import urlsplit

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.settings import Settings
from providers.base import LinkState
from providers.catalog import ProviderCatalog
from tests.providers import throwaway
from tests.support.api import Api, World, data, error_code, us_number
from tests.support.app import build_app, client_for, settle, test_catalog

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
def catalog() -> ProviderCatalog:
    return test_catalog().with_provider(throwaway.DESCRIPTOR)


async def test_import_attach_propagate_detach_through_the_api(
    world: World, sessions: Sessions, settings: Settings, catalog: ProviderCatalog
) -> None:
    api, key = world.api, world.live_key
    token = f"tok-{uuid.uuid4().hex[:8]}"
    account = data(
        await api.request("PUT", "/v1/provider-accounts/throwaway", key, {"token": token})
    )
    assert account["provider"] == "throwaway"
    assert account["credentials_hint"] == f"…{token[-2:]}"
    assert account["rate_per_s"] == 1000.0
    webhook = urlsplit(account["webhook_url"])
    prefix, _, hook_token = webhook.path.rpartition("/")
    assert prefix == "/v1/providers/throwaway/webhooks" and len(hook_token) == 48

    brand = data(
        await api.post("/v1/brands", key, {"provider": "throwaway", "provider_brand_id": "TB1"}),
        201,
    )
    assert (brand["provider"], brand["identity_status"]) == ("throwaway", "VERIFIED")
    unknown = await api.post(
        "/v1/campaigns", key, {"brand_id": brand["id"], "provider_campaign_id": "X1"}
    )
    assert (unknown.status_code, error_code(unknown)) == (422, "VALIDATION_FAILED")
    campaign = data(
        await api.post(
            "/v1/campaigns", key, {"brand_id": brand["id"], "provider_campaign_id": "TC1"}
        ),
        201,
    )
    assert campaign["status"] == "ACTIVE"
    number = data(
        await api.post("/v1/phone-numbers", key, {"number": us_number(), "provider": "throwaway"}),
        201,
    )
    assert number["assigned"] is True

    attached = data(await world.attach(number["id"], campaign["id"], key))
    assert attached["carrier_line_option_status"] == "pending"
    await settle(sessions, settings, catalog)
    linked = data(await api.get(f"/v1/phone-numbers/{number['id']}", key))
    assert linked["carrier_line_option_status"] == "propagated"
    state = throwaway.ACCOUNTS[token]
    assert state.links[number["number"]] == (LinkState.LINKED, "TC1")
    listed = data(await api.get("/v1/phone-numbers?provider=throwaway", key))
    assert [n["id"] for n in listed] == [number["id"]]

    detached = data(await api.delete(f"/v1/phone-numbers/{number['id']}/campaign", key))
    assert detached["carrier_line_option_status"] == "pending"
    await settle(sessions, settings, catalog)
    final = data(await api.get(f"/v1/phone-numbers/{number['id']}", key))
    assert (final["campaign_id"], final["carrier_line_option_status"]) == (None, None)
    assert number["number"] not in state.links
    assert state.calls == [("link", number["number"], "TC1"), ("unlink", number["number"], "TC1")]

    # it declares no webhooks: its webhook URL does not exist
    hook = await api.client.post(webhook.path, content=b"{}")
    assert (hook.status_code, error_code(hook)) == (404, "NOT_FOUND")


async def test_test_mode_serves_it_with_the_sandbox(world: World) -> None:
    body = {"provider": "throwaway", "provider_brand_id": "TB2"}
    brand = data(await world.api.post("/v1/brands", world.test_key, body), 201)
    assert (brand["provider"], brand["display_name"]) == ("throwaway", "Sandbox brand TB2")


async def test_without_the_catalog_entry_the_name_is_unknown(
    engine: AsyncEngine, sessions: Sessions, settings: Settings, world: World
) -> None:
    app = build_app(engine, settings, sessions, test_catalog())
    async with client_for(app) as client:
        body = {"provider": "throwaway", "provider_brand_id": "TB3"}
        response = await Api(client).post("/v1/brands", world.live_key, body)
        assert (response.status_code, error_code(response)) == (422, "VALIDATION_FAILED")
        assert "unknown provider 'throwaway'" in response.json()["error"]["details"]["provider"]
        put = await Api(client).request(
            "PUT", "/v1/provider-accounts/throwaway", world.live_key, {"token": "tok-000000"}
        )
        assert (put.status_code, error_code(put)) == (422, "VALIDATION_FAILED")
