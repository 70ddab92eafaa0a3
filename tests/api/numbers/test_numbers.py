"""Phone numbers: register, get, list filters, PATCH. Also ids that are malformed or unknown
for any resource, and what live keys cannot use (the sandbox, an unconfigured provider)."""

import uuid
from typing import Any

import pytest

from tests.support.api import Api, World, data, error_code, us_number
from tests.support.numbers import canadian_number, toll_free_number


@pytest.mark.parametrize(
    ("make", "number_type"),
    [(us_number, "local"), (toll_free_number, "toll_free"), (canadian_number, "local")],
)
async def test_register_number_derives_type(world: World, make: Any, number_type: str) -> None:
    number = await world.number(make())
    assert number["number_type"] == number_type
    assert (number["assigned"], number["sms_enabled"], number["mms_enabled"]) == (True, True, True)
    assert number["campaign_id"] is None and number["carrier_line_option_status"] is None


@pytest.mark.parametrize(
    "raw",
    ["4155552671", "+1 415 555 2671", "+1415555267a", "", "+15555550100", "+0123", 14155552671],
)
async def test_register_rejects_non_e164(api: Api, world: World, raw: Any) -> None:
    response = await api.post(
        "/v1/phone-numbers", world.test_key, {"number": raw, "provider": "sandbox"}
    )
    assert (response.status_code, error_code(response)) == (422, "VALIDATION_FAILED")
    assert "number" in response.json()["error"]["details"]


async def test_register_duplicate_and_providers(api: Api, world: World) -> None:
    number = us_number()
    await world.number(number)
    duplicate = await api.post(
        "/v1/phone-numbers", world.test_key, {"number": number, "provider": "sandbox"}
    )
    assert (duplicate.status_code, error_code(duplicate)) == (409, "CONFLICT")
    unknown = await api.post(
        "/v1/phone-numbers", world.test_key, {"number": us_number(), "provider": "acme"}
    )
    assert (unknown.status_code, error_code(unknown)) == (422, "VALIDATION_FAILED")
    assert "provider" in unknown.json()["error"]["details"]
    for provider in ("telnyx", "plivo"):  # served by the sandbox in test mode
        registered = await world.number(provider=provider)
        assert registered["provider"] == provider
        fetched = data(await api.get(f"/v1/phone-numbers/{registered['id']}", world.test_key))
        assert fetched["provider"] == provider


@pytest.mark.parametrize(
    ("number", "number_type"),
    [("+14155552671", "local"), ("+18005550199", "toll_free"), ("+14165550123", "local")],
)
async def test_register_known_numbers(
    api: Api, world: World, number: str, number_type: str
) -> None:
    registered = await world.number(number)
    assert (registered["number"], registered["number_type"]) == (number, number_type)


async def test_live_keys_have_no_sandbox(api: Api, world: World) -> None:
    sandbox = await api.post(
        "/v1/phone-numbers", world.live_key, {"number": us_number(), "provider": "sandbox"}
    )
    assert (sandbox.status_code, error_code(sandbox)) == (422, "VALIDATION_FAILED")
    assert "provider" in sandbox.json()["error"]["details"]
    telnyx = await api.post(
        "/v1/phone-numbers", world.live_key, {"number": us_number(), "provider": "telnyx"}
    )
    assert (telnyx.status_code, error_code(telnyx)) == (409, "PROVIDER_NOT_CONFIGURED")
    brand = await api.post(
        "/v1/brands", world.live_key, {"provider": "plivo", "provider_brand_id": "B1"}
    )
    assert (brand.status_code, error_code(brand)) == (409, "PROVIDER_NOT_CONFIGURED")
    assert data(await api.get("/v1/phone-numbers", world.live_key)) == []


@pytest.mark.parametrize(
    "path",
    [
        "/v1/brands/not-a-uuid",
        "/v1/campaigns/not-a-uuid",
        "/v1/phone-numbers/not-a-uuid",
        "/v1/phone-numbers/123",
        f"/v1/phone-numbers/{uuid.uuid4()}",
    ],
)
async def test_malformed_or_unknown_ids_are_404(api: Api, world: World, path: str) -> None:
    response = await api.get(path, world.test_key)
    assert (response.status_code, error_code(response)) == (404, "NOT_FOUND")
    if path.startswith("/v1/phone-numbers/"):
        patched = await api.patch(path, world.test_key, {"label": "x"})
        assert (patched.status_code, error_code(patched)) == (404, "NOT_FOUND")


async def test_number_list_filters(api: Api, world: World) -> None:
    campaign = await world.campaign()
    attached, plain = await world.number(), await world.number(toll_free_number())
    data(await world.attach(attached["id"], campaign["id"]))
    cases = {
        f"campaign_id={campaign['id']}": [attached["id"]],
        "number_type=toll_free": [plain["id"]],
        "carrier_line_option_status=pending": [attached["id"]],
        "provider=sandbox": [plain["id"], attached["id"]],
        "provider=plivo": [],
    }
    for query, expected in cases.items():
        listed = data(await api.get(f"/v1/phone-numbers?{query}", world.test_key))
        assert [n["id"] for n in listed] == expected, query
    for query in ("campaign_id=x", "carrier_line_option_status=done", "provider=acme"):
        response = await api.get(f"/v1/phone-numbers?{query}", world.test_key)
        assert error_code(response) == "VALIDATION_FAILED", query


