"""Campaign registration in test mode: register under a verified brand, PATCH what the
provider lets change, deactivate, appeal, per-carrier status, shared campaigns (rule 4
skipped), and numbers that keep their link while their campaign is suspended."""

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.settings import Settings
from providers.catalog import ProviderCatalog
from tests.support.api import Api, World, data, error_code
from tests.support.app import settle
from tests.support.registration import (
    CAMPAIGN,
    SOLE_PROPRIETOR,
    after_review,
    brand_body,
    campaign_body,
    delayed_catalog,
)

Sessions = async_sessionmaker[AsyncSession]


async def registered(world: World, **changes: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    brand = data(await world.api.post("/v1/brands", world.test_key, brand_body()), 201)
    body = campaign_body(brand["id"], **changes)
    return brand, data(await world.api.post("/v1/campaigns", world.test_key, body), 201)


async def test_register_a_campaign(world: World, api: Api) -> None:
    brand, campaign = await registered(world)
    assert (campaign["brand_id"], campaign["provider"], campaign["shared"]) == (
        brand["id"],
        "sandbox",
        False,
    )
    assert campaign["status"] == "ACTIVE" and campaign["tcr_campaign_id"].startswith("C")
    assert {k: campaign[k] for k in CAMPAIGN} == CAMPAIGN
    again = data(await api.post("/v1/campaigns", world.test_key, campaign_body(brand["id"])), 200)
    assert again["id"] == campaign["id"]
    listed = data(await api.get(f"/v1/campaigns?brand_id={brand['id']}", world.test_key))
    assert [c["id"] for c in listed] == [campaign["id"]]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"usecase": "BAKING"}, "usecase"),
        ({"sample_messages": []}, "sample_messages"),
        ({"sample_messages": ["a"] * 6}, "sample_messages"),
        ({"help_keywords": ["HE LP"]}, "help_keywords.0"),
        ({"sub_usecases": ["NOPE"]}, "sub_usecases.0"),
        ({"description": None}, "description"),
        ({"privacy_policy_link": "nope"}, "privacy_policy_link"),
    ],
)
async def test_campaign_fields_are_checked(
    world: World, api: Api, changes: dict[str, Any], field: str
) -> None:
    brand = data(await api.post("/v1/brands", world.test_key, brand_body()), 201)
    body = {k: v for k, v in campaign_body(brand["id"], **changes).items() if v is not None}
    response = await api.post("/v1/campaigns", world.test_key, body)
    assert error_code(response) == "VALIDATION_FAILED"
    assert field in response.json()["error"]["details"]


async def test_the_provider_refuses_an_unverified_brand_with_its_words(
    world: World, api: Api
) -> None:
    brand = data(
        await api.post("/v1/brands", world.test_key, brand_body(base=SOLE_PROPRIETOR)), 201
    )
    body = campaign_body(brand["id"], usecase="SOLE_PROPRIETOR", sub_usecases=None)
    refused = await api.post("/v1/campaigns", world.test_key, {k: v for k, v in body.items() if v})
    assert (refused.status_code, error_code(refused)) == (422, "PROVIDER_REJECTED")
    assert "verified" in refused.json()["error"]["details"]["brand_id"]
    assert data(await api.get("/v1/campaigns", world.test_key)) == []


async def test_patch_changes_what_the_provider_lets_change(world: World, api: Api) -> None:
    _, campaign = await registered(world)
    path = f"/v1/campaigns/{campaign['id']}"
    changed = data(await api.patch(path, world.test_key, {"sample_messages": ["Acme: hi!"]}))
    assert changed["sample_messages"] == ["Acme: hi!"]
    assert data(await api.patch(path, world.test_key, {})) == changed
    usecase = await api.patch(path, world.test_key, {"usecase": "MARKETING"})
    assert (usecase.status_code, error_code(usecase)) == (422, "UNSUPPORTED_BY_PROVIDER")
    assert usecase.json()["error"]["details"] == {"usecase": "cannot be changed at sandbox"}


async def test_deactivate_refuses_while_numbers_are_linked(world: World, api: Api) -> None:
    _, campaign = await registered(world)
    number = await world.number()
    data(await world.attach(number["id"], campaign["id"]))
    path = f"/v1/campaigns/{campaign['id']}"
    busy = await api.delete(path, world.test_key)
    assert (busy.status_code, error_code(busy)) == (409, "CONFLICT")
    data(await api.delete(f"/v1/phone-numbers/{number['id']}/campaign", world.test_key))
    ended = data(await api.delete(path, world.test_key))
    assert ended["status"] == "DEACTIVATED"
    assert data(await api.delete(path, world.test_key)) == ended
    refused = await world.attach(number["id"], campaign["id"])
    assert error_code(refused) == "CAMPAIGN_NOT_ACTIVE"
    locked = await api.patch(path, world.test_key, {"description": "x" * 50})
    assert error_code(locked) == "CONFLICT"


async def test_appeal_only_a_rejected_campaign(world: World, api: Api) -> None:
    _, campaign = await registered(world, description="Reminders for customers [fail]")
    assert campaign["status"] == "REJECTED" and "[fail]" in campaign["failure_reasons"][0]
    path = f"/v1/campaigns/{campaign['id']}"
    appealed = data(await api.post(f"{path}/appeal", world.test_key, {"reason": "fixed it"}))
    assert (appealed["status"], appealed["failure_reasons"]) == ("ACTIVE", [])  # delay 0
    again = await api.post(f"{path}/appeal", world.test_key, {"reason": "again"})
    assert (again.status_code, error_code(again)) == (409, "CONFLICT")
    empty = await api.post(f"{path}/appeal", world.test_key, {"reason": ""})
    assert error_code(empty) == "VALIDATION_FAILED"


