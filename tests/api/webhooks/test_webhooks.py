"""Webhook endpoints and the signing secret through the API: secrets shown once, tenancy,
validation, and the live-mode refusal of private targets."""

import base64
import ipaddress
import uuid
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from standardwebhooks.webhooks import Webhook

from app.db.models import Mode, WebhookEndpoint
from app.kit.secrets import SecretBox
from app.settings import Settings
from app.webhooks import targets
from tests.support.api import Api, World, data, error_code
from tests.support.app import TEST_SECRET_KEY, test_settings

ENDPOINTS = "/v1/webhook-endpoints"
PUBLIC_FIELDS = {
    "id",
    "url",
    "description",
    "enabled_events",
    "disabled_at",
    "disabled_reason",
    "created_at",
    "updated_at",
}


async def create(api: Api, key: str, url: str = "https://example.com/hook", **extra: Any) -> Any:
    return data(await api.post(ENDPOINTS, key, {"url": url, **extra}), 201)


def assert_secret(secret: str) -> None:
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) >= 24
    Webhook(secret)  # the reference library accepts it


async def test_create_shows_the_secret_once(
    api: Api, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    created = await create(api, world.test_key, description="orders")
    assert set(created) == PUBLIC_FIELDS | {"secret"}
    assert (created["url"], created["description"], created["disabled_at"]) == (
        "https://example.com/hook",
        "orders",
        None,
    )
    assert_secret(created["secret"])
    fetched = data(await api.get(f"{ENDPOINTS}/{created['id']}", world.test_key))
    assert fetched == {k: v for k, v in created.items() if k != "secret"}
    listed = data(await api.get(ENDPOINTS, world.test_key))
    assert [set(e) for e in listed] == [PUBLIC_FIELDS]
    async with sessions() as session:
        stored = (
            await session.execute(
                select(WebhookEndpoint.secret).where(WebhookEndpoint.id == created["id"])
            )
        ).scalar_one()
    assert created["secret"].encode() not in stored  # encrypted at rest
    assert SecretBox([TEST_SECRET_KEY]).open(stored) == created["secret"]


async def test_disable_is_idempotent_and_stops_rotation(api: Api, world: World) -> None:
    endpoint = await create(api, world.test_key)
    disabled = data(await api.delete(f"{ENDPOINTS}/{endpoint['id']}", world.test_key))
    assert disabled["disabled_at"] is not None and "secret" not in disabled
    again = data(await api.delete(f"{ENDPOINTS}/{endpoint['id']}", world.test_key))
    assert again["disabled_at"] == disabled["disabled_at"]
    rotate = await api.post(f"{ENDPOINTS}/{endpoint['id']}/rotate-secret", world.test_key)
    assert (rotate.status_code, error_code(rotate)) == (409, "CONFLICT")
    listed = data(await api.get(ENDPOINTS, world.test_key))
    assert [e["disabled_at"] for e in listed] == [disabled["disabled_at"]]


async def test_rotate_secret(api: Api, world: World) -> None:
    endpoint = await create(api, world.test_key)
    path = f"{ENDPOINTS}/{endpoint['id']}/rotate-secret"
    rotated = data(await api.post(path, world.test_key))
    assert_secret(rotated["secret"])
    assert rotated["secret"] != endpoint["secret"] and rotated["id"] == endpoint["id"]
    own = "whsec_" + base64.b64encode(b"k" * 32).decode()
    assert data(await api.post(path, world.test_key, {"secret": own}))["secret"] == own
    for bad in ("whsec_short", "not-a-secret", "whsec_" + base64.b64encode(b"k" * 16).decode()):
        response = await api.post(path, world.test_key, {"secret": bad})
        assert (response.status_code, error_code(response)) == (422, "VALIDATION_FAILED")
        assert "secret" in response.json()["error"]["details"]


async def test_another_org_gets_not_found(api: Api, world: World) -> None:
    endpoint = await create(api, world.test_key)
    intruder = await World.create(api, world.sessions)
    for response in (
        await api.get(f"{ENDPOINTS}/{endpoint['id']}", intruder.test_key),
        await api.delete(f"{ENDPOINTS}/{endpoint['id']}", intruder.test_key),
        await api.post(f"{ENDPOINTS}/{endpoint['id']}/rotate-secret", intruder.test_key),
        await api.get(f"{ENDPOINTS}/{endpoint['id']}", world.live_key),  # another mode
    ):
        assert (response.status_code, error_code(response)) == (404, "NOT_FOUND")
    assert data(await api.get(ENDPOINTS, intruder.test_key)) == []
    mine = data(await api.get(f"{ENDPOINTS}/{endpoint['id']}", world.test_key))
    assert mine["disabled_at"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "not a url"}, "url"),
        ({"url": "example.com/hook"}, "url"),
        ({"url": "ftp://example.com/hook"}, "url"),
        ({"url": "https://example.com/" + "a" * 2048}, "url"),
        ({"url": "https://exa mple.com/"}, "url"),
        ({"url": "https://example.com:99999/"}, "url"),
        ({"url": 5}, "url"),
        ({}, "url"),
        ({"url": "https://example.com/hook", "events": ["*"]}, "events"),
        ({"url": "https://example.com/hook", "description": "x" * 501}, "description"),
    ],
)
async def test_bad_input(api: Api, world: World, body: dict[str, Any], field: str) -> None:
    response = await api.post(ENDPOINTS, world.test_key, body)
    assert (response.status_code, error_code(response)) == (422, "VALIDATION_FAILED")
    assert field in response.json()["error"]["details"]


