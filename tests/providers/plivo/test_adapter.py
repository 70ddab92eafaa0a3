"""The Plivo adapter against a fake Plivo API on 127.0.0.1, and against broken answers (respx)."""

import asyncio
import base64
import time
from collections.abc import AsyncIterator, Iterator
from email.utils import formatdate

import httpx
import pytest
import respx

from providers.base import (
    LinkState,
    LinkStatus,
    ProviderObjectNotFound,
    ProviderRejectedError,
    ProviderTemporaryError,
)
from providers.plivo import PlivoProvider
from tests.providers.plivo.fake_server import FakePlivo

AUTH_ID = "MAFAKEAUTHID00000001"
TOKEN = "fake-auth-token-SECRET"
CALLBACK = "https://numlink.test/webhooks/plivo"
N1, N2, N3 = "+14155550101", "+14155550102", "+14155550103"
PREFIX = f"/v1/Account/{AUTH_ID}"


@pytest.fixture
def fake() -> Iterator[FakePlivo]:
    with FakePlivo(AUTH_ID, TOKEN) as server:
        server.add_campaign("CAMP1")
        server.add_campaign("CAMP2")
        yield server


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=2) as http:
        yield http


@pytest.fixture
def plivo(client: httpx.AsyncClient, fake: FakePlivo) -> PlivoProvider:
    return PlivoProvider(client, AUTH_ID, TOKEN, base_url=fake.base_url, callback_url=CALLBACK)


def paths(fake: FakePlivo) -> list[str]:
    return [f"{r.method} {r.path}" for r in fake.calls()]


async def test_link_sends_the_documented_request(plivo: PlivoProvider, fake: FakePlivo) -> None:
    await plivo.link(N1, "CAMP1")
    [request] = fake.calls()
    assert (request.method, request.path) == ("POST", f"{PREFIX}/10dlc/Campaign/CAMP1/Number/")
    assert request.json == {"numbers": ["14155550101"], "url": CALLBACK, "method": "POST"}
    assert await plivo.get_link_status(N1, "CAMP1") == LinkStatus(LinkState.LINKED, "CAMP1")


async def test_no_callback_url_sends_no_url_or_method(
    client: httpx.AsyncClient, fake: FakePlivo
) -> None:
    plivo = PlivoProvider(client, AUTH_ID, TOKEN, base_url=fake.base_url)
    await plivo.link(N1, "CAMP1")
    assert fake.calls()[0].json == {"numbers": ["14155550101"]}


async def test_link_many_is_one_request_and_failures_show_in_status(
    plivo: PlivoProvider, fake: FakePlivo
) -> None:
    fake.fail_numbers[N3] = "carrier rejected the number"
    assert await plivo.link_many([N1, N2, N3], "CAMP1") == {}
    assert [r.json["numbers"] for r in fake.calls("POST")] == [
        ["14155550101", "14155550102", "14155550103"]
    ]
    assert (await plivo.get_link_status(N2, "CAMP1")).state is LinkState.LINKED
    assert await plivo.get_link_status(N3, "CAMP1") == LinkStatus(
        LinkState.FAILED, "CAMP1", "plivo: carrier rejected the number"
    )


async def test_link_is_pending_until_plivo_settles(client: httpx.AsyncClient) -> None:
    with FakePlivo(AUTH_ID, TOKEN, settle_after_s=0.3) as slow:
        slow.add_campaign("CAMP1")
        plivo = PlivoProvider(client, AUTH_ID, TOKEN, base_url=slow.base_url)
        await plivo.link(N1, "CAMP1")
        assert await plivo.get_link_status(N1, "CAMP1") == LinkStatus(LinkState.PENDING, "CAMP1")
        await asyncio.sleep(0.35)
        assert await plivo.get_link_status(N1, "CAMP1") == LinkStatus(LinkState.LINKED, "CAMP1")


async def test_unknown_link_is_unlinked(plivo: PlivoProvider, fake: FakePlivo) -> None:
    assert await plivo.get_link_status(N1, "CAMP1") == LinkStatus(LinkState.UNLINKED)
    assert paths(fake) == [f"GET {PREFIX}/10dlc/Campaign/CAMP1/Number/14155550101/"]
    # without a campaign there is nothing to ask Plivo about
    assert await plivo.get_link_status(N1, None) == LinkStatus(LinkState.UNLINKED)
    assert len(fake.calls()) == 1


