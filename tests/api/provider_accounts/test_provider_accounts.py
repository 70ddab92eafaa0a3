"""Provider accounts: set, read back without secrets, encrypted at rest, used in live mode."""

import base64
import json

import httpx
import respx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.models import Mode, ProviderAccount
from app.kit.secrets import SecretBox
from tests.support.api import Api, World, data, error_code
from tests.support.app import TEST_SECRET_KEY

TELNYX_KEY = "KEY0123456789abcdef_SECRET"
PUBLIC_KEY = base64.b64encode(bytes(range(32))).decode()
PLIVO = {"auth_id": "MAXXXXXXXXXXXXXXXXXX", "auth_token": "plivo-token-SECRET-99"}


async def put_account(api: Api, key: str, provider: str, body: object) -> httpx.Response:
    return await api.request("PUT", f"/v1/provider-accounts/{provider}", key, body)


async def test_set_and_read_back_without_secrets(
    api: Api, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    body = {"api_key": TELNYX_KEY, "public_key": PUBLIC_KEY, "rate_per_s": 12.5}
    response = await put_account(api, world.live_key, "telnyx", body)
    account = data(response)
    assert account["provider"] == "telnyx"
    assert account["credentials_hint"] == "…CRET"
    assert account["rate_per_s"] == 12.5
    assert account["webhook_url"].startswith("http://127.0.0.1:8000/v1/providers/telnyx/webhooks/")
    assert len(_account_id(account)) >= 32  # unguessable
    listed = data(await api.get("/v1/provider-accounts", world.live_key))
    read = data(await api.get("/v1/provider-accounts/telnyx", world.live_key))
    for text in (response.text, json.dumps(listed), json.dumps(read)):
        assert "SECRET" not in text and PUBLIC_KEY not in text
    async with sessions() as session:
        stored = (await session.execute(select(ProviderAccount))).scalars().all()
    (row,) = [r for r in stored if r.org_id == world.org_id]
    assert TELNYX_KEY.encode() not in row.credentials  # encrypted at rest
    secrets = json.loads(SecretBox([TEST_SECRET_KEY]).open(row.credentials))
    assert secrets == {"api_key": TELNYX_KEY, "public_key": PUBLIC_KEY}


def _account_id(account: dict[str, str]) -> str:
    return account["webhook_url"].rsplit("/", 1)[1]


async def test_replace_and_remove(api: Api, world: World) -> None:
    first = data(await put_account(api, world.live_key, "plivo", PLIVO))
    second = data(
        await put_account(api, world.live_key, "plivo", {**PLIVO, "auth_token": "new-token-x1"})
    )
    assert first["webhook_url"] == second["webhook_url"]  # same account, new credentials
    assert second["credentials_hint"] == PLIVO["auth_id"]
    gone = data(await api.delete("/v1/provider-accounts/plivo", world.live_key))
    assert gone == second  # the deleted account, as it was
    again = await api.delete("/v1/provider-accounts/plivo", world.live_key)
    assert (again.status_code, error_code(again)) == (404, "NOT_FOUND")
    missing = await api.get("/v1/provider-accounts/plivo", world.live_key)
    assert (missing.status_code, error_code(missing)) == (404, "NOT_FOUND")


async def test_bad_input_is_validation_failed(api: Api, world: World) -> None:
    cases = [
        ("telnyx", {}, "api_key"),
        ("telnyx", {"api_key": TELNYX_KEY, "auth_token": "x" * 10}, "auth_token"),
        ("telnyx", {"api_key": TELNYX_KEY, "public_key": "not-a-key" * 5}, "public_key"),
        ("plivo", {"auth_id": "MAXX1234"}, "auth_token"),
        ("plivo", {**PLIVO, "rate_per_s": 0}, "rate_per_s"),
        ("nexmo", PLIVO, "provider"),
        ("telnyx", {"api_key": 12345678}, "api_key"),
    ]
    for provider, body, field in cases:
        response = await api.request(
            "PUT", f"/v1/provider-accounts/{provider}", world.live_key, body
        )
        assert (response.status_code, error_code(response)) == (422, "VALIDATION_FAILED"), body
        assert field in response.json()["error"]["details"], (body, response.json())
        assert "SECRET" not in response.text


async def test_test_mode_has_no_accounts(api: Api, world: World) -> None:
    response = await put_account(api, world.test_key, "telnyx", {"api_key": TELNYX_KEY})
    assert (response.status_code, error_code(response)) == (422, "VALIDATION_FAILED")


async def test_scopes(api: Api, world: World) -> None:
    reader = await world.key(Mode.LIVE, ["providers:read"])
    response = await api.request(
        "PUT", "/v1/provider-accounts/telnyx", reader, {"api_key": TELNYX_KEY}
    )
    assert (response.status_code, error_code(response)) == (403, "FORBIDDEN")


@respx.mock
async def test_live_mode_uses_the_account(api: Api, world: World) -> None:
    data(await put_account(api, world.live_key, "telnyx", {"api_key": TELNYX_KEY}))
    route = respx.get("https://api.telnyx.com/v2/10dlc/brand/B1").respond(
        200, json={"brandId": "B1", "identityStatus": "VERIFIED", "status": "OK"}
    )
    brand = data(
        await api.post(
            "/v1/brands", world.live_key, {"provider": "telnyx", "provider_brand_id": "B1"}
        ),
        201,
    )
    assert brand["identity_status"] == "VERIFIED"
    assert route.calls.last.request.headers["authorization"] == f"Bearer {TELNYX_KEY}"
