"""Registration with Plivo in live mode, through the public API against the fake Plivo: from
nothing to a propagated link, every operation Plivo offers, what it refuses, what it lacks,
its callbacks, and the same request sequence giving the same response shapes in test mode."""

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.settings import Settings
from providers.catalog import ProviderCatalog
from tests.providers.plivo.fake_server import FakePlivo
from tests.support.api import Api, World, data, error_code, us_number
from tests.support.app import settle, test_catalog
from tests.support.live import PLIVO_ACCOUNT, PLIVO_ID, PLIVO_TOKEN, put_account
from tests.support.plivo_registration import REVIEW_S, deliver_callbacks, live_settle
from tests.support.registration import (
    COMPANY,
    DELAY_S,
    LIFECYCLE,
    SOLE_PROPRIETOR,
    after_review,
    brand_body,
    campaign_body,
    lifecycle,
    run_registration_jobs,
    same_shape,
)

Sessions = async_sessionmaker[AsyncSession]
PREFIX = f"/v1/Account/{PLIVO_ID}"
Review = Callable[[], Awaitable[None]]


@pytest.fixture
def fake() -> Iterator[FakePlivo]:
    with FakePlivo(PLIVO_ID, PLIVO_TOKEN) as server:
        server.registration.review_s = REVIEW_S
        yield server


@pytest.fixture
def catalog(fake: FakePlivo) -> ProviderCatalog:
    return test_catalog(sandbox={"delay_s": DELAY_S}, plivo={"base_url": fake.base_url})


@pytest.fixture
async def account(api: Api, world: World) -> dict[str, Any]:
    return dict(await put_account(api, world.live_key, "plivo", PLIVO_ACCOUNT))


@pytest.fixture
def review(
    api: Api, fake: FakePlivo, sessions: Sessions, settings: Settings, catalog: ProviderCatalog
) -> Review:
    """Plivo's review of what was registered, its callbacks delivered, numlink's jobs run."""
    return live_settle(api, fake, sessions, settings, catalog)


def posted(fake: FakePlivo, path: str) -> list[Any]:
    return [r.json for r in fake.calls("POST") if r.path == f"{PREFIX}{path}"]


async def registered_brand(
    api: Api, key: str, settle_now: Any, base: dict[str, Any] = COMPANY
) -> dict[str, Any]:
    brand = data(await api.post("/v1/brands", key, brand_body("plivo", base)), 201)
    await settle_now()
    return dict(data(await api.get(f"/v1/brands/{brand['id']}", key)))


async def test_from_nothing_to_a_propagated_link(
    api: Api,
    world: World,
    sessions: Sessions,
    settings: Settings,
    catalog: ProviderCatalog,
    fake: FakePlivo,
    account: dict[str, Any],
    review: Review,
) -> None:
    key = world.live_key
    steps, campaign = await lifecycle(api, key, "plivo", review)
    assert [s[:2] for s in steps] == LIFECYCLE
    # the profile, then the brand on it, both with numlink's reference and webhook URL
    [profile] = posted(fake, "/Profile/")
    assert profile["profile_alias"].startswith("nl_") and profile["entity_type"] == "PRIVATE"
    assert profile["address"]["city"] == "San Francisco" and profile["ein"] == "123456789"
    [brand] = posted(fake, "/10dlc/Brand/")
    assert (brand["brand_alias"], brand["brand_type"]) == ("Acme Plumbing", "STANDARD")
    assert (brand["url"], brand["method"]) == (account["webhook_url"], "POST")
    [registered] = posted(fake, "/10dlc/Campaign/")
    assert registered["campaign_alias"].startswith("nl_")
    assert (registered["usecase"], registered["vertical"]) == ("MIXED", "TECHNOLOGY")
    assert registered["sample1"].startswith("Acme: your plumber")
    assert registered["optout_keywords"] == "STOP,END" and registered["url"] == brand["url"]
    assert campaign["provider_campaign_id"] in fake.campaigns

    number = us_number()
    fake.add_number(number)
    created = data(
        await api.post("/v1/phone-numbers", key, {"number": number, "provider": "plivo"}), 201
    )
    attached = data(await world.attach(created["id"], campaign["id"], key))
    assert attached["carrier_line_option_status"] == "pending"
    await settle(sessions, settings, catalog)
    linked = data(await api.get(f"/v1/phone-numbers/{created['id']}", key))
    assert (linked["carrier_line_option_status"], linked["campaign_status"]) == (
        "propagated",
        "ACTIVE",
    )
    assert fake.link_status(number) == (campaign["provider_campaign_id"], "COMPLETED")