async def test_unlink_deletes_and_a_missing_link_counts_as_done(
    plivo: PlivoProvider, fake: FakePlivo
) -> None:
    await plivo.link(N1, "CAMP1")
    await plivo.unlink(N1, "CAMP1")
    assert fake.link_status(N1) is None
    await plivo.unlink(N1, "CAMP1")  # Plivo answers 404 now
    deletes = fake.calls("DELETE")
    assert [r.path for r in deletes] == [f"{PREFIX}/10dlc/Campaign/CAMP1/Number/14155550101/"] * 2
    assert deletes[0].json == {"url": CALLBACK, "method": "POST"}
    assert await plivo.get_link_status(N1, "CAMP1") == LinkStatus(LinkState.UNLINKED)


async def test_move_unlinks_then_links(plivo: PlivoProvider, fake: FakePlivo) -> None:
    await plivo.link(N1, "CAMP1")
    await plivo.move(N1, "CAMP1", "CAMP2")
    assert paths(fake)[1:] == [
        f"DELETE {PREFIX}/10dlc/Campaign/CAMP1/Number/14155550101/",
        f"POST {PREFIX}/10dlc/Campaign/CAMP2/Number/",
    ]
    assert fake.link_status(N1) == ("CAMP2", "COMPLETED")


async def test_move_stops_when_the_unlink_fails(plivo: PlivoProvider, fake: FakePlivo) -> None:
    await plivo.link(N1, "CAMP1")
    fake.fail_next(503, {"error": "service unavailable"})
    with pytest.raises(ProviderTemporaryError, match="HTTP 503"):
        await plivo.move(N1, "CAMP1", "CAMP2")
    assert [r.method for r in fake.calls()] == ["POST", "DELETE"]
    assert fake.link_status(N1) == ("CAMP1", "COMPLETED")


async def test_repeated_link_is_not_a_refusal(plivo: PlivoProvider, fake: FakePlivo) -> None:
    await plivo.link(N1, "CAMP1")
    await plivo.link(N1, "CAMP1")  # Plivo: "already requested for linking"
    assert [r.method for r in fake.calls()] == ["POST", "POST", "GET"]


async def test_link_of_a_number_held_elsewhere_is_refused(
    plivo: PlivoProvider, fake: FakePlivo
) -> None:
    await plivo.link(N1, "CAMP1")
    with pytest.raises(ProviderRejectedError) as refused:
        await plivo.link(N1, "CAMP2")
    assert not isinstance(refused.value, ProviderObjectNotFound)
    assert refused.value.reason == (
        "plivo: The number 14155550101 is linked to another campaign (HTTP 400)"
    )


async def test_batch_refused_for_one_number_links_the_others(
    plivo: PlivoProvider, fake: FakePlivo
) -> None:
    await plivo.link(N2, "CAMP2")
    refused = await plivo.link_many([N1, N2, N3], "CAMP1")
    assert list(refused) == [N2]
    assert "linked to another campaign" in refused[N2]
    assert fake.link_status(N1) == ("CAMP1", "COMPLETED")
    assert fake.link_status(N3) == ("CAMP1", "COMPLETED")
    assert fake.link_status(N2) == ("CAMP2", "COMPLETED")


async def test_link_to_unknown_campaign_is_not_found(plivo: PlivoProvider) -> None:
    with pytest.raises(ProviderObjectNotFound, match="campaign not found"):
        await plivo.link(N1, "NOPE")
    with pytest.raises(ProviderObjectNotFound):
        await plivo.link_many([N1, N2], "NOPE")


async def test_wrong_credentials_are_refused_without_leaking_the_token(
    client: httpx.AsyncClient, fake: FakePlivo
) -> None:
    plivo = PlivoProvider(client, AUTH_ID, "wrong-token", base_url=fake.base_url)
    with pytest.raises(ProviderRejectedError) as refused:
        await plivo.link(N1, "CAMP1")
    assert "HTTP 401" in refused.value.reason
    with pytest.raises(ProviderRejectedError, match="HTTP 401"):
        await plivo.link_many([N1, N2], "CAMP1")  # an account refusal: no retry per number
    assert [(r.method, r.authorized) for r in fake.requests] == [
        ("POST", False),
        ("POST", False),
    ]
    good = PlivoProvider(client, AUTH_ID, TOKEN, base_url=fake.base_url)
    assert TOKEN not in repr(good) and "wrong-token" not in str(refused.value)


