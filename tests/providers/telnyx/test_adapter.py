"""The Telnyx adapter's requests and its reading of Telnyx's answers (respx, no network)."""

import json
from collections.abc import AsyncIterator

import httpx
import pytest
import respx

from providers.base import (
    LinkState,
    ProviderObjectNotFound,
    ProviderRejectedError,
    ProviderTemporaryError,
)
from providers.telnyx import TelnyxProvider

BASE = "https://telnyx.test/v2"
NUMBER = "+14155552671"


@pytest.fixture
async def telnyx() -> AsyncIterator[TelnyxProvider]:
    async with httpx.AsyncClient(timeout=2) as client:
        yield TelnyxProvider(client, "KEY_SECRET", BASE)


def assignment(status: str, campaign: str = "C1", **extra: str) -> dict[str, str]:
    return {
        "phoneNumber": NUMBER,
        "campaignId": campaign,
        "assignmentStatus": status,
        "createdAt": "2026-01-01T00:00:00",
        "updatedAt": "2026-01-01T00:00:00",
        **extra,
    }


@respx.mock
async def test_link_move_unlink_requests(telnyx: TelnyxProvider) -> None:
    created = respx.post(f"{BASE}/10dlc/phone_number_campaigns").respond(
        200, json=assignment("PENDING_ASSIGNMENT")
    )
    moved = respx.put(f"{BASE}/10dlc/phone_number_campaigns/{NUMBER}").respond(
        200, json=assignment("PENDING_ASSIGNMENT", "C2")
    )
    removed = respx.delete(f"{BASE}/10dlc/phone_number_campaigns/{NUMBER}").respond(
        200, json=assignment("PENDING_UNASSIGNMENT", "C2")
    )
    await telnyx.link(NUMBER, "C1")
    await telnyx.move(NUMBER, "C1", "C2")
    await telnyx.unlink(NUMBER, "C2")
    assert json.loads(created.calls.last.request.content) == {
        "phoneNumber": NUMBER,
        "campaignId": "C1",
    }
    assert json.loads(moved.calls.last.request.content) == {
        "phoneNumber": NUMBER,
        "campaignId": "C2",
    }
    assert removed.called
    assert created.calls.last.request.headers["authorization"] == "Bearer KEY_SECRET"


@pytest.mark.parametrize(
    ("status", "state", "campaign"),
    [
        ("ASSIGNED", LinkState.LINKED, "C1"),
        ("PENDING_ASSIGNMENT", LinkState.PENDING, "C1"),
        ("FAILED_ASSIGNMENT", LinkState.FAILED, "C1"),
        ("PENDING_UNASSIGNMENT", LinkState.PENDING, None),
        ("FAILED_UNASSIGNMENT", LinkState.FAILED, None),
    ],
)
@respx.mock
async def test_assignment_statuses(
    telnyx: TelnyxProvider, status: str, state: LinkState, campaign: str | None
) -> None:
    respx.get(f"{BASE}/10dlc/phone_number_campaigns/{NUMBER}").respond(
        200, json=assignment(status, failureReasons="carrier said no")
    )
    link = await telnyx.get_link_status(NUMBER, "C1")
    assert (link.state, link.campaign_ref) == (state, campaign)
    if state is LinkState.FAILED:
        assert link.reason == "telnyx: carrier said no"


@respx.mock
async def test_no_assignment_is_unlinked(telnyx: TelnyxProvider) -> None:
    respx.get(f"{BASE}/10dlc/phone_number_campaigns/{NUMBER}").respond(
        404, json={"errors": [{"code": "10005", "title": "Resource not found"}]}
    )
    assert (await telnyx.get_link_status(NUMBER, "C1")).state is LinkState.UNLINKED


