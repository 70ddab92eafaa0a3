"""Every Telnyx registration operation through Prism's proxy (``--errors``) in front of the
stateful fake: the adapter's requests (brand create and campaign builder bodies included) and
the fake's answers are checked against Telnyx's spec, and none may violate it."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TypeVar
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from providers.base import (
    ProviderFieldsRejected,
    ProviderObjectNotFound,
    ProviderRejectedError,
)
from providers.registration import BrandFields, BrandRef, CampaignFields
from providers.telnyx import TelnyxProvider
from tests.providers.telnyx.fake_brands import OTP_PIN, VETTING_SCORE
from tests.providers.telnyx.fake_server import FakeTelnyx
from tests.providers.telnyx.spec_checked import SpecCheckedProxy, spec_checked

T = TypeVar("T")
KEY = "KEY-registration-0001"
WEBHOOK = "https://numlink.example/v1/providers/telnyx/webhooks/tok123"
SETTLE_S = 0.2
COMPANY = BrandFields(
    entity_type="PUBLIC_PROFIT", display_name="Acme Plumbing", company_name="Acme Plumbing Inc",
    ein="123456789", email="ops@acme.example", phone="+14155550100", street="1 Main St",
    city="San Francisco", state="CA", postal_code="94105", country="US",
    website="https://acme.example", vertical="TECHNOLOGY", stock_symbol="ACME",
    stock_exchange="NASDAQ", is_reseller=False,
)  # fmt: skip
SOLE = BrandFields(
    entity_type="SOLE_PROPRIETOR", display_name="Jo Tutoring", first_name="Jo", last_name="Doe",
    email="jo@example.com", phone="+14155550101", street="2 Side St", city="Oakland", state="CA",
    postal_code="94607", country="US", vertical="EDUCATION",
)  # fmt: skip
CAMPAIGN = CampaignFields(
    usecase="MIXED", sub_usecases=("CUSTOMER_CARE", "ACCOUNT_NOTIFICATION"),
    description="Appointment reminders and support replies for Acme customers.",
    message_flow="Customers opt in on the booking form.",
    sample_messages=("Acme: your plumber arrives at 10am.", "Acme: reply HELP for help."),
    help_message="Acme: call +14155550100.", help_keywords=("HELP", "INFO"),
    optin_message="You are subscribed.", optin_keywords=("START",),
    optout_message="You are unsubscribed.", optout_keywords=("STOP", "END"),
    embedded_link=False, embedded_phone=True, number_pool=False, age_gated=False,
    direct_lending=False, subscriber_optin=True, subscriber_optout=True, subscriber_help=True,
    auto_renewal=True, privacy_policy_link="https://acme.example/privacy",
    terms_and_conditions_link="https://acme.example/terms",
)  # fmt: skip


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeTelnyx]:
    with FakeTelnyx(KEY, settle_after_s=SETTLE_S) as f:
        yield f


@pytest.fixture(scope="module")
def proxy(fake: FakeTelnyx, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SpecCheckedProxy]:
    with spec_checked(fake, tmp_path_factory.mktemp("prism-registration")) as recorder:
        yield recorder


@pytest.fixture
async def telnyx(proxy: SpecCheckedProxy) -> AsyncIterator[TelnyxProvider]:
    proxy.clear()
    async with httpx.AsyncClient(timeout=30) as client:
        yield TelnyxProvider(client, KEY, proxy.base_url, webhook_url=WEBHOOK)


async def until(read: Callable[[], Awaitable[T]], done: Callable[[T], bool]) -> T:
    """Reads until ``done`` (the fake settles in SETTLE_S: a bound, not a timing)."""
    for _ in range(100):
        value = await read()
        if done(value):
            return value
        await asyncio.sleep(SETTLE_S / 4)
    raise AssertionError(f"still {value}")


async def test_brand_operations(
    telnyx: TelnyxProvider, fake: FakeTelnyx, proxy: SpecCheckedProxy
) -> None:
    brand = await telnyx.register_brand(COMPANY, "nl_" + "a" * 32)
    assert (brand.status, brand.identity_status) == ("PENDING", "UNVERIFIED")
    assert brand.tcr_brand_id and brand.tcr_brand_id.startswith("B")
    held = next(b for b in fake.registered()["brands"] if b["brandId"] == brand.provider_brand_id)
    assert (held["companyName"], held["postalCode"], held["businessContactEmail"]) == (
        "Acme Plumbing Inc", "94105", "ops@acme.example",
    )  # fmt: skip
    assert parse_qs(urlsplit(held["webhookURL"]).query) == {"ref": ["nl_" + "a" * 32]}

    found = await telnyx.find_brand("nl_" + "a" * 32, COMPANY)
    assert found is not None and found.provider_brand_id == brand.provider_brand_id
    assert await telnyx.find_brand("nl_" + "b" * 32, COMPANY) is None
    ref = brand.provider_brand_id
    active = await until(lambda: telnyx.get_brand(ref), lambda b: b.status == "ACTIVE")
    assert active.identity_status == "VERIFIED"

    await telnyx.resend_2fa_email(ref)
    changed = await telnyx.update_brand(ref, COMPANY, frozenset({"city"}))
    assert changed.provider_brand_id == ref
    assert await telnyx.brand_feedback(ref) == ()
    assert await telnyx.list_vettings(ref) == ()
    ordered = await telnyx.order_vetting(ref, "AEGIS", "STANDARD")
    assert (ordered.evp_id, ordered.vetting_class, ordered.status) == (
        "AEGIS",
        "STANDARD",
        "PENDING",
    )
    with pytest.raises(ProviderFieldsRejected) as duplicate:
        await telnyx.order_vetting(ref, "AEGIS", "STANDARD")
    assert duplicate.value.fields == {
        "vetting_class": "telnyx: A vetting of this class is being processed (HTTP 400)"
    }
    imported = await telnyx.import_vetting(ref, "AEGIS", "V-123", "token")
    assert imported.vetting_id == "V-123"
    scored = await until(lambda: telnyx.list_vettings(ref), lambda v: v[0].status == "COMPLETED")
    assert scored[0].score == VETTING_SCORE
    assert (await telnyx.get_brand(ref)).identity_status == "VETTED_VERIFIED"
    revetted = await telnyx.revet_brand(ref)
    assert revetted.status == "ACTIVE"

    qualified = await telnyx.qualify_usecase(ref, "MIXED")
    assert qualified.qualifies and {c.carrier for c in qualified.carriers} == {
        "AT&T", "T-Mobile", "Verizon Wireless",
    }  # fmt: skip
    assert qualified.cost is not None and str(qualified.cost.upfront) == "30.00"
    assert str(qualified.cost.monthly) == "10.00" and qualified.min_sub_usecases == 2
    assert not (await telnyx.qualify_usecase(ref, "SOLE_PROPRIETOR")).qualifies
    with pytest.raises(ProviderObjectNotFound):
        await telnyx.resend_2fa_email("no-such-brand")
    assert proxy.violations == []


async def test_sole_proprietor_pin(telnyx: TelnyxProvider, proxy: SpecCheckedProxy) -> None:
    brand = await telnyx.register_brand(SOLE, "nl_" + "c" * 32)
    ref = brand.provider_brand_id
    await until(lambda: telnyx.get_brand(ref), lambda b: b.status == "ACTIVE")
    assert (await telnyx.get_brand(ref)).identity_status == "UNVERIFIED"
    assert await telnyx.get_otp(ref) is None
    sent = await telnyx.send_otp(ref)
    assert (sent.status, sent.phone, sent.delivery_status) == (
        "SENT",
        "+14155550101",
        "DELIVERED_HANDSET",
    )
    with pytest.raises(ProviderFieldsRejected) as wrong:
        await telnyx.verify_otp(ref, "000000")
    assert wrong.value.fields == {"pin": "telnyx: Invalid or expired OTP"}
    verified = await telnyx.verify_otp(ref, OTP_PIN)
    assert verified.status == "VERIFIED" and verified.verified_at is not None
    assert (await telnyx.get_brand(ref)).identity_status == "VERIFIED"
    with pytest.raises(ProviderFieldsRejected) as not_vettable:
        await telnyx.order_vetting(ref, "AEGIS", "STANDARD")
    assert set(not_vettable.value.fields) == {"evp_id"}
    with pytest.raises(ProviderRejectedError, match="2FA email is for PUBLIC_PROFIT"):
        await telnyx.resend_2fa_email(ref)
    assert proxy.violations == []


async def test_refusals_name_numlink_fields(
    telnyx: TelnyxProvider, fake: FakeTelnyx, proxy: SpecCheckedProxy
) -> None:
    before = len(fake.registered()["brands"])
    with pytest.raises(ProviderFieldsRejected) as refused:
        await telnyx.register_brand(
            BrandFields(**{**COMPANY.given(), "display_name": "[reject]"}), "nl_" + "d" * 32
        )
    assert refused.value.fields == {"display_name": "telnyx: Display name is not allowed"}
    assert len(fake.registered()["brands"]) == before
    failing = await telnyx.register_brand(
        BrandFields(**{**COMPANY.given(), "display_name": "Acme [fail]"}), "nl_" + "e" * 32
    )
    ref = failing.provider_brand_id
    failed = await until(lambda: telnyx.get_brand(ref), lambda b: b.status != "PENDING")
    assert failed.status == "FAILED" and failed.failure_reasons == (
        "Tax Id does not match the company name",
    )
    (why,) = await telnyx.brand_feedback(ref)
    assert (why.code, why.fields) == ("TAX_ID", ("ein", "company_name", "entity_type"))
    with pytest.raises(ProviderFieldsRejected) as unverified:
        await telnyx.register_campaign(BrandRef(ref), CAMPAIGN, "nl_" + "f" * 32)
    assert unverified.value.fields == {"brand_id": "telnyx: Brand is not verified"}
    with pytest.raises(ProviderObjectNotFound):
        await telnyx.brand_feedback("no-such-brand")
    assert proxy.violations == []


async def test_campaign_operations(
    telnyx: TelnyxProvider, fake: FakeTelnyx, proxy: SpecCheckedProxy
) -> None:
    brand = await telnyx.register_brand(COMPANY, "nl_" + "1" * 32)
    owner = BrandRef(brand.provider_brand_id, brand.tcr_brand_id, "PUBLIC_PROFIT", "TECHNOLOGY")
    await until(lambda: telnyx.get_brand(owner.provider_brand_id), lambda b: b.status == "ACTIVE")

    reference = "nl_" + "2" * 32
    campaign = await telnyx.register_campaign(owner, CAMPAIGN, reference)
    assert (campaign.status, campaign.provider_status) == ("PENDING", "TCR_PENDING")
    held = next(c for c in fake.registered()["campaigns"] if c["referenceId"] == reference)
    assert (held["helpKeywords"], held["optoutKeywords"], held["sample2"]) == (
        "HELP,INFO", "STOP,END", "Acme: reply HELP for help.",
    )  # fmt: skip
    assert held["termsAndConditions"] is True and held["webhookURL"] == WEBHOOK
    found = await telnyx.find_campaign(reference, owner)
    assert found is not None and found.provider_campaign_id == campaign.provider_campaign_id
    assert await telnyx.find_campaign("nl_" + "3" * 32, owner) is None
    with pytest.raises(ProviderFieldsRejected):  # Telnyx's referenceId is unique
        await telnyx.register_campaign(owner, CAMPAIGN, reference)

    ref = campaign.provider_campaign_id
    active = await until(
        lambda: telnyx.get_campaign(ref), lambda c: c.provider_status == "MNO_PROVISIONED"
    )
    assert active.status == "ACTIVE" and active.tcr_campaign_id
    carriers = await telnyx.carrier_statuses(ref)
    assert {(c.carrier, c.status, c.provider_status, c.tpm) for c in carriers} == {
        (name, "APPROVED", "APPROVED", 240) for name in ("AT&T", "T-Mobile", "Verizon Wireless")
    }
    changed = CampaignFields(**{**CAMPAIGN.given(), "sample_messages": ("New sample.",)})
    updated = await telnyx.update_campaign(ref, changed, frozenset({"sample_messages"}))
    assert updated.status == "ACTIVE"
    assert (
        next(c for c in fake.registered()["campaigns"] if c["campaignId"] == ref)["sample1"]
        == "New sample."
    )
    with pytest.raises(ProviderRejectedError, match="not in an appealable status"):
        await telnyx.appeal_campaign(ref, "please")

    failing = await telnyx.register_campaign(
        owner,
        CampaignFields(**{**CAMPAIGN.given(), "description": "Reminders [fail]"}),
        "nl_" + "4" * 32,
    )
    rejected = await until(
        lambda: telnyx.get_campaign(failing.provider_campaign_id), lambda c: c.status != "PENDING"
    )
    assert (rejected.status, rejected.provider_status) == ("REJECTED", "TELNYX_FAILED")
    appealed = await telnyx.appeal_campaign(failing.provider_campaign_id, "Samples fixed.")
    assert (appealed.status, appealed.provider_status) == ("PENDING", "TCR_ACCEPTED")

    await telnyx.deactivate_campaign(failing.provider_campaign_id)
    with pytest.raises(ProviderRejectedError, match="active campaigns"):
        await telnyx.delete_brand(owner.provider_brand_id)
    await telnyx.deactivate_campaign(ref)
    await telnyx.delete_brand(owner.provider_brand_id)
    with pytest.raises(ProviderObjectNotFound):
        await telnyx.delete_brand(owner.provider_brand_id)
    assert proxy.violations == []


async def test_shared_campaigns(telnyx: TelnyxProvider, proxy: SpecCheckedProxy) -> None:
    shared = await telnyx.accept_shared_campaign("CSHARE1")
    assert (shared.provider_campaign_id, shared.tcr_campaign_id, shared.provider_brand_id) == (
        "CSHARE1", "CSHARE1", None,
    )  # fmt: skip
    assert shared.status == "ACTIVE"
    assert await telnyx.accept_shared_campaign("CSHARE1") == shared  # again: the same
    assert (await telnyx.get_shared_campaign("CSHARE1")).status == "ACTIVE"
    with pytest.raises(ProviderFieldsRejected) as refused:
        await telnyx.accept_shared_campaign("CNOSHARE")
    assert refused.value.fields == {
        "tcr_campaign_id": "telnyx: Campaign is not shared with this account (HTTP 400)"
    }
    with pytest.raises(ProviderObjectNotFound):
        await telnyx.get_shared_campaign("CUNKNOWN")
    assert proxy.violations == []