@pytest.mark.parametrize(
    ("plivo_status", "status"),
    [
        ("ACTIVE", "ACTIVE"),
        ("Active", "ACTIVE"),
        ("PROCESSING", "PENDING"),
        ("FAILED", "REJECTED"),
        ("EXPIRED", "EXPIRED"),
        ("SUSPENDED", "SUSPENDED"),
    ],
)
async def test_campaign_statuses(
    plivo: PlivoProvider, fake: FakePlivo, plivo_status: str, status: str
) -> None:
    fake.add_campaign("CX5NVUA", brand_id="BOZ5T2X", status=plivo_status, usecase="STARTER")
    campaign = await plivo.get_campaign("CX5NVUA")
    assert (campaign.status, campaign.provider_status) == (status, plivo_status)
    assert (campaign.provider_brand_id, campaign.tcr_campaign_id, campaign.usecase) == (
        "BOZ5T2X",
        "CX5NVUA",
        "SOLE_PROPRIETOR",  # Plivo's STARTER, in numlink's words
    )


@pytest.mark.parametrize(
    ("registration", "vetting", "identity", "status"),
    [
        ("COMPLETED", "ACTIVE", "VETTED_VERIFIED", "ACTIVE"),
        ("COMPLETED", None, "VERIFIED", "ACTIVE"),
        ("PROCESSING", None, "UNVERIFIED", "PENDING"),
        ("FAILED", None, "UNVERIFIED", "FAILED"),
    ],
)
async def test_brand_statuses(
    plivo: PlivoProvider,
    fake: FakePlivo,
    registration: str,
    vetting: str | None,
    identity: str,
    status: str,
) -> None:
    fake.brands["B1"] = {
        "brand_id": "B1",
        "brand_alias": "Acme",
        "registration_status": registration,
        "vetting_status": vetting,
    }
    brand = await plivo.get_brand("B1")
    assert (brand.display_name, brand.identity_status, brand.status) == ("Acme", identity, status)


async def test_numbers_on_the_account(plivo: PlivoProvider, fake: FakePlivo) -> None:
    fake.add_number(N1, sms_enabled=True, mms_enabled=False)
    fake.add_number(N2, sms_enabled=False)
    one = await plivo.get_number(N1)
    assert (one.number, one.assigned, one.sms_enabled, one.mms_enabled) == (N1, True, True, False)
    assert (await plivo.get_number(N2)).assigned is False
    assert paths(fake)[0] == f"GET {PREFIX}/Number/14155550101/"
    with pytest.raises(ProviderObjectNotFound):
        await plivo.get_number(N3)
    with pytest.raises(ProviderObjectNotFound):
        await plivo.get_brand("NOPE")
    with pytest.raises(ProviderObjectNotFound):
        await plivo.get_campaign("NOPE")


async def test_rate_limit_through_http(plivo: PlivoProvider, fake: FakePlivo) -> None:
    fake.fail_next(429, {"error": "too many requests"}, {"Retry-After": "3"})
    with pytest.raises(ProviderTemporaryError) as limited:
        await plivo.link(N1, "CAMP1")
    assert limited.value.retry_after == 3.0


BASE = "https://plivo.test"
LINKS = f"{BASE}{PREFIX}/10dlc/Campaign/CAMP1/Number/"


@pytest.fixture
def mocked(client: httpx.AsyncClient) -> PlivoProvider:
    return PlivoProvider(client, AUTH_ID, TOKEN, base_url=BASE)


@pytest.mark.parametrize(
    ("response", "error", "reason"),
    [
        (httpx.Response(429, headers={"retry-after": "7"}), ProviderTemporaryError, "rate limited"),
        (httpx.Response(502, text="<html>bad gateway</html>"), ProviderTemporaryError, "HTTP 502"),
        (
            httpx.Response(200, text="<html>ok</html>", headers={"content-type": "text/html"}),
            ProviderTemporaryError,
            "plivo: unexpected response: non-JSON body (text/html, HTTP 200)",
        ),
        (
            httpx.Response(202, json=["accepted"]),
            ProviderTemporaryError,
            "plivo: unexpected response: body is not a JSON object (HTTP 202)",
        ),
        (
            httpx.Response(400, json={"api_id": "a", "error": "invalid number format"}),
            ProviderRejectedError,
            "plivo: invalid number format (HTTP 400)",
        ),
        (
            httpx.Response(400, json={"api_id": "a", "error": {"numbers": ["required"]}}),
            ProviderRejectedError,
            "plivo: numbers: ['required'] (HTTP 400)",
        ),
        (httpx.Response(403, text="forbidden"), ProviderRejectedError, "plivo: HTTP 403"),
    ],
)
@respx.mock
async def test_error_answers(
    mocked: PlivoProvider, response: httpx.Response, error: type[Exception], reason: str
) -> None:
    respx.get(f"{BASE}{PREFIX}/10dlc/Campaign/C1/").mock(return_value=response)
    with pytest.raises(error) as raised:
        await mocked.get_campaign("C1")
    assert reason in str(raised.value)
    if response.status_code == 429:
        assert isinstance(raised.value, ProviderTemporaryError) and raised.value.retry_after == 7.0


