"""The Plivo adapter's registration against the fake Plivo on 127.0.0.1: the requests it sends,
finding a registration again after a crash (also one cut between the profile and the brand),
Plivo's refusals in numlink's field names, and what it never sends Plivo."""

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from providers.base import ProviderFieldsRejected, ProviderTemporaryError
from providers.plivo import PlivoProvider
from providers.plivo.registration_mapping import profile_body, rejected_fields
from providers.registration import BrandFields, BrandRef, CampaignFields
from tests.providers.plivo.fake_server import FakePlivo

AUTH_ID = "MAFAKEAUTHID00000002"
TOKEN = "fake-auth-token-REGISTER"
CALLBACK = "https://numlink.test/v1/providers/plivo/webhooks/tok"
PREFIX = f"/v1/Account/{AUTH_ID}"
COMPANY = BrandFields(
    entity_type="PUBLIC_PROFIT",
    display_name="Acme",
    company_name="Acme Inc",
    ein="123456789",
    email="ops@acme.example",
    street="1 Main St",
    city="San Francisco",
    state="CA",
    postal_code="94105",
    country="US",
    vertical="TECHNOLOGY",
    stock_symbol="ACME",
    stock_exchange="NASDAQ",
    is_reseller=True,
)
CAMPAIGN = CampaignFields(
    usecase="MIXED",
    sub_usecases=("CUSTOMER_CARE", "2FA"),
    description="Support replies for Acme customers.",
    sample_messages=("one", "two"),
    help_keywords=("HELP",),
    subscriber_optout=True,
)


@pytest.fixture
def fake() -> Iterator[FakePlivo]:
    with FakePlivo(AUTH_ID, TOKEN) as server:
        yield server


@pytest.fixture
async def plivo(fake: FakePlivo) -> AsyncIterator[PlivoProvider]:
    async with httpx.AsyncClient(timeout=2) as http:
        yield PlivoProvider(http, AUTH_ID, TOKEN, base_url=fake.base_url, callback_url=CALLBACK)


def posts(fake: FakePlivo, path: str) -> list[object]:
    return [r.json for r in fake.calls("POST") if r.path == f"{PREFIX}{path}"]


async def test_a_company_brand_is_a_profile_then_a_brand(
    plivo: PlivoProvider, fake: FakePlivo
) -> None:
    info = await plivo.register_brand(COMPANY, "nl_" + "a" * 32)
    assert (info.status, info.identity_status, info.display_name) == (
        "PENDING",
        "UNVERIFIED",
        "Acme",
    )
    [profile] = posts(fake, "/Profile/")
    assert profile == {
        "profile_alias": "nl_" + "a" * 32,
        "customer_type": "RESELLER",
        "entity_type": "PUBLIC",
        "company_name": "Acme Inc",
        "vertical": "TECHNOLOGY",
        "address": {
            "street": "1 Main St",
            "city": "San Francisco",
            "state": "CA",
            "postal_code": "94105",
            "country": "US",
        },
        "authorized_contact": {"email": "ops@acme.example"},
        "business_contact_email": "ops@acme.example",
        "doing_business_as": "Acme",
        "ein": "123456789",
        "ein_issuing_country": "US",
        "stock_symbol": "ACME",
        "stock_exchange": "NASDAQ",
    }
    [brand] = posts(fake, "/10dlc/Brand/")
    held = fake.brands[info.provider_brand_id]
    assert brand == {
        "brand_alias": "Acme",
        "brand_type": "STANDARD",
        "profile_uuid": held["profile_uuid"],
        "secondary_vetting": False,
        "url": CALLBACK,
        "method": "POST",
    }
    assert (await plivo.get_brand(info.provider_brand_id)).tcr_brand_id == info.provider_brand_id


async def test_a_crash_between_profile_and_brand_makes_no_second_profile(
    plivo: PlivoProvider, fake: FakePlivo
) -> None:
    ref = "nl_" + "b" * 32
    for n in range(25):  # the profile is on the second page of Plivo's list
        fake.registration.profiles[f"other-{n:02}"] = {"profile_alias": f"someone {n}"}
    # the process died after Plivo made the profile, before it asked for the brand
    answered = await plivo._call("POST", "/Profile/", json=profile_body(COMPANY, ref))
    assert await plivo.find_brand(ref, COMPANY) is None  # its profile, without a brand
    info = await plivo.register_brand(COMPANY, ref)
    assert len(posts(fake, "/Profile/")) == 1
    assert fake.brands[info.provider_brand_id]["profile_uuid"] == answered["profile_uuid"]
    found = await plivo.find_brand(ref, COMPANY)
    assert found is not None and found.provider_brand_id == info.provider_brand_id


