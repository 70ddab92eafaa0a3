"""Brand registration through the gateway (test mode, the sandbox): register, the rules of
each entity type, refusals and outages with nothing written, identical registrations, PATCH,
DELETE, Idempotency-Key."""

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.settings import Settings
from providers.catalog import ProviderCatalog
from tests.support.api import Api, World, data, error_code
from tests.support.registration import (
    COMPANY,
    SOLE_PROPRIETOR,
    after_review,
    brand_body,
    campaign_body,
    delayed_catalog,
    run_registration_jobs,
)

Sessions = async_sessionmaker[AsyncSession]
SOLE_NAMES = {"entity_type": "SOLE_PROPRIETOR", "first_name": "A", "last_name": "B"}


async def count(sessions: Sessions, sql: str, **params: Any) -> int:
    async with sessions() as session:
        return int((await session.execute(text(sql), params)).scalar_one())


async def test_register_a_brand_then_it_settles(world: World, api: Api) -> None:
    brand = data(await api.post("/v1/brands", world.test_key, brand_body()), 201)
    assert (brand["status"], brand["identity_status"]) == ("ACTIVE", "VERIFIED")  # delay 0
    assert brand["provider_brand_id"] and brand["tcr_brand_id"].startswith("B")
    assert {k: brand[k] for k in COMPANY} == COMPANY
    assert brand["failure_reasons"] == [] and brand["is_reseller"] is None
    assert data(await api.get(f"/v1/brands/{brand['id']}", world.test_key)) == brand


@pytest.mark.parametrize(
    ("changes", "details"),
    [
        ({"entity_type": None}, {"entity_type": "Field required"}),
        ({"ein": None, "street": None}, {"ein": "required", "street": "required"}),
        ({"entity_type": "PUBLIC_PROFIT"}, {"stock_symbol": "required", "stock_exchange": "req"}),
        (SOLE_NAMES, {"company_name": "not used", "ein": "not used"}),
        ({"country": "usa"}, {"country": "pattern"}),
        ({"vertical": "BAKERY"}, {"vertical": "Input should be"}),
        ({"website": "ftp://x.example"}, {"website": "http"}),
        ({"is_reseller": "yes"}, {"is_reseller": "boolean"}),
        ({"colour": "red"}, {"colour": "Extra inputs"}),
    ],
)  # fmt: skip
async def test_registration_fields_are_checked_per_entity_type(
    world: World, api: Api, sessions: Sessions, changes: dict[str, Any], details: dict[str, str]
) -> None:
    body = {k: v for k, v in brand_body(**changes).items() if v is not None}
    response = await api.post("/v1/brands", world.test_key, body)
    assert (response.status_code, error_code(response)) == (422, "VALIDATION_FAILED")
    got = response.json()["error"]["details"]
    for field, words in details.items():
        assert words in got[field], got
    assert await count(sessions, "SELECT count(*) FROM sandbox_objects") == 0


async def test_provider_refusal_carries_its_words_and_writes_nothing(
    world: World, api: Api, sessions: Sessions
) -> None:
    refused = await api.post("/v1/brands", world.test_key, brand_body(display_name="Acme [reject]"))
    assert (refused.status_code, error_code(refused)) == (422, "PROVIDER_REJECTED")
    assert "[reject]" in refused.json()["error"]["details"]["display_name"]
    down = await api.post("/v1/brands", world.test_key, brand_body(display_name="[unavailable]"))
    assert (down.status_code, error_code(down)) == (502, "PROVIDER_ERROR")
    assert data(await api.get("/v1/brands", world.test_key)) == []
    assert await count(sessions, "SELECT count(*) FROM sandbox_objects") == 0
    # what becomes of the outage's registration in flight: tests/flows/test_registration_crash.py


async def test_an_identical_registration_answers_with_the_same_brand(
    world: World, api: Api
) -> None:
    first = data(await api.post("/v1/brands", world.test_key, brand_body()), 201)
    again = data(await api.post("/v1/brands", world.test_key, brand_body()), 200)
    assert again["id"] == first["id"]
    other = data(
        await api.post("/v1/brands", world.test_key, brand_body(display_name="Acme 2")), 201
    )
    assert other["id"] != first["id"]
    assert len(data(await api.get("/v1/brands", world.test_key))) == 2


# Idempotency-Key on registration: tests/flows/test_registration_crash.py (committed data)