@respx.mock
async def test_refused_link_reports_plivo_error(mocked: PlivoProvider) -> None:
    respx.post(LINKS).respond(400, json={"api_id": "a", "error": "invalid number format"})
    status = respx.get(f"{LINKS}14155550101/").respond(404, json={"error": "not linked"})
    with pytest.raises(ProviderRejectedError) as refused:
        await mocked.link(N1, "CAMP1")
    assert refused.value.reason == "plivo: invalid number format (HTTP 400)"
    assert status.called  # a refused repeat of an accepted link would not be an error


@respx.mock
async def test_garbled_link_answer_is_temporary(mocked: PlivoProvider) -> None:
    respx.post(LINKS).respond(202, json={"api_id": "a", "phone_numbers": "all good"})
    with pytest.raises(ProviderTemporaryError) as raised:
        await mocked.link_many([N1, N2], "CAMP1")
    assert raised.value.reason == "plivo: unexpected response: phone_numbers is not a list"


@respx.mock
async def test_retry_after_as_a_date(mocked: PlivoProvider) -> None:
    respx.post(LINKS).respond(
        429, headers={"retry-after": formatdate(time.time() + 30, usegmt=True)}
    )
    with pytest.raises(ProviderTemporaryError) as limited:
        await mocked.link(N1, "CAMP1")
    assert limited.value.retry_after is not None and 25 < limited.value.retry_after <= 30


@respx.mock
async def test_failed_entries_in_the_link_answer_are_refusals(mocked: PlivoProvider) -> None:
    respx.post(LINKS).respond(
        202,
        json={
            "api_id": "a",
            "campaign_id": "CAMP1",
            "phone_numbers": [
                {"number": "14155550101", "status": "PROCESSING"},
                {"number": "14155550102", "status": "FAILED", "failure_reason": "not 10DLC"},
            ],
        },
    )
    assert await mocked.link_many([N1, N2], "CAMP1") == {N2: "plivo: not 10DLC"}
    with pytest.raises(ProviderRejectedError, match="not 10DLC"):
        await mocked.link(N2, "CAMP1")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"api_id": "a"}, "phone_numbers is not a list"),
        ({"phone_numbers": [{"number": 14155550101}]}, "without number and status"),
        ({"phone_numbers": []}, f"no status for {N1}"),
        ({"phone_numbers": [{"number": "14155550101", "status": "LOST"}]}, "unknown number status"),
    ],
)
@respx.mock
async def test_garbled_link_status_is_temporary(
    mocked: PlivoProvider, body: dict[str, object], reason: str
) -> None:
    respx.get(f"{LINKS}14155550101/").respond(200, json=body)
    with pytest.raises(ProviderTemporaryError, match="plivo: unexpected response") as raised:
        await mocked.get_link_status(N1, "CAMP1")
    assert reason in raised.value.reason


@respx.mock
async def test_garbled_records_are_temporary(mocked: PlivoProvider) -> None:
    respx.get(f"{BASE}{PREFIX}/10dlc/Campaign/C1/").respond(200, json={"api_id": "a"})
    respx.get(f"{BASE}{PREFIX}/10dlc/Brand/B1/").respond(200, json={"brand": {"brand_id": "B1"}})
    respx.get(f"{BASE}{PREFIX}/Number/14155550101/").respond(200, json={"number": "1999"})
    with pytest.raises(ProviderTemporaryError, match="no campaign object"):
        await mocked.get_campaign("C1")
    with pytest.raises(ProviderTemporaryError, match="without registration_status"):
        await mocked.get_brand("B1")
    with pytest.raises(ProviderTemporaryError, match="not for"):
        await mocked.get_number(N1)


@respx.mock
async def test_transport_failures_are_temporary(mocked: PlivoProvider) -> None:
    respx.post(LINKS).mock(side_effect=httpx.ConnectError("reset"))
    with pytest.raises(ProviderTemporaryError, match="connection failed"):
        await mocked.link(N1, "CAMP1")
    respx.post(LINKS).mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(ProviderTemporaryError, match="timed out"):
        await mocked.link(N1, "CAMP1")


@respx.mock
async def test_basic_auth_is_sent(mocked: PlivoProvider) -> None:
    route = respx.delete(f"{LINKS}14155550101/").respond(204)
    await mocked.unlink(N1, "CAMP1")
    expected = base64.b64encode(f"{AUTH_ID}:{TOKEN}".encode()).decode()
    assert route.calls.last.request.headers["authorization"] == f"Basic {expected}"
