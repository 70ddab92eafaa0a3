"""The Telnyx adapter against Prism's mock of Telnyx's OpenAPI spec: every request the adapter
sends must be one the spec allows (Prism refuses the rest with 4xx, which fails the call), and
the adapter must read the spec's example answers into sensible values."""

from collections.abc import AsyncIterator

import httpx
import pytest

from providers.base import LinkState, ProfileTaskStatus, ProviderRejectedError
from providers.registration import BrandFields, BrandRef, CampaignFields
from providers.telnyx import TelnyxProvider
from providers.telnyx.mapping import CAMPAIGN_STATUS, IDENTITY_STATUSES

pytest_plugins = ["tests.support.prism"]  # provides the ``prism_url`` fixture

NUMBER = "+14155552671"
OTHER_NUMBER = "+14155552672"
# /phone_numbers answers with the spec's example record, whatever number is asked for
EXAMPLE_NUMBER = "+19705555098"
NUMLINK_CAMPAIGN_STATUSES = {"PENDING", "ACTIVE", "EXPIRED", "REJECTED", "SUSPENDED"}


@pytest.fixture
async def telnyx(prism_url: str) -> AsyncIterator[TelnyxProvider]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield TelnyxProvider(client, "KEY_CONTRACT", prism_url)


async def test_link_move_unlink_are_on_spec(telnyx: TelnyxProvider) -> None:
    await telnyx.link(NUMBER, "C1")
    assert await telnyx.link_many([NUMBER, OTHER_NUMBER], "C1") == {}
    await telnyx.move(NUMBER, "C1", "C2")
    await telnyx.unlink(NUMBER, "C2")


async def test_link_status_reads_the_example(telnyx: TelnyxProvider) -> None:
    link = await telnyx.get_link_status(NUMBER, "C1")
    assert isinstance(link.state, LinkState) and link.state is not LinkState.UNLINKED
    if link.state in (LinkState.LINKED, LinkState.FAILED):
        assert isinstance(link.campaign_ref, str) and link.campaign_ref
    if link.state is LinkState.FAILED:
        assert link.reason is not None and link.reason.startswith("telnyx: ")


async def test_brand_campaign_and_number_read_the_examples(telnyx: TelnyxProvider) -> None:
    brand = await telnyx.get_brand("B1")
    assert brand.provider_brand_id == "B1"
    assert brand.identity_status in IDENTITY_STATUSES
    assert brand.status in {"ACTIVE", "PENDING", "FAILED"}
    assert isinstance(brand.display_name, str) and brand.display_name

    campaign = await telnyx.get_campaign("C1")
    assert campaign.provider_campaign_id == "C1"
    assert campaign.provider_status in CAMPAIGN_STATUS
    assert campaign.status == CAMPAIGN_STATUS[campaign.provider_status]
    assert campaign.status in NUMLINK_CAMPAIGN_STATUSES
    assert isinstance(campaign.provider_brand_id, str) and campaign.provider_brand_id

    number = await telnyx.get_number(EXAMPLE_NUMBER)
    assert number.number == EXAMPLE_NUMBER
    # the example is an active number on a messaging profile
    assert number.assigned and number.sms_enabled


async def test_profile_assignment_is_on_spec(telnyx: TelnyxProvider) -> None:
    task_id = await telnyx.assign_by_profile("MP1", "C1")
    assert isinstance(task_id, str) and task_id

    task = await telnyx.get_profile_task(task_id)
    assert task.task_id == task_id
    assert isinstance(task.status, ProfileTaskStatus)

    numbers = await telnyx.list_profile_task_numbers(task_id)
    assert numbers, "the example lists one number"
    for entry in numbers:
        assert entry.number.startswith("+") and entry.status


async def test_prism_refuses_off_spec_requests(prism_url: str) -> None:
    """What makes the tests above a contract: a request the spec does not allow fails."""
    async with httpx.AsyncClient(base_url=prism_url, timeout=10) as client:
        missing_campaign = await client.post(
            "/10dlc/phone_number_campaigns",
            json={"phoneNumber": NUMBER},
            headers={"Authorization": "Bearer KEY_CONTRACT"},
        )
        assert missing_campaign.status_code == 422
        anonymous = await client.get("/10dlc/brand/B1")
        assert anonymous.status_code == 401


async def test_request_without_bearer_is_rejected(prism_url: str) -> None:
    async def drop_credentials(request: httpx.Request) -> None:
        del request.headers["authorization"]

    async with httpx.AsyncClient(timeout=10, event_hooks={"request": [drop_credentials]}) as client:
        anonymous = TelnyxProvider(client, "KEY_CONTRACT", prism_url)
        with pytest.raises(ProviderRejectedError, match="HTTP 401"):
            await anonymous.link(NUMBER, "C1")


async def test_every_registration_request_is_on_spec(prism_url: str) -> None:
    """Every registration call against the spec's examples: Prism refuses an off-spec request
    (a 4xx the adapter would raise), and the examples read into numlink's values."""
    brand_fields = BrandFields(
        entity_type="SOLE_PROPRIETOR", display_name="Jo", first_name="Jo", last_name="Doe",
        email="jo@example.com", phone="+14155550101", country="US", vertical="EDUCATION",
    )  # fmt: skip
    campaign_fields = CampaignFields(
        usecase="SOLE_PROPRIETOR", description="Tutoring reminders.", sample_messages=("Hi",),
        help_keywords=("HELP",), auto_renewal=True, subscriber_optout=True,
    )  # fmt: skip
    async with httpx.AsyncClient(timeout=10) as client:
        telnyx = TelnyxProvider(client, "KEY", prism_url, webhook_url="https://n.example/h/t")
        brand = await telnyx.register_brand(brand_fields, "nl_" + "0" * 32)
        assert brand.identity_status in IDENTITY_STATUSES and brand.provider_brand_id
        assert await telnyx.find_brand("nl_" + "0" * 32, brand_fields) is None  # not ours
        await telnyx.update_brand("B1", brand_fields, frozenset({"display_name"}))
        await telnyx.delete_brand("B1")
        await telnyx.resend_2fa_email("B1")
        assert (await telnyx.send_otp("B1")).status in ("SENT", "VERIFIED")
        await telnyx.verify_otp("B1", "123456")
        assert await telnyx.get_otp("B1") is not None
        await telnyx.brand_feedback("B1")
        await telnyx.list_vettings("B1")
        await telnyx.order_vetting("B1", "AEGIS", "STANDARD")
        await telnyx.import_vetting("B1", "AEGIS", "V1", None)
        await telnyx.revet_brand("B1")
        assert (await telnyx.qualify_usecase("B1", "SOLE_PROPRIETOR")).usecase == "SOLE_PROPRIETOR"
        owner = BrandRef("B1", None, "SOLE_PROPRIETOR", "EDUCATION")
        campaign = await telnyx.register_campaign(owner, campaign_fields, "nl_" + "1" * 32)
        assert campaign.status in NUMLINK_CAMPAIGN_STATUSES
        await telnyx.find_campaign("nl_" + "1" * 32, owner)
        changed = frozenset({"sample_messages", "auto_renewal"})
        await telnyx.update_campaign("C1", campaign_fields, changed)
        await telnyx.deactivate_campaign("C1")
        await telnyx.appeal_campaign("5eb13888-32b7-4cab-95e6-d834dde21d64", "Fixed.")
        assert await telnyx.carrier_statuses("C1") != ()
        shared = await telnyx.accept_shared_campaign("CABC123")
        assert shared.provider_brand_id is None and shared.tcr_campaign_id
