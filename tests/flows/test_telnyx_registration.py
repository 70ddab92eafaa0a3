"""From nothing to a propagated link on Telnyx, through the public API with a live key, against
the stateful fake behind Prism's proxy (every request and answer checked against Telnyx's
spec): register brand → VERIFIED → qualify → campaign → ACTIVE → attach → propagated, and
the same request sequence in test mode answers the same shapes. Then the other registration
operations, as a user would call them."""

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.settings import Settings
from providers.catalog import ProviderCatalog
from tests.providers.telnyx.fake_server import FakeTelnyx
from tests.providers.telnyx.spec_checked import SpecCheckedProxy, spec_checked
from tests.support.api import Api, World, data, error_code, us_number
from tests.support.app import test_catalog, test_settings
from tests.support.live import TelnyxSigner, put_account, settle
from tests.support.registration import (
    DELAY_S,
    after_review,
    brand_body,
    campaign_body,
    lifecycle,
    run_registration_jobs,
    same_shape,
)

Sessions = async_sessionmaker[AsyncSession]
KEY = "KEY-registration-flow-01"
REVIEW_S = 0.1  # how long the fake Telnyx reviews a brand or campaign


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeTelnyx]:
    with FakeTelnyx(KEY, settle_after_s=REVIEW_S) as f:
        yield f


@pytest.fixture(scope="module")
def proxy(fake: FakeTelnyx, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SpecCheckedProxy]:
    with spec_checked(fake, tmp_path_factory.mktemp("prism-flow")) as recorder:
        yield recorder


@pytest.fixture
def settings() -> Settings:
    return test_settings(registration_poll_s=0.02, registration_poll_cap_s=0.05)


@pytest.fixture
def catalog(proxy: SpecCheckedProxy) -> ProviderCatalog:
    proxy.clear()
    return test_catalog(sandbox={"delay_s": DELAY_S}, telnyx={"base_url": proxy.base_url})


async def fake_reviews_end(
    sessions: Sessions, settings: Settings, catalog: ProviderCatalog
) -> None:
    """Wait out the fake's review, then run the registration jobs (which read it)."""
    await asyncio.sleep(REVIEW_S + 0.05)
    await run_registration_jobs(sessions, settings, catalog)


async def test_brand_to_propagated_link_live_and_in_test_mode(
    world: World, api: Api, sessions: Sessions, settings: Settings, catalog: ProviderCatalog,
    fake: FakeTelnyx, proxy: SpecCheckedProxy,
) -> None:  # fmt: skip
    key = world.live_key
    await put_account(api, key, "telnyx", {"api_key": KEY})
    live_steps, campaign = await lifecycle(
        api, key, "telnyx", lambda: fake_reviews_end(sessions, settings, catalog)
    )
    assert campaign["provider_status"] == "MNO_PROVISIONED"
    held = {c["campaignId"]: c for c in fake.registered()["campaigns"]}
    assert held[campaign["provider_campaign_id"]]["referenceId"].startswith("nl_")
    carriers = data(await api.get(f"/v1/campaigns/{campaign['id']}/carriers", key))
    assert {(c["carrier"], c["status"]) for c in carriers} == {
        ("AT&T", "APPROVED"), ("T-Mobile", "APPROVED"), ("Verizon Wireless", "APPROVED"),
    }  # fmt: skip

    numbers = []
    for _ in range(2):
        body = {"number": us_number(), "provider": "telnyx"}
        numbers.append(data(await api.post("/v1/phone-numbers", key, body), 201))
    for number in numbers:
        attached = data(await world.attach(number["id"], campaign["id"], key))
        assert attached["carrier_line_option_status"] == "pending"
    await settle(sessions, settings, catalog)
    for number in numbers:
        linked = data(await api.get(f"/v1/phone-numbers/{number['id']}", key))
        assert (linked["carrier_line_option_status"], linked["campaign_status"]) == (
            "propagated",
            "ACTIVE",
        )
        assert fake.assignments[number["number"]] == (campaign["provider_campaign_id"], "ASSIGNED")
    assert proxy.violations == []
    calls = set(proxy.calls())
    assert {("POST", "/10dlc/brand"), ("POST", "/10dlc/campaignBuilder")} <= calls

    async def sandbox_reviews_end() -> None:
        await after_review(sessions, settings, catalog)

    test_steps, _ = await lifecycle(api, world.test_key, "telnyx", sandbox_reviews_end)
    assert [s[:2] for s in test_steps] == [s[:2] for s in live_steps]
    for (name, _, live_shape), (_, _, test_shape) in zip(live_steps, test_steps, strict=True):
        assert same_shape(live_shape, test_shape), name


