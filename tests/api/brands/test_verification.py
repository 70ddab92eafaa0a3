"""Brand verification in test mode: SMS PIN for sole proprietors, 2FA email, feedback,
external vetting (score 80 after the sandbox delay), revet, usecase qualification."""

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.settings import Settings
from providers.catalog import ProviderCatalog
from tests.support.api import Api, World, data, error_code
from tests.support.registration import (
    SOLE_PROPRIETOR,
    after_review,
    brand_body,
    delayed_catalog,
)

Sessions = async_sessionmaker[AsyncSession]


async def test_sole_proprietor_is_verified_by_pin_123456(world: World, api: Api) -> None:
    brand = data(
        await api.post("/v1/brands", world.test_key, brand_body(base=SOLE_PROPRIETOR)), 201
    )
    path = f"/v1/brands/{brand['id']}"
    assert (brand["status"], brand["identity_status"]) == ("ACTIVE", "UNVERIFIED")
    assert data(await api.get(f"{path}/otp", world.test_key)) == {
        "brand_id": brand["id"],
        "status": "NOT_SENT",
        "phone": None,
        "sent_at": None,
        "verified_at": None,
        "delivery_status": None,
    }
    sent = data(await api.post(f"{path}/otp", world.test_key))
    assert (sent["status"], sent["phone"]) == ("SENT", SOLE_PROPRIETOR["phone"]) and sent["sent_at"]
    wrong = await api.post(f"{path}/otp/verify", world.test_key, {"pin": "000000"})
    assert (wrong.status_code, error_code(wrong)) == (422, "PROVIDER_REJECTED")
    assert "123456" in wrong.json()["error"]["details"]["pin"]
    assert data(await api.get(path, world.test_key))["identity_status"] == "UNVERIFIED"
    malformed = await api.post(f"{path}/otp/verify", world.test_key, {"pin": 123456})
    assert error_code(malformed) == "VALIDATION_FAILED"
    verified = data(await api.post(f"{path}/otp/verify", world.test_key, {"pin": "123456"}))
    assert verified["status"] == "VERIFIED" and verified["verified_at"]
    assert data(await api.get(path, world.test_key))["identity_status"] == "VERIFIED"
    assert data(await api.get(f"{path}/otp", world.test_key))["status"] == "VERIFIED"


async def test_pin_and_email_are_for_their_own_entity_types(world: World, api: Api) -> None:
    company = data(await api.post("/v1/brands", world.test_key, brand_body()), 201)
    refused = await api.post(f"/v1/brands/{company['id']}/otp", world.test_key)
    assert error_code(refused) == "PROVIDER_REJECTED"
    assert "entity_type" in refused.json()["error"]["details"]
    assert error_code(await api.post(f"/v1/brands/{company['id']}/2fa-email", world.test_key)) == (
        "PROVIDER_REJECTED"
    )
    public = brand_body(entity_type="PUBLIC_PROFIT", stock_symbol="ACME", stock_exchange="NYSE")
    listed = data(await api.post("/v1/brands", world.test_key, public), 201)
    resent = data(await api.post(f"/v1/brands/{listed['id']}/2fa-email", world.test_key))
    assert resent["id"] == listed["id"]


async def test_feedback_names_the_failed_fields(world: World, api: Api) -> None:
    ok_brand = data(await api.post("/v1/brands", world.test_key, brand_body()), 201)
    assert data(await api.get(f"/v1/brands/{ok_brand['id']}/feedback", world.test_key)) == {
        "brand_id": ok_brand["id"],
        "fields": {},
        "categories": [],
    }
    failed = data(
        await api.post("/v1/brands", world.test_key, brand_body(display_name="Acme [fail]")), 201
    )
    assert failed["status"] == "FAILED" and failed["failure_reasons"]
    feedback = data(await api.get(f"/v1/brands/{failed['id']}/feedback", world.test_key))
    assert list(feedback["fields"]) == ["display_name"]
    assert feedback["categories"][0]["code"] == "OTHERS"
    assert feedback["categories"][0]["fields"] == ["display_name"]


