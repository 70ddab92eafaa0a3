"""Input is strict everywhere: control characters in bodies, path and query parameters are
422 VALIDATION_FAILED naming the field (never 500), unknown query parameters are 422, and the
order of checks holds: unknown route 404, then 401, then 403, then validation."""

from typing import Any

import pytest

from tests.api.test_envelope import assert_error
from tests.support.api import Api, World, data, us_number

NUL = "\u0000"


async def assert_refused(response: Any, field: str) -> None:
    error = assert_error(response, 422, "VALIDATION_FAILED")
    assert field in error["details"], error


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("label", f"front{NUL}desk"),
        ("label", "bell\u0007"),
        ("label", "escape\u001b[31m"),
        ("label", "del\u007f"),
        ("label", "c1\u0085"),
        ("label", "carriage\rreturn"),
        ("inbound_url", f"https://example.com/in{NUL}"),
        ("status_url", f"https://example.com/st{NUL}"),
        ("number", f"+1415555{NUL}9900"),
    ],
)
async def test_control_characters_in_a_new_number(
    api: Api, world: World, field: str, value: str
) -> None:
    body = {"number": us_number(), "provider": "sandbox", field: value}
    await assert_refused(await api.post("/v1/phone-numbers", world.test_key, body), field)
    listed = data(await api.get("/v1/phone-numbers", world.test_key))
    assert listed == []


async def test_free_text_keeps_tab_and_newline(api: Api, world: World) -> None:
    body = {"number": us_number(), "provider": "sandbox", "label": "desk\t1\nfloor 2"}
    created = data(await api.post("/v1/phone-numbers", world.test_key, body), 201)
    assert created["label"] == "desk\t1\nfloor 2"
    endpoint = {"url": "https://example.com/hook", "description": "ops\tteam\nnights"}
    made = data(await api.post("/v1/webhook-endpoints", world.test_key, endpoint), 201)
    assert made["description"] == "ops\tteam\nnights"


@pytest.mark.parametrize(
    "field", ["label", "inbound_url", "status_url"], ids=["label", "inbound", "status"]
)
async def test_control_characters_in_a_number_update(api: Api, world: World, field: str) -> None:
    number = await world.number()
    value = "x\u0000" if field == "label" else f"https://example.com/{NUL}"
    path = f"/v1/phone-numbers/{number['id']}"
    await assert_refused(await api.patch(path, world.test_key, {field: value}), field)
    assert data(await api.get(path, world.test_key))[field] is None


@pytest.mark.parametrize("value", [f"B{NUL}1", "B\t1", "B\n1", "B 1\u0001"])
async def test_identifiers_take_no_control_characters(api: Api, world: World, value: str) -> None:
    """Identifiers may not even keep tab and newline."""
    brand_body = {"provider": "sandbox", "provider_brand_id": value}
    await assert_refused(
        await api.post("/v1/brands", world.test_key, brand_body), "provider_brand_id"
    )
    brand = await world.brand()
    campaign_body = {"brand_id": brand["id"], "provider_campaign_id": value}
    await assert_refused(
        await api.post("/v1/campaigns", world.test_key, campaign_body), "provider_campaign_id"
    )


async def test_control_characters_in_other_bodies(api: Api, world: World) -> None:
    endpoint = {"url": "https://example.com/hook", "description": f"a{NUL}b"}
    await assert_refused(
        await api.post("/v1/webhook-endpoints", world.test_key, endpoint), "description"
    )
    await assert_refused(
        await api.post("/v1/webhook-endpoints", world.test_key, {"url": "https://e.com/\u0001"}),
        "url",
    )
    number = await world.number()
    outcome = {"outcome": "failed", "reason": f"carrier{NUL}"}
    path = f"/v1/test-helpers/phone-numbers/{number['id']}/carrier-outcome"
    await assert_refused(await api.post(path, world.test_key, outcome), "reason")
    account = {"api_key": f"KEY{NUL}", "public_key": "x"}
    await assert_refused(
        await api.request("PUT", "/v1/provider-accounts/telnyx", world.live_key, account),
        "api_key",
    )


