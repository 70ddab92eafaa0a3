"""The async client's brands and campaigns against the app (test mode, the sandbox reviews
at once)."""

import uuid

import pytest

from numlink_client import AsyncNumlink, errors
from numlink_client.models import (
    BrandRegistration,
    BrandUpdate,
    CampaignRegistration,
    CampaignUpdate,
)
from tests.support.registration import CAMPAIGN, COMPANY, SOLE_PROPRIETOR


def company(**changes: object) -> BrandRegistration:
    return BrandRegistration.model_validate({"provider": "sandbox", **COMPANY, **changes})


def campaign_for(brand_id: str, **changes: object) -> CampaignRegistration:
    return CampaignRegistration.model_validate({"brand_id": brand_id, **CAMPAIGN, **changes})


async def test_brand_registration_and_vetting(nl: AsyncNumlink) -> None:
    brand = await nl.brands.register(company())
    assert (brand.provider, brand.entity_type, brand.company_name) == (
        "sandbox", "PRIVATE_PROFIT", "Acme Plumbing LLC",
    )  # fmt: skip
    assert brand.response_info is not None and brand.response_info.status_code == 201
    assert [b.id async for b in nl.brands.list(limit=1)] == [brand.id]
    assert (await nl.brands.get(brand.id)).id == brand.id
    changed = await nl.brands.update(brand.id, BrandUpdate(website="https://acme.example/new"))
    assert changed.website == "https://acme.example/new"
    assert (await nl.brands.refresh(brand.id)).id == brand.id
    feedback = await nl.brands.feedback(brand.id)
    assert feedback.brand_id == brand.id and feedback.categories == []
    qualified = await nl.brands.qualify(brand.id, "MIXED")
    assert qualified.usecase == "MIXED" and qualified.carriers

    ordered = await nl.brands.order_vetting(brand.id, evp_id="AEGIS", vetting_class="STANDARD")
    assert (ordered.evp_id, ordered.vetting_class) == ("AEGIS", "STANDARD")
    imported = await nl.brands.import_vetting(brand.id, evp_id="WMC", vetting_id="V-9")
    assert imported.vetting_id == "V-9"
    assert {v.evp_id for v in await nl.brands.vettings(brand.id)} == {"AEGIS", "WMC"}
    assert (await nl.brands.revet(brand.id)).id == brand.id
    deleted = await nl.brands.delete(brand.id)
    assert deleted.status == "DELETED"


async def test_sole_proprietor_otp_and_2fa_email(nl: AsyncNumlink) -> None:
    sole = await nl.brands.register(
        BrandRegistration.model_validate({"provider": "sandbox", **SOLE_PROPRIETOR})
    )
    assert (await nl.brands.get_otp(sole.id)).status == "NOT_SENT"
    assert (await nl.brands.send_otp(sole.id)).status == "SENT"
    with pytest.raises(errors.ProviderRejectedError) as wrong:
        await nl.brands.verify_otp(sole.id, pin="000000")
    assert "pin" in wrong.value.details
    assert (await nl.brands.verify_otp(sole.id, pin="123456")).status == "VERIFIED"
    assert (await nl.brands.get(sole.id)).identity_status == "VERIFIED"

    public = await nl.brands.register(
        company(entity_type="PUBLIC_PROFIT", stock_symbol="ACME", stock_exchange="NYSE")
    )
    assert (await nl.brands.resend_2fa_email(public.id)).id == public.id


async def test_campaign_registration_appeal_and_deactivation(nl: AsyncNumlink) -> None:
    brand = await nl.brands.register(company())
    campaign = await nl.campaigns.register(campaign_for(brand.id))
    assert (campaign.brand_id, campaign.status, campaign.shared) == (brand.id, "ACTIVE", False)
    assert [c.id async for c in nl.campaigns.list(brand_id=brand.id)] == [campaign.id]
    assert [c async for c in nl.campaigns.list(brand_id=brand.id, status="SUSPENDED")] == []
    changed = await nl.campaigns.update(campaign.id, CampaignUpdate(sample_messages=["Acme: hi!"]))
    assert changed.sample_messages == ["Acme: hi!"]
    assert {c.carrier for c in await nl.campaigns.carriers(campaign.id)}
    assert (await nl.campaigns.refresh(campaign.id)).id == campaign.id
    assert (await nl.campaigns.get(campaign.id)).sample_messages == ["Acme: hi!"]
    ended = await nl.campaigns.delete(campaign.id)
    assert ended.status == "DEACTIVATED"

    rejected = await nl.campaigns.register(
        campaign_for(brand.id, description="Reminders for customers [fail]")
    )
    assert rejected.status == "REJECTED" and rejected.failure_reasons
    appealed = await nl.campaigns.appeal(rejected.id, reason="fixed it")
    assert (appealed.status, appealed.failure_reasons) == ("ACTIVE", [])
    with pytest.raises(errors.ConflictError):
        await nl.campaigns.appeal(rejected.id, reason="again")


async def test_shared_campaign(nl: AsyncNumlink) -> None:
    tcr_id = "C" + uuid.uuid4().hex[:6].upper()
    shared = await nl.campaigns.accept_shared(provider="sandbox", tcr_campaign_id=tcr_id)
    assert (shared.shared, shared.brand_id, shared.tcr_campaign_id) == (True, None, tcr_id)


async def test_request_bodies_are_checked_before_sending(nl: AsyncNumlink) -> None:
    with pytest.raises(ValueError, match="unexpected"):
        BrandUpdate.model_validate({"unexpected": 1})
    with pytest.raises(ValueError, match="display_name"):
        BrandRegistration.model_validate({"provider": "sandbox", "entity_type": "NON_PROFIT"})
