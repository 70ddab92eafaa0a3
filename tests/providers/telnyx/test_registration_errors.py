"""How Telnyx's refusals reach numlink (respx): field errors in either of Telnyx's shapes come
back on numlink's field names; a refused key is never mistaken for a refused request."""

from collections.abc import AsyncIterator

import httpx
import pytest
import respx

from providers.base import ProviderFieldsRejected, ProviderRejectedError, ProviderTemporaryError
from providers.registration import BrandFields, BrandRef, CampaignFields
from providers.telnyx import TelnyxProvider

BASE = "https://api.telnyx.com/v2"
BRAND = BrandFields(entity_type="PRIVATE_PROFIT", display_name="Acme", email="a@b.example",
                    country="US", vertical="TECHNOLOGY", company_name="Acme LLC")  # fmt: skip


@pytest.fixture
async def telnyx() -> AsyncIterator[TelnyxProvider]:
    async with httpx.AsyncClient() as client:
        yield TelnyxProvider(client, "KEY", BASE, webhook_url="https://n.example/hook")


@respx.mock
async def test_field_errors_in_both_shapes_name_numlink_fields(telnyx: TelnyxProvider) -> None:
    respx.post(f"{BASE}/10dlc/brand").respond(
        422, json={"detail": [{"loc": ["body", "companyName"], "msg": "too long", "type": "x"}]}
    )
    with pytest.raises(ProviderFieldsRejected) as refused:
        await telnyx.register_brand(BRAND, "nl_1")
    assert refused.value.fields == {"company_name": "telnyx: too long"}

    errors = [
        {"code": "10015", "title": "Bad", "detail": "not valid", "source": {"pointer": "/sample2"}},
        {"code": "10015", "title": "Bad", "detail": "too short", "source": {"pointer": "/sample1"}},
        {"code": "10015", "title": "Bad", "detail": "unknown", "source": {"pointer": "/mnoIds"}},
    ]
    respx.post(f"{BASE}/10dlc/campaignBuilder").respond(400, json={"errors": errors})
    with pytest.raises(ProviderFieldsRejected) as campaign:
        await telnyx.register_campaign(BrandRef("B1"), CampaignFields(usecase="MIXED"), "nl_2")
    assert campaign.value.fields == {
        "sample_messages": "telnyx: not valid; too short",
        "body": "telnyx: unknown",
    }


@respx.mock
async def test_a_refused_key_is_not_a_refused_request(telnyx: TelnyxProvider) -> None:
    route = respx.get(f"{BASE}/10dlc/campaignBuilder/brand/B1/usecase/MIXED")
    route.respond(400, json={"errors": [{"code": "10007", "title": "Not qualified"}]})
    assert not (await telnyx.qualify_usecase("B1", "MIXED")).qualifies
    route.respond(401, json={"errors": [{"code": "10009", "title": "Authentication failed"}]})
    with pytest.raises(ProviderRejectedError, match="Authentication failed") as unauthorized:
        await telnyx.qualify_usecase("B1", "MIXED")
    assert not isinstance(unauthorized.value, ProviderFieldsRejected)
    respx.put(f"{BASE}/10dlc/brand/B1/smsOtp").respond(
        403, json={"errors": [{"code": "10010", "title": "Forbidden"}]}
    )
    with pytest.raises(ProviderRejectedError) as forbidden:
        await telnyx.verify_otp("B1", "123456")
    assert not isinstance(forbidden.value, ProviderFieldsRejected)
    route.respond(503, text="down")
    with pytest.raises(ProviderTemporaryError):
        await telnyx.qualify_usecase("B1", "MIXED")