async def test_scopes(api: Api, world: World) -> None:
    reader = await world.key(Mode.TEST, ["webhooks:read"])
    denied = await api.post(ENDPOINTS, reader, {"url": "https://example.com/hook"})
    assert (denied.status_code, error_code(denied)) == (403, "FORBIDDEN")
    assert data(await api.get(ENDPOINTS, reader)) == []
    assert data(await api.get("/v1/webhook-signing-secret", reader))["secret"]
    numbers_only = await world.key(Mode.TEST, ["numbers:read"])
    response = await api.get("/v1/webhook-signing-secret", numbers_only)
    assert (response.status_code, error_code(response)) == (403, "FORBIDDEN")


async def test_list_pages(api: Api, world: World) -> None:
    ids = [(await create(api, world.test_key, f"https://example.com/{i}"))["id"] for i in range(3)]
    first = (await api.get(f"{ENDPOINTS}?limit=2", world.test_key)).json()
    assert [e["id"] for e in first["data"]] == ids[::-1][:2]
    assert first["meta"]["total"] == 3
    cursor = first["meta"]["next_cursor"]
    rest = (await api.get(f"{ENDPOINTS}?limit=2&cursor={cursor}", world.test_key)).json()
    assert [e["id"] for e in rest["data"]] == [ids[0]] and rest["meta"]["next_cursor"] is None


async def test_signing_secret_per_org_and_mode(api: Api, world: World) -> None:
    path = "/v1/webhook-signing-secret"
    first = data(await api.get(path, world.test_key))
    assert set(first) == {"secret", "created_at"}
    assert_secret(first["secret"])
    assert data(await api.get(path, world.test_key)) == first  # created once, then kept
    live = data(await api.get(path, world.live_key))
    other = await World.create(api, world.sessions)
    theirs = data(await api.get(path, other.test_key))
    assert len({first["secret"], live["secret"], theirs["secret"]}) == 3


PRIVATE_URLS = [
    "http://127.0.0.1/hook",
    "http://localhost:8080/hook",
    "http://10.1.2.3/hook",
    "http://192.168.0.10/hook",
    "http://[::1]/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://0.0.0.0/",
    "http://[::ffff:172.16.0.1]/",
    "http://224.0.0.1/",
    "http://240.0.0.1/",
    "http://100.64.0.1/",
]


@pytest.mark.parametrize("url", PRIVATE_URLS)
async def test_live_mode_refuses_private_targets(api: Api, world: World, url: str) -> None:
    response = await api.post(ENDPOINTS, world.live_key, {"url": url})
    assert (response.status_code, error_code(response)) == (422, "VALIDATION_FAILED")
    assert "address" in response.json()["error"]["details"]["url"]
    allowed = await create(api, world.test_key, url)  # test mode allows them
    assert allowed["url"] == url


async def test_live_mode_accepts_public_targets(api: Api, world: World) -> None:
    assert (await create(api, world.live_key, "https://93.184.216.34/hook"))["url"]


async def test_live_mode_refuses_if_any_address_is_private(
    api: Api, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers: dict[str, list[str]] = {
        "mixed.example": ["93.184.216.34", "10.0.0.7"],
        "public.example": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
    }

    async def fake_resolve(host: str, port: int) -> list[targets.Address]:
        if host not in answers:
            raise targets.UnresolvedTarget(f"host {host!r} does not resolve")
        return [ipaddress.ip_address(a) for a in answers[host]]

    monkeypatch.setattr(targets, "resolve", fake_resolve)
    mixed = await api.post(ENDPOINTS, world.live_key, {"url": "https://mixed.example/hook"})
    assert error_code(mixed) == "VALIDATION_FAILED"
    assert "private address (10.0.0.7)" in mixed.json()["error"]["details"]["url"]
    unknown = await api.post(ENDPOINTS, world.live_key, {"url": "https://nowhere.example/"})
    assert "does not resolve" in unknown.json()["error"]["details"]["url"]
    assert (await create(api, world.live_key, "https://public.example/hook"))["id"]


class TestPrivateTargetsAllowedBySetting:
    @pytest.fixture
    def settings(self) -> Settings:
        return test_settings(webhook_block_private=False)

    async def test_live_mode_accepts_loopback(self, api: Api, world: World) -> None:
        assert (await create(api, world.live_key, "http://127.0.0.1:9/hook"))["id"]


async def test_random_ids(api: Api, world: World) -> None:
    for ident in (str(uuid.uuid4()), "nope"):
        response = await api.post(f"{ENDPOINTS}/{ident}/rotate-secret", world.test_key)
        assert (response.status_code, error_code(response)) == (404, "NOT_FOUND")


async def test_live_numbers_refuse_private_status_urls(
    api: Api, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    private = "http://10.1.2.3/status"
    registered = await api.post(
        "/v1/phone-numbers",
        world.live_key,
        {"number": "+12025550177", "provider": "telnyx", "status_url": private},
    )
    assert (registered.status_code, error_code(registered)) == (422, "VALIDATION_FAILED")
    assert "private address" in registered.json()["error"]["details"]["status_url"]
    live = await world.live_number_row("+12025550178")
    path = f"/v1/phone-numbers/{live.id}"
    refused = await api.patch(path, world.live_key, {"status_url": private, "label": "x"})
    assert (refused.status_code, error_code(refused)) == (422, "VALIDATION_FAILED")
    assert "private address" in refused.json()["error"]["details"]["status_url"]
    unchanged = data(await api.get(path, world.live_key))
    assert (unchanged["status_url"], unchanged["label"]) == (None, None)
    public = "https://93.184.216.34/status"
    assert (
        data(await api.patch(path, world.live_key, {"status_url": public}))["status_url"] == public
    )
    # test mode: any target, as for webhook endpoints
    mine = await world.number()
    accepted = await api.patch(
        f"/v1/phone-numbers/{mine['id']}", world.test_key, {"status_url": private}
    )
    assert data(accepted)["status_url"] == private
