"""Tenancy: another org's or another mode's object is always 404, and never listed."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.models import (
    Brand,
    BulkTask,
    Campaign,
    Event,
    PhoneNumber,
    WebhookDelivery,
    WebhookEndpoint,
)
from app.kit.ids import new_id
from tests.support.api import Api, World, data, error_code

Call = Callable[[str, dict[str, Any]], Awaitable[httpx.Response]]


async def owner_objects(world: World) -> dict[str, Any]:
    brand = await world.brand()
    campaign = await world.campaign(brand)
    number = await world.number()
    data(await world.attach(number["id"], campaign["id"]))
    endpoint = data(
        await world.api.post(
            "/v1/webhook-endpoints", world.test_key, {"url": "https://example.com/hook"}
        ),
        201,
    )
    task = data(
        await world.api.post(
            f"/v1/campaigns/{campaign['id']}/phone-numbers",
            world.test_key,
            {"phone_number_ids": [number["id"]]},
        ),
        202,
    )
    audit = data(
        await world.api.post("/v1/audits", world.test_key, {"campaign_id": campaign["id"]}), 202
    )
    [event, *_] = data(await world.api.get("/v1/events", world.test_key))  # the newest
    await world.number()  # an event the endpoint receives
    deliveries = f"/v1/webhook-endpoints/{endpoint['id']}/deliveries"
    [delivery, *_] = data(await world.api.get(deliveries, world.test_key))
    return {
        "webhook_delivery": delivery,
        "event": event,
        "brand": brand,
        "campaign": campaign,
        "number": number,
        "webhook_endpoint": endpoint,
        "bulk_task": task,
        "audit": audit,
    }


def registration_calls(api: Api) -> dict[tuple[str, str], Call]:
    """Registration routes that name one brand or campaign."""
    b, c = "/v1/brands/{brand_id}", "/v1/campaigns/{campaign_id}"

    def brand(suffix: str = "") -> Callable[[dict[str, Any]], str]:
        return lambda o: f"/v1/brands/{o['brand']['id']}{suffix}"

    def campaign(suffix: str = "") -> Callable[[dict[str, Any]], str]:
        return lambda o: f"/v1/campaigns/{o['campaign']['id']}{suffix}"

    calls: list[tuple[str, str, Callable[[dict[str, Any]], str], Any]] = [
        ("PATCH", b, brand(), {"website": "https://example.com"}),
        ("DELETE", b, brand(), None),
        ("POST", b + "/2fa-email", brand("/2fa-email"), None),
        ("POST", b + "/otp", brand("/otp"), None),
        ("GET", b + "/otp", brand("/otp"), None),
        ("POST", b + "/otp/verify", brand("/otp/verify"), {"pin": "123456"}),
        ("GET", b + "/feedback", brand("/feedback"), None),
        ("GET", b + "/vettings", brand("/vettings"), None),
        (
            "POST",
            b + "/vettings",
            brand("/vettings"),
            {"evp_id": "AEGIS", "vetting_class": "STANDARD"},
        ),
        (
            "POST",
            b + "/vettings/import",
            brand("/vettings/import"),
            {"evp_id": "AEGIS", "vetting_id": "V1"},
        ),
        ("POST", b + "/revet", brand("/revet"), None),
        ("GET", b + "/usecases/{usecase}", brand("/usecases/MIXED"), None),
        ("PATCH", c, campaign(), {"description": "x" * 40}),
        ("DELETE", c, campaign(), None),
        ("POST", c + "/appeal", campaign("/appeal"), {"reason": "fixed"}),
        ("GET", c + "/carriers", campaign("/carriers"), None),
    ]

    def call(method: str, path: Callable[[dict[str, Any]], str], body: Any) -> Call:
        return lambda k, o: api.request(method, path(o), k, body)

    return {(method, route): call(method, path, body) for method, route, path, body in calls}


def single_object_calls(api: Api) -> dict[tuple[str, str], Call]:
    """Every route that names one object, called on the owner's objects with ``key``."""
    n = "/v1/phone-numbers/{number_id}"
    w = "/v1/webhook-endpoints/{endpoint_id}"
    c = "/v1/campaigns/{campaign_id}"
    return {
        ("GET", "/v1/brands/{brand_id}"): lambda k, o: api.get(f"/v1/brands/{o['brand']['id']}", k),
        ("GET", "/v1/campaigns/{campaign_id}"): lambda k, o: api.get(
            f"/v1/campaigns/{o['campaign']['id']}", k
        ),
        ("POST", "/v1/campaigns"): lambda k, o: api.post(
            "/v1/campaigns", k, {"brand_id": o["brand"]["id"], "provider_campaign_id": "CX"}
        ),
        ("POST", "/v1/brands/{brand_id}/refresh"): lambda k, o: api.post(
            f"/v1/brands/{o['brand']['id']}/refresh", k
        ),
        ("POST", "/v1/campaigns/{campaign_id}/refresh"): lambda k, o: api.post(
            f"/v1/campaigns/{o['campaign']['id']}/refresh", k
        ),
        **registration_calls(api),
        ("GET", n): lambda k, o: api.get(f"/v1/phone-numbers/{o['number']['id']}", k),
        ("GET", "/v1/events/{event_id}"): lambda k, o: api.get(f"/v1/events/{o['event']['id']}", k),
        ("PATCH", n): lambda k, o: api.patch(
            f"/v1/phone-numbers/{o['number']['id']}", k, {"label": "mine now"}
        ),
        ("POST", n + "/campaign"): lambda k, o: api.post(
            f"/v1/phone-numbers/{o['number']['id']}/campaign", k, {"campaign_id": o["own_campaign"]}
        ),
        ("DELETE", n + "/campaign"): lambda k, o: api.delete(
            f"/v1/phone-numbers/{o['number']['id']}/campaign", k
        ),
        ("POST", n + "/refresh"): lambda k, o: api.post(
            f"/v1/phone-numbers/{o['number']['id']}/refresh", k
        ),
        ("DELETE", n): lambda k, o: api.delete(f"/v1/phone-numbers/{o['number']['id']}", k),
        ("GET", "/v1/audits/{audit_id}"): lambda k, o: api.get(f"/v1/audits/{o['audit']['id']}", k),
        ("GET", "/v1/audits/{audit_id}/findings"): lambda k, o: api.get(
            f"/v1/audits/{o['audit']['id']}/findings", k
        ),
        ("POST", "/v1/test-helpers/brands/{brand_id}/identity-status"): lambda k, o: api.post(
            f"/v1/test-helpers/brands/{o['brand']['id']}/identity-status",
            k,
            {"identity_status": "UNVERIFIED"},
        ),
        ("POST", "/v1/test-helpers/campaigns/{campaign_id}/status"): lambda k, o: api.post(
            f"/v1/test-helpers/campaigns/{o['campaign']['id']}/status", k, {"status": "EXPIRED"}
        ),
        ("POST", "/v1/test-helpers/phone-numbers/{number_id}/assignment"): lambda k, o: api.post(
            f"/v1/test-helpers/phone-numbers/{o['number']['id']}/assignment", k, {"assigned": False}
        ),
        ("POST", "/v1/test-helpers/phone-numbers/{number_id}/carrier-outcome"): lambda k, o: (
            api.post(
                f"/v1/test-helpers/phone-numbers/{o['number']['id']}/carrier-outcome",
                k,
                {"outcome": "failed"},
            )
        ),
        ("POST", c + "/phone-numbers"): lambda k, o: api.post(
            f"/v1/campaigns/{o['campaign']['id']}/phone-numbers",
            k,
            {"phone_number_ids": [o["number"]["id"]]},
        ),
        ("DELETE", c + "/phone-numbers"): lambda k, o: api.request(
            "DELETE",
            f"/v1/campaigns/{o['campaign']['id']}/phone-numbers",
            k,
            {"phone_number_ids": [o["number"]["id"]]},
        ),
        ("GET", "/v1/bulk-tasks/{task_id}"): lambda k, o: api.get(
            f"/v1/bulk-tasks/{o['bulk_task']['id']}", k
        ),
        ("GET", "/v1/bulk-tasks/{task_id}/items"): lambda k, o: api.get(
            f"/v1/bulk-tasks/{o['bulk_task']['id']}/items", k
        ),
        ("GET", w): lambda k, o: api.get(f"/v1/webhook-endpoints/{o['webhook_endpoint']['id']}", k),
        ("DELETE", w): lambda k, o: api.delete(
            f"/v1/webhook-endpoints/{o['webhook_endpoint']['id']}", k
        ),
        ("POST", w + "/rotate-secret"): lambda k, o: api.post(
            f"/v1/webhook-endpoints/{o['webhook_endpoint']['id']}/rotate-secret", k
        ),
        ("PATCH", w): lambda k, o: api.patch(
            f"/v1/webhook-endpoints/{o['webhook_endpoint']['id']}", k, {"description": "x"}
        ),
        ("GET", w + "/deliveries"): lambda k, o: api.get(
            f"/v1/webhook-endpoints/{o['webhook_endpoint']['id']}/deliveries", k
        ),
        ("POST", w + "/deliveries/{delivery_id}/retry"): lambda k, o: api.post(
            f"/v1/webhook-endpoints/{o['webhook_endpoint']['id']}/deliveries/"
            f"{o['webhook_delivery']['id']}/retry",
            k,
        ),
    }