async def test_usecase_qualification_per_carrier_with_cost(world: World, api: Api) -> None:
    brand = data(await api.post("/v1/brands", world.test_key, brand_body()), 201)
    path = f"/v1/brands/{brand['id']}/usecases"
    mixed = data(await api.get(f"{path}/MIXED", world.test_key))
    assert (mixed["qualifies"], mixed["usecase"]) == (True, "MIXED")
    assert {c["carrier"] for c in mixed["carriers"]} >= {"AT&T", "T-Mobile", "Verizon Wireless"}
    t_mobile = next(c for c in mixed["carriers"] if c["carrier"] == "T-Mobile")
    assert (t_mobile["daily_cap"], t_mobile["tier"]) == (2000, "LOW")
    assert mixed["cost"] == {
        "currency": "USD",
        "upfront": "30.00",
        "monthly": "10.00",
        "quarterly": "30.00",
        "annual": "120.00",
    }
    assert (mixed["min_sub_usecases"], mixed["max_sub_usecases"]) == (2, 5)
    assert data(await api.get(f"{path}/SOLE_PROPRIETOR", world.test_key))["qualifies"] is False
    unknown = await api.get(f"{path}/BAKING", world.test_key)
    assert (unknown.status_code, error_code(unknown)) == (422, "VALIDATION_FAILED")
    assert "usecase" in unknown.json()["error"]["details"]


class TestVetting:
    @pytest.fixture
    def catalog(self) -> ProviderCatalog:
        return delayed_catalog()

    async def test_a_vetting_completes_with_score_80_and_the_brand_is_vetted(
        self,
        world: World,
        api: Api,
        sessions: Sessions,
        settings: Settings,
        catalog: ProviderCatalog,
    ) -> None:
        brand = data(await api.post("/v1/brands", world.test_key, brand_body()), 201)
        path = f"/v1/brands/{brand['id']}"
        await after_review(sessions, settings, catalog)
        order = {"evp_id": "AEGIS", "vetting_class": "STANDARD"}
        vetting = data(await api.post(f"{path}/vettings", world.test_key, order), 201)
        assert (vetting["status"], vetting["score"], vetting["evp_id"]) == (
            "PENDING",
            None,
            "AEGIS",
        )
        twice = await api.post(f"{path}/vettings", world.test_key, order)
        assert error_code(twice) == "PROVIDER_REJECTED"
        assert "vetting_class" in twice.json()["error"]["details"]
        imported = data(
            await api.post(
                f"{path}/vettings/import", world.test_key, {"evp_id": "WMC", "vetting_id": "V-9"}
            ),
            201,
        )
        assert imported["vetting_id"] == "V-9"
        assert len(data(await api.get(f"{path}/vettings", world.test_key))) == 2
        await after_review(sessions, settings, catalog)
        vettings = data(await api.get(f"{path}/vettings", world.test_key))
        assert [(v["status"], v["score"]) for v in vettings] == [("COMPLETED", 80)] * 2
        assert data(await api.get(path, world.test_key))["identity_status"] == "VETTED_VERIFIED"
        vetted = data(await api.get(f"{path}/usecases/MIXED", world.test_key))
        assert next(c for c in vetted["carriers"] if c["carrier"] == "AT&T")["tpm"] == 4500

    async def test_revet_reviews_a_failed_brand_again(
        self,
        world: World,
        api: Api,
        sessions: Sessions,
        settings: Settings,
        catalog: ProviderCatalog,
    ) -> None:
        body = brand_body(display_name="Acme [fail]")
        brand = data(await api.post("/v1/brands", world.test_key, body), 201)
        await after_review(sessions, settings, catalog)
        revetted = data(await api.post(f"/v1/brands/{brand['id']}/revet", world.test_key))
        assert revetted["status"] == "PENDING"
        await after_review(sessions, settings, catalog)
        assert (
            data(await api.get(f"/v1/brands/{brand['id']}", world.test_key))["status"] == "FAILED"
        )