class TestPending:
    @pytest.fixture
    def catalog(self) -> ProviderCatalog:
        return delayed_catalog()

    async def test_pending_until_the_sandbox_delay_then_active(
        self,
        world: World,
        api: Api,
        sessions: Sessions,
        settings: Settings,
        catalog: ProviderCatalog,
    ) -> None:
        brand = data(await api.post("/v1/brands", world.test_key, brand_body()), 201)
        assert (brand["status"], brand["identity_status"]) == ("PENDING", "UNVERIFIED")
        assert await run_registration_jobs(sessions, settings, catalog) == 0  # not due yet
        assert await after_review(sessions, settings, catalog) == 1
        settled = data(await api.get(f"/v1/brands/{brand['id']}", world.test_key))
        assert (settled["status"], settled["identity_status"]) == ("ACTIVE", "VERIFIED")
        assert await run_registration_jobs(sessions, settings, catalog) == 0  # settled: no polls

    async def test_a_failed_review_shows_its_reasons(
        self,
        world: World,
        api: Api,
        sessions: Sessions,
        settings: Settings,
        catalog: ProviderCatalog,
    ) -> None:
        brand = data(
            await api.post("/v1/brands", world.test_key, brand_body(display_name="A [fail]")), 201
        )
        await after_review(sessions, settings, catalog)
        failed = data(await api.get(f"/v1/brands/{brand['id']}", world.test_key))
        assert failed["status"] == "FAILED" and "[fail]" in failed["failure_reasons"][0]
        fixed = data(
            await api.patch(f"/v1/brands/{brand['id']}", world.test_key, {"display_name": "Acme"})
        )
        assert (fixed["status"], fixed["display_name"]) == ("PENDING", "Acme")
        await after_review(sessions, settings, catalog)
        active = data(await api.get(f"/v1/brands/{brand['id']}", world.test_key))
        assert (active["status"], active["failure_reasons"]) == ("ACTIVE", [])


async def test_patch_resubmits_changed_fields(world: World, api: Api) -> None:
    brand = data(await api.post("/v1/brands", world.test_key, brand_body()), 201)
    path = f"/v1/brands/{brand['id']}"
    assert data(await api.patch(path, world.test_key, {})) == brand
    changed = data(await api.patch(path, world.test_key, {"website": "https://acme.example/new"}))
    assert changed["website"] == "https://acme.example/new" and changed["city"] == COMPANY["city"]
    broken = await api.patch(path, world.test_key, {"entity_type": "PUBLIC_PROFIT"})
    assert error_code(broken) == "VALIDATION_FAILED"
    assert set(broken.json()["error"]["details"]) == {"stock_symbol", "stock_exchange"}
    refused = await api.patch(path, world.test_key, {"display_name": "[reject]"})
    assert error_code(refused) == "PROVIDER_REJECTED"
    assert data(await api.get(path, world.test_key))["display_name"] == COMPANY["display_name"]


async def test_delete_refuses_while_campaigns_are_live_then_deletes(world: World, api: Api) -> None:
    brand = data(await api.post("/v1/brands", world.test_key, brand_body()), 201)
    campaign = data(
        await api.post("/v1/campaigns", world.test_key, campaign_body(brand["id"])), 201
    )
    path = f"/v1/brands/{brand['id']}"
    busy = await api.delete(path, world.test_key)
    assert (busy.status_code, error_code(busy)) == (409, "CONFLICT")
    data(await api.delete(f"/v1/campaigns/{campaign['id']}", world.test_key))
    deleted = data(await api.delete(path, world.test_key))
    assert deleted["status"] == "DELETED" and deleted["id"] == brand["id"]
    assert data(await api.delete(path, world.test_key)) == deleted  # again: nothing changes
    gone = await api.post(f"/v1/brands/{brand['id']}/revet", world.test_key)
    assert (gone.status_code, error_code(gone)) == (409, "CONFLICT")
    # deleted, its fields may be registered again
    again = data(await api.post("/v1/brands", world.test_key, brand_body()), 201)
    assert again["id"] != brand["id"]


async def test_sole_proprietor_needs_its_own_fields(world: World, api: Api) -> None:
    body = brand_body(base=SOLE_PROPRIETOR)
    brand = data(await api.post("/v1/brands", world.test_key, body), 201)
    assert (brand["entity_type"], brand["identity_status"]) == ("SOLE_PROPRIETOR", "UNVERIFIED")
    missing = await api.post("/v1/brands", world.test_key, {**body, "phone": None})
    assert error_code(missing) == "VALIDATION_FAILED"


async def test_scopes(world: World, api: Api) -> None:
    reader = await world.key(scopes=["brands:read"])
    denied = await api.post("/v1/brands", reader, brand_body())
    assert (denied.status_code, error_code(denied)) == (403, "FORBIDDEN")
    brand = data(await api.post("/v1/brands", world.test_key, brand_body()), 201)
    for method, suffix in (("PATCH", ""), ("DELETE", ""), ("POST", "/revet"), ("POST", "/otp")):
        response = await api.request(method, f"/v1/brands/{brand['id']}{suffix}", reader, {})
        assert error_code(response) == "FORBIDDEN", (method, suffix)
    assert data(await api.get(f"/v1/brands/{brand['id']}/vettings", reader)) == []