LIST_ROUTES = {
    "/v1/brands": "brand",
    "/v1/campaigns": "campaign",
    "/v1/phone-numbers": "number",
    "/v1/webhook-endpoints": "webhook_endpoint",
    "/v1/events": "event",
}
CREATE_ROUTES = {
    ("POST", "/v1/brands"),
    ("POST", "/v1/phone-numbers"),
    ("POST", "/v1/webhook-endpoints"),
    ("POST", "/v1/phone-numbers/sync"),
    ("POST", "/v1/phone-numbers/batch"),
    ("POST", "/v1/audits"),
    # the caller's own sandbox account (see tests/api/inventory)
    ("POST", "/v1/test-helpers/inventory"),
    ("POST", "/v1/test-helpers/inventory/release"),
    ("POST", "/v1/test-helpers/provider-links"),
}


def v1_routes(app: FastAPI) -> set[tuple[str, str]]:
    return {
        (method, route.path)
        for route in app.routes
        if isinstance(route, APIRoute) and route.path.startswith("/v1/")
        for method in route.methods or ()
    }


# Per-org settings named by provider rather than by id: see test_provider_accounts_are_per_org
PROVIDER_ACCOUNT_ROUTES = {
    ("GET", "/v1/provider-accounts"),
    ("PUT", "/v1/provider-accounts/{provider}"),
    ("GET", "/v1/provider-accounts/{provider}"),
    ("DELETE", "/v1/provider-accounts/{provider}"),
}
# One per org and mode, named by neither: see test_webhooks.py::test_signing_secret_per_org_and_mode
SIGNING_SECRET_ROUTES = {("GET", "/v1/webhook-signing-secret")}
# No API key: the account in the path and its signature decide (see test_provider_webhooks)
SIGNED_ROUTES = {("POST", "/v1/providers/{provider}/webhooks/{token}")}