async def test_test_mode_and_live_mode_answer_alike(
    api: Api,
    world: World,
    sessions: Sessions,
    settings: Settings,
    catalog: ProviderCatalog,
    account: dict[str, Any],
    review: Review,
) -> None:
    async def sandbox_review() -> None:
        await after_review(sessions, settings, catalog)

    test_steps, _ = await lifecycle(api, world.test_key, "plivo", sandbox_review)
    live_steps, _ = await lifecycle(api, world.live_key, "plivo", review)
    assert [s[:2] for s in test_steps] == [s[:2] for s in live_steps]
    for (name, _, test_shape), (_, _, live_shape) in zip(test_steps, live_steps, strict=True):
        assert same_shape(test_shape, live_shape), name


async def test_changes_deletion_and_what_plivo_lacks(
    api: Api, world: World, fake: FakePlivo, account: dict[str, Any], review: Review
) -> None:
    key, live = world.live_key, review
    brand = await registered_brand(api, key, live)
    path = f"/v1/brands/{brand['id']}"
    changed = data(await api.patch(path, key, {"website": "https://acme.example/new"}))
    assert changed["website"] == "https://acme.example/new"
    [profile] = fake.registration.profiles.values()
    assert profile["website"] == "https://acme.example/new"
    fixed = await api.patch(path, key, {"display_name": "Acme Two"})
    assert (fixed.status_code, error_code(fixed)) == (422, "UNSUPPORTED_BY_PROVIDER")
    assert fixed.json()["error"]["details"] == {"display_name": "cannot be changed at plivo"}
    for method, suffix, body in [
        ("POST", "/otp", None),
        ("POST", "/2fa-email", None),
        ("GET", "/feedback", None),
        ("GET", "/vettings", None),
        ("POST", "/vettings", {"evp_id": "AEGIS", "vetting_class": "STANDARD"}),
        ("POST", "/revet", None),
    ]:
        lacking = await api.request(method, f"{path}{suffix}", key, body)
        assert error_code(lacking) == "UNSUPPORTED_BY_PROVIDER", (suffix, lacking.text)

    campaign = data(await api.post("/v1/campaigns", key, campaign_body(brand["id"])), 201)
    await live()
    campaign_path = f"/v1/campaigns/{campaign['id']}"
    samples = ["Acme: new sample one. Reply STOP to opt out.", "Acme: sample two."]
    updated = data(await api.patch(campaign_path, key, {"sample_messages": samples}))
    assert updated["sample_messages"] == samples
    held = fake.campaigns[campaign["provider_campaign_id"]]
    assert (held["sample1"], held["sample2"]) == tuple(samples)
    usecase = await api.patch(campaign_path, key, {"usecase": "MARKETING"})
    assert error_code(usecase) == "UNSUPPORTED_BY_PROVIDER"
    appeal = await api.post(f"{campaign_path}/appeal", key, {"reason": "please"})
    assert error_code(appeal) == "UNSUPPORTED_BY_PROVIDER"
    carriers = data(await api.get(f"{campaign_path}/carriers", key))
    assert {(c["carrier"], c["status"], c["tpm"]) for c in carriers} >= {("AT&T", "APPROVED", 4500)}
    assert [c["tier"] for c in carriers if c["carrier"] == "T-Mobile"] == ["TOP"]

    busy = await api.delete(path, key)
    assert (busy.status_code, error_code(busy)) == (409, "CONFLICT")
    assert data(await api.delete(campaign_path, key))["status"] == "DEACTIVATED"
    assert held["registration_status"] == "DEACTIVATED"
    assert data(await api.delete(path, key))["status"] == "DELETED"
    assert brand["provider_brand_id"] not in fake.brands


async def test_sole_proprietor_and_qualification(
    api: Api, world: World, fake: FakePlivo, account: dict[str, Any], review: Review
) -> None:
    key, live = world.live_key, review
    brand = await registered_brand(api, key, live, SOLE_PROPRIETOR)
    assert (brand["status"], brand["identity_status"]) == ("ACTIVE", "VERIFIED")
    [profile] = posted(fake, "/Profile/")
    assert (profile["entity_type"], profile["company_name"]) == ("INDIVIDUAL", "Jo Doe")
    assert profile["authorized_contact"]["phone"] == "14155550101"
    assert posted(fake, "/10dlc/Brand/")[0]["brand_type"] == "STARTER"
    usecases = f"/v1/brands/{brand['id']}/usecases"
    assert data(await api.get(f"{usecases}/SOLE_PROPRIETOR", key))["qualifies"] is True
    assert data(await api.get(f"{usecases}/MIXED", key))["qualifies"] is False
    body = campaign_body(brand["id"], usecase="SOLE_PROPRIETOR", sub_usecases=None)
    campaign = data(await api.post("/v1/campaigns", key, body), 201)
    assert posted(fake, "/10dlc/Campaign/")[0]["usecase"] == "STARTER"
    assert campaign["usecase"] == "SOLE_PROPRIETOR"