async def test_a_lost_brand_answer_is_found_by_its_reference(
    plivo: PlivoProvider, fake: FakePlivo
) -> None:
    ref = "nl_" + "c" * 32
    fake.fail_next(504, {"error": "gateway timeout"})
    with pytest.raises(ProviderTemporaryError):
        await plivo.register_brand(COMPANY, ref)  # the profile request timed out: none made
    assert await plivo.find_brand(ref, COMPANY) is None
    info = await plivo.register_brand(COMPANY, ref)
    assert await plivo.find_brand(ref, COMPANY) == await plivo.get_brand(info.provider_brand_id)
    assert len(fake.registration.profiles) == 1


async def test_campaigns_carry_the_reference_and_are_found_by_it(
    plivo: PlivoProvider, fake: FakePlivo
) -> None:
    fake.brands["BIMPORT"] = {
        "brand_id": "BIMPORT",
        "brand_type": "STANDARD",
        "registration_status": "COMPLETED",
        "vertical": "RETAIL",
    }
    for n in range(21):
        fake.add_campaign(f"COTHER{n:02}", brand_id="BIMPORT", campaign_alias=f"x{n}")
    ref = "nl_" + "d" * 32
    owner = BrandRef("BIMPORT")  # an imported brand: its vertical is read from Plivo
    info = await plivo.register_campaign(owner, CAMPAIGN, ref)
    [body] = posts(fake, "/10dlc/Campaign/")
    assert body == {
        "brand_id": "BIMPORT",
        "campaign_alias": ref,
        "vertical": "RETAIL",
        "usecase": "MIXED",
        "sub_usecases": ["CUSTOMER_CARE", "2FA"],
        "description": "Support replies for Acme customers.",
        "help_keywords": "HELP",
        "sample1": "one",
        "sample2": "two",
        "affiliate_marketing": False,
        "url": CALLBACK,
        "method": "POST",
        "embedded_link": False,
        "embedded_phone": False,
        "age_gated": False,
        "direct_lending": False,
        "subscriber_optin": False,
        "subscriber_optout": True,
        "subscriber_help": False,
    }
    found = await plivo.find_campaign(ref, owner)
    assert found is not None and found.provider_campaign_id == info.provider_campaign_id
    assert await plivo.find_campaign("nl_" + "e" * 32, owner) is None


async def test_number_pool_campaigns_are_refused_before_plivo_is_asked(
    plivo: PlivoProvider, fake: FakePlivo
) -> None:
    fields = CampaignFields(usecase="MIXED", description="x", number_pool=True)
    with pytest.raises(ProviderFieldsRejected) as refused:
        await plivo.register_campaign(BrandRef("B1", vertical="RETAIL"), fields, "nl_x")
    assert set(refused.value.fields) == {"number_pool"} and fake.calls() == []


async def test_refusals_name_numlinks_fields(plivo: PlivoProvider, fake: FakePlivo) -> None:
    fake.fail_next(400, {"error": {"address.city": ["unknown city"], "sample2": ["too short"]}})
    with pytest.raises(ProviderFieldsRejected) as refused:
        await plivo.register_brand(COMPANY, "nl_" + "f" * 32)
    assert refused.value.fields == {
        "city": "plivo: unknown city",
        "sample_messages": "plivo: too short",
    }
    fake.fail_next(400, {"error": "Brand limit reached"})
    with pytest.raises(ProviderFieldsRejected) as refused:
        await plivo.register_brand(COMPANY, "nl_" + "f" * 32)
    assert refused.value.fields == {"body": "plivo: Brand limit reached (HTTP 400)"}


def test_unknown_plivo_fields_are_reported_under_body() -> None:
    assert rejected_fields({"alt_business_id_type": "invalid"}, "x") == {
        "body": "plivo: alt_business_id_type: invalid"
    }
    assert rejected_fields({}, "plivo: no") == {"body": "plivo: no"}