def test_every_route_is_covered(app: FastAPI, api: Api) -> None:
    covered = set(single_object_calls(api)) | CREATE_ROUTES | PROVIDER_ACCOUNT_ROUTES
    covered |= SIGNING_SECRET_ROUTES
    covered |= SIGNED_ROUTES
    covered |= {("GET", path) for path in LIST_ROUTES}
    assert v1_routes(app) == covered


async def assert_invisible(api: Api, key: str, owner: dict[str, Any]) -> None:
    for (method, path), call in single_object_calls(api).items():
        response = await call(key, owner)
        assert (response.status_code, error_code(response)) == (404, "NOT_FOUND"), (method, path)
    for path, kind in LIST_ROUTES.items():
        listed = data(await api.get(path, key))
        assert owner[kind]["id"] not in {item["id"] for item in listed}, path


async def test_other_org_sees_nothing(api: Api, world: World, sessions: Any) -> None:
    owner = await owner_objects(world)
    intruder = await World.create(api, sessions)
    owner["own_campaign"] = (await intruder.campaign())["id"]
    await assert_invisible(api, intruder.test_key, owner)
    # the owner's objects are untouched
    number = data(await api.get(f"/v1/phone-numbers/{owner['number']['id']}", world.test_key))
    assert number["label"] is None and number["campaign_id"] == owner["campaign"]["id"]
    # the intruder's own number cannot take the owner's campaign (rule 2)
    theirs = await intruder.number()
    response = await intruder.attach(theirs["id"], owner["campaign"]["id"])
    assert error_code(response) == "NOT_FOUND"
    # the same number and brand can be registered independently by another org
    again = data(
        await api.post(
            "/v1/phone-numbers",
            intruder.test_key,
            {"number": owner["number"]["number"], "provider": "sandbox"},
        ),
        201,
    )
    assert again["id"] != owner["number"]["id"]


async def test_live_key_sees_no_test_objects(api: Api, world: World) -> None:
    owner = await owner_objects(world)
    owner["own_campaign"] = owner["campaign"]["id"]
    await assert_invisible(api, world.live_key, owner)