async def test_every_operation_through_the_api(
    world: World, api: Api, sessions: Sessions, settings: Settings, catalog: ProviderCatalog,
    fake: FakeTelnyx, proxy: SpecCheckedProxy,
) -> None:  # fmt: skip
    key = world.live_key
    await put_account(api, key, "telnyx", {"api_key": KEY})

    async def reviewed(path: str) -> Any:
        await fake_reviews_end(sessions, settings, catalog)
        return data(await api.get(path, key))

    refused = await api.post("/v1/brands", key, brand_body("telnyx", display_name="[reject]"))
    assert (refused.status_code, error_code(refused)) == (422, "PROVIDER_REJECTED")
    assert refused.json()["error"]["details"] == {
        "display_name": "telnyx: Display name is not allowed"
    }

    body = brand_body("telnyx", display_name="Acme [fail]")
    failing = data(await api.post("/v1/brands", key, body), 201)
    failed = await reviewed(f"/v1/brands/{failing['id']}")
    assert (failed["status"], failed["failure_reasons"]) == (
        "FAILED",
        ["Tax Id does not match the company name"],
    )
    feedback = data(await api.get(f"/v1/brands/{failing['id']}/feedback", key))
    assert feedback["fields"].keys() >= {"ein", "company_name"}

    brand = data(await api.post("/v1/brands", key, brand_body("telnyx", city="Oakland")), 201)
    path = f"/v1/brands/{brand['id']}"
    assert (await reviewed(path))["identity_status"] == "VERIFIED"
    two_fa = await api.post(f"{path}/2fa-email", key, {})
    assert (two_fa.status_code, error_code(two_fa)) == (422, "PROVIDER_REJECTED")  # not public
    patched = data(await api.patch(path, key, {"website": "https://acme.example/new"}))
    assert patched["website"] == "https://acme.example/new"
    order = {"evp_id": "AEGIS", "vetting_class": "STANDARD"}
    ordered = data(await api.post(f"{path}/vettings", key, order), 201)
    assert ordered["status"] == "PENDING"
    await asyncio.sleep(REVIEW_S + 0.05)
    (vetting,) = data(await api.get(f"{path}/vettings", key))
    assert (vetting["status"], vetting["score"]) == ("COMPLETED", 80)
    data(await api.post(f"{path}/revet", key, {}))
    qualified = data(await api.get(f"{path}/usecases/MIXED", key))
    assert qualified["qualifies"] and qualified["cost"]["upfront"] == "30.00"

    campaign = data(await api.post("/v1/campaigns", key, campaign_body(brand["id"])), 201)
    cpath = f"/v1/campaigns/{campaign['id']}"
    assert (await reviewed(cpath))["status"] == "ACTIVE"
    changed = data(await api.patch(cpath, key, {"sample_messages": ["Acme: see you at 10."]}))
    assert changed["sample_messages"] == ["Acme: see you at 10."]
    fixed = await api.patch(cpath, key, {"description": "Something else entirely here."})
    assert (fixed.status_code, error_code(fixed)) == (422, "UNSUPPORTED_BY_PROVIDER")
    body = campaign_body(brand["id"], description="Reminders for Acme customers [fail].")
    rejected = data(await api.post("/v1/campaigns", key, body), 201)
    rpath = f"/v1/campaigns/{rejected['id']}"
    assert (await reviewed(rpath))["status"] == "REJECTED"
    appealed = data(await api.post(f"{rpath}/appeal", key, {"reason": "Samples fixed."}))
    assert (appealed["status"], appealed["provider_status"]) == ("PENDING", "TCR_ACCEPTED")

    busy = await api.delete(path, key)
    assert (busy.status_code, error_code(busy)) == (409, "CONFLICT")
    for ended in (cpath, rpath):
        assert data(await api.delete(ended, key))["status"] == "DEACTIVATED"
    assert data(await api.delete(path, key))["status"] == "DELETED"

    accept = {"provider": "telnyx", "tcr_campaign_id": "CPARTN1"}
    shared = data(await api.post("/v1/campaigns", key, accept), 201)
    assert (shared["shared"], shared["brand_id"], shared["status"]) == (True, None, "ACTIVE")
    assert data(await api.post("/v1/campaigns", key, accept))["id"] == shared["id"]
    assert proxy.violations == []
    oakland = [b for b in fake.registered()["brands"] if b.get("city") == "Oakland"]
    assert len(oakland) == 1 and oakland[0]["website"] == "https://acme.example/new"


async def test_telnyx_events_move_what_was_registered(
    world: World, api: Api, sessions: Sessions, settings: Settings, catalog: ProviderCatalog,
    fake: FakeTelnyx, proxy: SpecCheckedProxy,
) -> None:  # fmt: skip
    """Telnyx sends a registered brand's and campaign's events to the webhook URLs numlink gave
    it (the brand's carries numlink's reference): they apply without any poll."""
    signer = TelnyxSigner()
    key = world.live_key
    account = {"api_key": KEY, "public_key": signer.public_key}
    await put_account(api, key, "telnyx", account)
    brand = data(await api.post("/v1/brands", key, brand_body("telnyx", city="Fresno")), 201)
    (held,) = [b for b in fake.registered()["brands"] if b["brandId"] == brand["provider_brand_id"]]
    assert "?ref=nl_" in held["webhookURL"]
    update = {"brandId": held["brandId"], "type": "REGISTRATION", "status": "success",
              "identityStatus": "VERIFIED", "tcrBrandId": held["tcrBrandId"]}  # fmt: skip
    receipt = await signer.send(api, held["webhookURL"], "10dlc.brand.update", update)
    assert receipt["rows_changed"] == 1
    shown = data(await api.get(f"/v1/brands/{brand['id']}", key))
    assert (shown["status"], shown["identity_status"]) == ("ACTIVE", "VERIFIED")
    assert shown["tcr_brand_id"] == held["tcrBrandId"]

    await asyncio.sleep(REVIEW_S + 0.05)  # the fake verifies the brand before its campaigns
    campaign = data(await api.post("/v1/campaigns", key, campaign_body(brand["id"])), 201)
    (built,) = [
        c
        for c in fake.registered()["campaigns"]
        if c["campaignId"] == campaign["provider_campaign_id"]
    ]
    refusal = {"campaignId": built["campaignId"], "type": "MNO_REVIEW", "status": "REJECTED",
               "mno": "T-Mobile", "description": "Opt-in is not described"}  # fmt: skip
    receipt = await signer.send(api, built["webhookURL"], "10dlc.campaign.update", refusal)
    assert receipt["rows_changed"] == 1
    shown = data(await api.get(f"/v1/campaigns/{campaign['id']}", key))
    assert (shown["status"], shown["failure_reasons"]) == ("REJECTED", ["Opt-in is not described"])
    assert proxy.violations == []