async def test_carriers_show_status_and_limits(world: World, api: Api) -> None:
    _, campaign = await registered(world)
    carriers = data(await api.get(f"/v1/campaigns/{campaign['id']}/carriers", world.test_key))
    by_name = {c["carrier"]: c for c in carriers}
    assert set(by_name) == {"AT&T", "T-Mobile", "Verizon Wireless", "US Cellular"}
    assert {c["status"] for c in carriers} == {"APPROVED"}
    assert (by_name["AT&T"]["tpm"], by_name["T-Mobile"]["daily_cap"]) == (240, 2000)
    assert by_name["T-Mobile"]["tier"] == "LOW" and by_name["AT&T"]["updated_at"]


async def test_shared_campaign_has_no_brand_and_skips_rule_4(world: World, api: Api) -> None:
    body = {"provider": "sandbox", "tcr_campaign_id": "C1A2B3C"}
    shared = data(await api.post("/v1/campaigns", world.test_key, body), 201)
    assert (shared["shared"], shared["brand_id"], shared["status"]) == (True, None, "ACTIVE")
    assert shared["tcr_campaign_id"] == "C1A2B3C"
    assert data(await api.post("/v1/campaigns", world.test_key, body), 200)["id"] == shared["id"]
    number = await world.number()
    linked = data(await world.attach(number["id"], shared["id"]))
    assert (linked["campaign_id"], linked["campaign_status"]) == (shared["id"], "ACTIVE")
    for refused, field in (({**body, "tcr_campaign_id": "CNOSHARE"}, "tcr_campaign_id"),):
        response = await api.post("/v1/campaigns", world.test_key, refused)
        assert error_code(response) == "PROVIDER_REJECTED"
        assert field in response.json()["error"]["details"]
    malformed = await api.post("/v1/campaigns", world.test_key, {**body, "tcr_campaign_id": "X1"})
    assert error_code(malformed) == "VALIDATION_FAILED"
    managed = await api.patch(
        f"/v1/campaigns/{shared['id']}", world.test_key, {"auto_renewal": True}
    )
    assert error_code(managed) == "CONFLICT"


async def test_numbers_keep_their_link_and_show_a_suspended_campaign(
    world: World, api: Api, sessions: Sessions, settings: Settings, catalog: ProviderCatalog
) -> None:
    _, campaign = await registered(world)
    number, other = await world.number(), await world.number()
    assert data(await world.attach(number["id"], campaign["id"]))["campaign_status"] == "ACTIVE"
    await settle(sessions, settings, catalog)
    for status in ("SUSPENDED", "EXPIRED", "DEACTIVATED"):
        data(
            await api.post(
                f"/v1/test-helpers/campaigns/{campaign['id']}/status",
                world.test_key,
                {"status": status},
            )
        )
        shown = data(await api.get(f"/v1/phone-numbers/{number['id']}", world.test_key))
        assert (shown["campaign_id"], shown["campaign_status"]) == (campaign["id"], status)
        assert shown["carrier_line_option_status"] == "propagated"
        listed = data(await api.get("/v1/phone-numbers", world.test_key))
        assert {n["campaign_status"] for n in listed} == {status, None}
        refused = await world.attach(other["id"], campaign["id"])
        assert (refused.status_code, error_code(refused)) == (409, "CAMPAIGN_NOT_ACTIVE")
    # the sandbox was told too: reading the campaign again keeps the forced status
    refreshed = data(await api.post(f"/v1/campaigns/{campaign['id']}/refresh", world.test_key))
    assert refreshed["status"] == "DEACTIVATED"
    await settle(sessions, settings, catalog)
    assert (
        data(await api.get(f"/v1/phone-numbers/{number['id']}", world.test_key))[
            "carrier_line_option_status"
        ]
        == "propagated"
    )


class TestPending:
    @pytest.fixture
    def catalog(self) -> ProviderCatalog:
        return delayed_catalog()

    async def test_pending_then_active_after_the_delay(
        self,
        world: World,
        api: Api,
        sessions: Sessions,
        settings: Settings,
        catalog: ProviderCatalog,
    ) -> None:
        brand = data(await api.post("/v1/brands", world.test_key, brand_body()), 201)
        early = await api.post("/v1/campaigns", world.test_key, campaign_body(brand["id"]))
        assert error_code(early) == "PROVIDER_REJECTED"  # the brand is still in review
        await after_review(sessions, settings, catalog)
        campaign = data(
            await api.post("/v1/campaigns", world.test_key, campaign_body(brand["id"])), 201
        )
        assert campaign["status"] == "PENDING"
        number = await world.number()
        assert error_code(await world.attach(number["id"], campaign["id"])) == "CAMPAIGN_NOT_ACTIVE"
        assert await after_review(sessions, settings, catalog) == 1
        assert data(await api.get(f"/v1/campaigns/{campaign['id']}", world.test_key))["status"] == (
            "ACTIVE"
        )
        assert data(await world.attach(number["id"], campaign["id"]))["campaign_status"] == "ACTIVE"