async def test_test_key_sees_no_live_objects(
    api: Api, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions.begin() as session:
        brand = Brand(
            org_id=world.org_id,
            mode="live",
            provider="telnyx",
            provider_brand_id="LB",
            identity_status="VERIFIED",
            status="ACTIVE",
        )
        session.add(brand)
        await session.flush()
        campaign = Campaign(
            org_id=world.org_id,
            mode="live",
            brand_id=brand.id,
            provider="telnyx",
            provider_campaign_id="LC",
            status="ACTIVE",
        )
        number = PhoneNumber(
            org_id=world.org_id,
            mode="live",
            number="+12025550143",
            number_type="local",
            region_code="US",
            provider="telnyx",
            assigned=True,
            sms_enabled=True,
            mms_enabled=True,
        )
        endpoint = WebhookEndpoint(
            org_id=world.org_id, mode="live", url="https://example.com/hook", secret=b"sealed"
        )
        session.add_all([campaign, number, endpoint])
        await session.flush()
        task = BulkTask(
            org_id=world.org_id,
            mode="live",
            campaign_id=campaign.id,
            operation="attach",
            source="numbers",
            total=0,
        )
        audit = BulkTask(
            org_id=world.org_id,
            mode="live",
            campaign_id=campaign.id,
            operation="audit",
            source="campaign_id",
            total=0,
            provider="telnyx",
            phase="list",
        )
        event = Event(
            org_id=world.org_id,
            mode="live",
            id=new_id(),
            type="brand.updated",
            resource_type="brand",
            resource_id=brand.id,
            data={},
        )
        delivery = WebhookDelivery(
            id=new_id(),
            org_id=world.org_id,
            mode="live",
            endpoint_id=endpoint.id,
            url=endpoint.url,
            event_type=event.type,
            event_id=event.id,
            payload={},
        )
        session.add_all([task, audit, event, delivery])
        await session.flush()
        owner = {
            "webhook_delivery": {"id": str(delivery.id)},
            "event": {"id": str(event.id)},
            "audit": {"id": str(audit.id)},
            "brand": {"id": str(brand.id)},
            "campaign": {"id": str(campaign.id)},
            "number": {"id": str(number.id)},
            "webhook_endpoint": {"id": str(endpoint.id)},
            "bulk_task": {"id": str(task.id)},
        }
    owner["own_campaign"] = (await world.campaign())["id"]
    await assert_invisible(api, world.test_key, owner)
    # and the live key does see them
    assert data(await api.get(f"/v1/brands/{owner['brand']['id']}", world.live_key))["id"]


async def test_live_mode_cannot_use_the_sandbox(api: Api, world: World) -> None:
    sandbox = await api.post(
        "/v1/brands", world.live_key, {"provider": "sandbox", "provider_brand_id": "B"}
    )
    assert error_code(sandbox) == "VALIDATION_FAILED"
    assert "provider" in sandbox.json()["error"]["details"]
    unconfigured = await api.post(
        "/v1/phone-numbers", world.live_key, {"number": "+12025550143", "provider": "telnyx"}
    )
    assert (unconfigured.status_code, error_code(unconfigured)) == (409, "PROVIDER_NOT_CONFIGURED")


async def test_random_ids_are_not_found(api: Api, world: World) -> None:
    for path in ("/v1/brands/", "/v1/campaigns/", "/v1/phone-numbers/", "/v1/webhook-endpoints/"):
        for ident in (str(uuid.uuid4()), "not-a-uuid", "1"):
            response = await api.get(path + ident, world.test_key)
            assert (response.status_code, error_code(response)) == (404, "NOT_FOUND")


async def test_provider_accounts_are_per_org(api: Api, world: World, sessions: Any) -> None:
    telnyx = {"api_key": "KEYowner-secret-1234"}
    data(await api.request("PUT", "/v1/provider-accounts/telnyx", world.live_key, telnyx))
    intruder = await World.create(api, sessions)
    missing = await api.get("/v1/provider-accounts/telnyx", intruder.live_key)
    assert (missing.status_code, error_code(missing)) == (404, "NOT_FOUND")
    assert data(await api.get("/v1/provider-accounts", intruder.live_key)) == []
    gone = await api.delete("/v1/provider-accounts/telnyx", intruder.live_key)
    assert (gone.status_code, error_code(gone)) == (404, "NOT_FOUND")
    theirs = {"api_key": "KEYintruder-0000"}
    data(await api.request("PUT", "/v1/provider-accounts/telnyx", intruder.live_key, theirs))
    mine = data(await api.get("/v1/provider-accounts/telnyx", world.live_key))
    assert mine["credentials_hint"] == "…1234"