@respx.mock
async def test_brand_campaign_and_number(telnyx: TelnyxProvider) -> None:
    respx.get(f"{BASE}/10dlc/brand/B1").respond(
        200,
        json={
            "brandId": "B1",
            "displayName": "Acme",
            "identityStatus": "VETTED_VERIFIED",
            "status": "OK",
        },
    )
    respx.get(f"{BASE}/10dlc/campaign/C1").respond(
        200,
        json={
            "campaignId": "C1",
            "brandId": "B1",
            "tcrCampaignId": "CX1",
            "usecase": "MIXED",
            "campaignStatus": "MNO_PROVISIONED",
        },
    )
    respx.get(f"{BASE}/phone_numbers", params={"filter[phone_number]": NUMBER}).respond(
        200,
        json={
            "data": [{"phone_number": NUMBER, "status": "active", "messaging_profile_id": "MP1"}]
        },
    )
    brand = await telnyx.get_brand("B1")
    assert (brand.display_name, brand.identity_status, brand.status) == (
        "Acme",
        "VETTED_VERIFIED",
        "ACTIVE",
    )
    campaign = await telnyx.get_campaign("C1")
    assert (campaign.status, campaign.provider_status, campaign.provider_brand_id) == (
        "ACTIVE",
        "MNO_PROVISIONED",
        "B1",
    )
    number = await telnyx.get_number(NUMBER)
    assert number.assigned and number.sms_enabled


@respx.mock
async def test_number_without_messaging_profile_is_not_assigned(telnyx: TelnyxProvider) -> None:
    respx.get(f"{BASE}/phone_numbers").respond(
        200,
        json={"data": [{"phone_number": NUMBER, "status": "active", "messaging_profile_id": None}]},
    )
    assert (await telnyx.get_number(NUMBER)).assigned is False
    respx.get(f"{BASE}/phone_numbers").respond(200, json={"data": []})
    with pytest.raises(ProviderObjectNotFound):
        await telnyx.get_number(NUMBER)


@pytest.mark.parametrize(
    ("response", "error", "reason_part"),
    [
        (httpx.Response(429, headers={"retry-after": "7"}), ProviderTemporaryError, "rate limited"),
        (httpx.Response(503, text="<html>down</html>"), ProviderTemporaryError, "HTTP 503"),
        (httpx.Response(200, text="<html>oops</html>"), ProviderTemporaryError, "non-JSON"),
        (httpx.Response(200, json=[1, 2]), ProviderTemporaryError, "not a JSON object"),
        (
            httpx.Response(
                422,
                json={
                    "errors": [
                        {"code": "10015", "title": "Bad", "detail": "campaign is not active"}
                    ]
                },
            ),
            ProviderRejectedError,
            "campaign is not active",
        ),
        (httpx.Response(400, text="nope"), ProviderRejectedError, "HTTP 400"),
    ],
)
@respx.mock
async def test_error_answers(
    telnyx: TelnyxProvider, response: httpx.Response, error: type[Exception], reason_part: str
) -> None:
    respx.post(f"{BASE}/10dlc/phone_number_campaigns").mock(return_value=response)
    with pytest.raises(error) as raised:
        await telnyx.link(NUMBER, "C1")
    assert reason_part in str(raised.value)
    if response.status_code == 429:
        assert isinstance(raised.value, ProviderTemporaryError) and raised.value.retry_after == 7.0


@respx.mock
async def test_transport_failures_are_temporary(telnyx: TelnyxProvider) -> None:
    respx.post(f"{BASE}/10dlc/phone_number_campaigns").mock(side_effect=httpx.ConnectError("reset"))
    with pytest.raises(ProviderTemporaryError, match="connection failed"):
        await telnyx.link(NUMBER, "C1")
    respx.post(f"{BASE}/10dlc/phone_number_campaigns").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(ProviderTemporaryError, match="timed out"):
        await telnyx.link(NUMBER, "C1")


@respx.mock
async def test_garbled_assignment_is_temporary(telnyx: TelnyxProvider) -> None:
    respx.get(f"{BASE}/10dlc/phone_number_campaigns/{NUMBER}").respond(
        200, json={"phoneNumber": NUMBER, "assignmentStatus": "WHATEVER"}
    )
    with pytest.raises(ProviderTemporaryError, match="unknown assignmentStatus"):
        await telnyx.get_link_status(NUMBER, "C1")