async def test_patch_fields(api: Api, world: World) -> None:
    number = await world.number()
    path = f"/v1/phone-numbers/{number['id']}"
    patched = data(
        await api.patch(
            path,
            world.test_key,
            {
                "label": "front desk",
                "inbound_url": "https://example.com/in",
                "status_url": "http://h/s",
            },
        )
    )
    assert (patched["label"], patched["inbound_url"], patched["status_url"]) == (
        "front desk",
        "https://example.com/in",
        "http://h/s",
    )
    assert data(await api.patch(path, world.test_key, {})) == patched
    cleared = data(await api.patch(path, world.test_key, {"label": None}))
    assert cleared["label"] is None and cleared["inbound_url"] == "https://example.com/in"
    for body in (
        {"number": "+12025550143"},
        {"inbound_url": "ftp://x"},
        {"label": 3},
        {"assigned": False},
    ):
        response = await api.patch(path, world.test_key, body)
        assert error_code(response) == "VALIDATION_FAILED", body


async def test_patch_campaign_attaches_and_detaches(api: Api, world: World) -> None:
    campaign = await world.campaign()
    number = await world.number()
    path = f"/v1/phone-numbers/{number['id']}"
    attached = data(
        await api.patch(path, world.test_key, {"campaign_id": campaign["id"], "label": "a"})
    )
    assert (attached["campaign_id"], attached["carrier_line_option_status"], attached["label"]) == (
        campaign["id"],
        "pending",
        "a",
    )
    detached = data(await api.patch(path, world.test_key, {"campaign_id": None}))
    assert detached["campaign_id"] is None


async def test_patch_is_all_or_nothing(api: Api, world: World) -> None:
    inactive = await world.campaign(status="PENDING")
    number = await world.number()
    path = f"/v1/phone-numbers/{number['id']}"
    response = await api.patch(
        path, world.test_key, {"label": "new", "campaign_id": inactive["id"]}
    )
    assert error_code(response) == "CAMPAIGN_NOT_ACTIVE"
    assert data(await api.get(path, world.test_key))["label"] is None


@pytest.mark.parametrize(
    "raw",
    [
        "+14155559900\n",  # `$` would match before the newline
        "+14155559900 ",
        " +14155559900",
        "+1415555\u0669\u0669\u0660\u0660",  # Arabic-Indic digits: `\d` matches them
        "+\uff11\uff14\uff11\uff15\uff15\uff15\uff15\uff19\uff19\uff10\uff10",  # fullwidth
    ],
)
async def test_e164_must_match_entirely_in_ascii_digits(api: Api, world: World, raw: str) -> None:
    await world.number("+14155559900")
    response = await api.post(
        "/v1/phone-numbers", world.test_key, {"number": raw, "provider": "sandbox"}
    )
    assert (response.status_code, error_code(response)) == (422, "VALIDATION_FAILED")
    assert "number" in response.json()["error"]["details"]
    listed = data(await api.get("/v1/phone-numbers", world.test_key))
    assert [n["number"] for n in listed] == ["+14155559900"]


BAD_URLS = [
    "https://example.com/a\u0000b",
    "https://example.com/a\u0001",
    "https://example.com/a\r\nX-Injected: 1",
    "https://example.com/a\nb",
    "https://exa mple.com/",
    "https://example.com:99999/",
    "https://example.com:0/",
    "https://[::1/",
    "ftp://example.com/",
    "https:///path-only",
    "https://example.com/" + "a" * 2048,
]


@pytest.mark.parametrize("url", BAD_URLS)
@pytest.mark.parametrize("field", ["status_url", "inbound_url"])
async def test_number_urls_are_validated_like_endpoint_urls(
    api: Api, world: World, field: str, url: str
) -> None:
    endpoint = await api.post("/v1/webhook-endpoints", world.test_key, {"url": url})
    assert (endpoint.status_code, error_code(endpoint)) == (422, "VALIDATION_FAILED")
    body = {"number": us_number(), "provider": "sandbox", field: url}
    registered = await api.post("/v1/phone-numbers", world.test_key, body)
    assert (registered.status_code, error_code(registered)) == (422, "VALIDATION_FAILED")
    assert field in registered.json()["error"]["details"]
    number = await world.number()
    patched = await api.patch(f"/v1/phone-numbers/{number['id']}", world.test_key, {field: url})
    assert (patched.status_code, error_code(patched)) == (422, "VALIDATION_FAILED")
    assert field in patched.json()["error"]["details"]