async def test_refusals_come_back_per_field_and_leave_nothing(
    api: Api, world: World, fake: FakePlivo, account: dict[str, Any]
) -> None:
    key = world.live_key
    ein = await api.post("/v1/brands", key, brand_body("plivo", ein="000000000"))
    assert (ein.status_code, error_code(ein)) == (422, "PROVIDER_REJECTED")
    assert ein.json()["error"]["details"] == {"ein": "plivo: EIN is not valid for this company"}
    named = await api.post("/v1/brands", key, brand_body("plivo", display_name="Acme [reject]"))
    assert named.json()["error"]["details"] == {
        "display_name": "plivo: brand_alias is not acceptable"
    }
    # the profile made for the refused brand is gone again
    assert fake.registration.profiles == {} and fake.brands == {}
    assert data(await api.get("/v1/brands", key)) == []

    fake.fail_next(503, {"error": "service unavailable"})
    down = await api.post("/v1/brands", key, brand_body("plivo"))
    assert (down.status_code, error_code(down)) == (502, "PROVIDER_ERROR")
    assert data(await api.get("/v1/brands", key)) == []


async def test_registering_under_an_unverified_brand_is_refused(
    api: Api, world: World, fake: FakePlivo, account: dict[str, Any]
) -> None:
    key = world.live_key
    brand = data(await api.post("/v1/brands", key, brand_body("plivo")), 201)
    refused = await api.post("/v1/campaigns", key, campaign_body(brand["id"]))
    assert (refused.status_code, error_code(refused)) == (422, "PROVIDER_REJECTED")
    assert "brand is not registered" in refused.json()["error"]["details"]["body"]
    assert [c for c in fake.campaigns.values() if c["brand_id"] == brand["provider_brand_id"]] == []


async def test_shared_campaigns_are_imported_by_tcr_id(
    api: Api, world: World, fake: FakePlivo, account: dict[str, Any]
) -> None:
    key = world.live_key
    fake.registration.shareable.add("CSHARE1")
    body = {"provider": "plivo", "tcr_campaign_id": "CSHARE1"}
    shared = data(await api.post("/v1/campaigns", key, body), 201)
    assert (shared["shared"], shared["brand_id"], shared["status"]) == (True, None, "ACTIVE")
    [imported] = posted(fake, "/10dlc/Campaign/Import/")
    assert imported["campaign_id"] == "CSHARE1" and imported["url"] == account["webhook_url"]
    again = data(await api.post("/v1/campaigns", key, body), 200)
    assert again["id"] == shared["id"]
    stranger = await api.post("/v1/campaigns", key, {**body, "tcr_campaign_id": "CNOPE99"})
    assert error_code(stranger) == "PROVIDER_REJECTED"
    assert "not shared" in stranger.json()["error"]["details"]["tcr_campaign_id"]


async def test_callbacks_in_any_order_and_twice_change_nothing(
    api: Api,
    world: World,
    sessions: Sessions,
    settings: Settings,
    catalog: ProviderCatalog,
    fake: FakePlivo,
    account: dict[str, Any],
) -> None:
    key = world.live_key
    brand = data(await api.post("/v1/brands", key, brand_body("plivo")), 201)
    created = list(fake.registration.callbacks)  # "created", sent at once
    await deliver_callbacks(api, fake)
    assert await run_registration_jobs(sessions, settings, catalog) == 1  # read again: PENDING
    await asyncio.sleep(REVIEW_S + 0.05)
    fake.tick()
    registered = list(fake.registration.callbacks)
    [receipt] = await deliver_callbacks(api, fake)
    assert receipt["rows_changed"] == 1
    await run_registration_jobs(sessions, settings, catalog)
    verified = data(await api.get(f"/v1/brands/{brand['id']}", key))
    assert (verified["status"], verified["identity_status"]) == ("ACTIVE", "VERIFIED")
    # the late "created" and a second "registered": each is read against Plivo, which agrees
    fake.registration.callbacks.extend(created + registered)
    await deliver_callbacks(api, fake)
    await run_registration_jobs(sessions, settings, catalog)
    after = data(await api.get(f"/v1/brands/{brand['id']}", key))
    assert (after["status"], after["identity_status"]) == ("ACTIVE", "VERIFIED")
    forged = registered[0]
    headers = {**forged.headers, "X-Plivo-Signature-V3": "forged"}
    refused = await api.client.post(urlsplit(forged.url).path, content=forged.body, headers=headers)
    assert refused.status_code == 401