async def test_one_bad_item_fails_only_that_item(api: Api, world: World) -> None:
    campaign = await world.campaign()
    good = await world.number()
    path = f"/v1/campaigns/{campaign['id']}/phone-numbers"
    bad = [f"+1415{NUL}5559900", "+14155559900\n", "+1415555\u0669\u0669\u0660\u0660"]
    body = {"numbers": [good["number"], *bad]}
    task = data(await api.post(path, world.test_key, body), 202)
    items = data(await api.get(f"/v1/bulk-tasks/{task['id']}/items", world.test_key))
    assert [(i["outcome"], i["error_code"]) for i in items] == [
        ("pending", None),
        ("rejected", "VALIDATION_FAILED"),
        ("rejected", "VALIDATION_FAILED"),
        ("rejected", "VALIDATION_FAILED"),
    ]
    assert NUL not in items[1]["number"]
    ids = {"phone_number_ids": [good["id"], f"{good['id'][:-1]}{NUL}"]}
    task = data(await api.request("DELETE", path, world.test_key, ids), 202)
    items = data(await api.get(f"/v1/bulk-tasks/{task['id']}/items", world.test_key))
    assert [(i["outcome"], i["error_code"]) for i in items] == [
        ("propagated", None),  # never submitted to the provider: settled at once
        ("rejected", "VALIDATION_FAILED"),
    ]
    assert items[1]["number"].endswith("\\u0000")


@pytest.mark.parametrize(
    "path",
    [
        "/v1/phone-numbers/ab%00c",
        "/v1/brands/%01",
        "/v1/provider-accounts/tel%00nyx",
        "/v1/bulk-tasks/x%0Ay",
    ],
)
async def test_control_characters_in_a_path(api: Api, world: World, path: str) -> None:
    response = await api.get(path, world.test_key)
    error = assert_error(response, 422, "VALIDATION_FAILED")
    assert error["details"]
    assert_error(await api.get(path), 401, "UNAUTHORIZED")
    reader = await world.key(scopes=["events:read"])
    assert_error(await api.get(path, reader), 403, "FORBIDDEN")


async def test_a_provider_webhook_path_with_nul_is_422_unauthenticated(api: Api) -> None:
    for provider in ("telnyx", "plivo", "sandbox"):
        response = await api.post(f"/v1/providers/{provider}/webhooks/ab%00c", json={})
        error = assert_error(response, 422, "VALIDATION_FAILED")
        assert "token" in error["details"]


async def test_unknown_route_with_nul_is_404(api: Api, world: World) -> None:
    assert_error(await api.get("/v1/nowhere/%00", world.test_key), 404, "NOT_FOUND")
    assert_error(await api.get("/v1/nowhere%00"), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("cursor=%00", "cursor"),
        ("provider=sand%00box", "provider"),
        ("limit=1%00", "limit"),
        ("colour=x", "colour"),
        ("x%00y=1", "x\\u0000y"),
    ],
)
async def test_query_parameters(api: Api, world: World, query: str, field: str) -> None:
    path = f"/v1/phone-numbers?{query}"
    await assert_refused(await api.get(path, world.test_key), field)
    assert_error(await api.get(path), 401, "UNAUTHORIZED")
    reader = await world.key(scopes=["brands:read"])
    assert_error(await api.get(path, reader), 403, "FORBIDDEN")


async def test_unknown_query_parameters_are_named(api: Api, world: World) -> None:
    response = await api.get("/v1/brands?limit=5&colour=red&size=9", world.test_key)
    error = assert_error(response, 422, "VALIDATION_FAILED")
    assert set(error["details"]) == {"colour", "size"}
    assert "unknown" in error["details"]["colour"]
    number = await world.number()
    attach = await api.post(
        f"/v1/phone-numbers/{number['id']}/campaign?force=1", world.test_key, {"campaign_id": "x"}
    )
    await assert_refused(attach, "force")
    await assert_refused(await api.get("/healthz?verbose=1"), "verbose")
    await assert_refused(await api.post("/v1/providers/telnyx/webhooks/t?x=1", json={}), "x")
    # declared parameters still pass
    assert data(await api.get("/v1/brands?limit=5", world.test_key)) == []
