"""API keys: 401 for anything but a valid active key, 403 without the scope, rate budget."""

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.models import Mode
from app.keys.service import KeyAuthenticator, revoke_key
from app.kit.errors import Unauthorized
from app.settings import Settings
from tests.support.api import Api, World, data, error_code
from tests.support.app import test_settings


def key_id(key: str) -> str:
    return key.split("_")[2]


@pytest.mark.parametrize(
    "make_header",
    [
        lambda key: None,
        lambda key: f"Basic {key}",
        lambda key: "Bearer ",
        lambda key: "Bearer am_test_123",
        lambda key: "Bearer " + key.replace(key.split("_")[2], "0" * 32),
        lambda key: "Bearer " + key[:-1] + ("1" if key.endswith("0") else "0"),
        lambda key: "Bearer " + key.replace("am_test_", "am_live_"),
        lambda key: "Bearer " + key + "x",
    ],
    ids=[
        "missing",
        "basic",
        "empty",
        "malformed",
        "unknown-id",
        "wrong-secret",
        "wrong-mode",
        "suffix",
    ],
)
async def test_bad_keys_are_401(api: Api, world: World, make_header: Callable[[str], Any]) -> None:
    header = make_header(world.test_key)
    headers = {"Authorization": header} if header is not None else {}
    response = await api.get("/v1/brands", headers=headers)
    assert_unauthorized(response)


def assert_unauthorized(response: httpx.Response) -> None:
    assert response.status_code == 401
    assert error_code(response) == "UNAUTHORIZED"
    assert response.json()["error"]["message"] == "authentication failed"


async def test_a_burst_with_a_key_not_yet_cached_reads_it_once(
    world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    opened: list[AsyncSession] = []

    def counted() -> AsyncSession:
        opened.append(sessions())
        return opened[-1]

    authenticator = KeyAuthenticator(counted, ttl_s=60)
    contexts = await asyncio.gather(
        *(authenticator.authenticate(world.test_key) for _ in range(20))
    )
    assert len(opened) == 1  # one lookup, not one connection per request
    assert {(c.tenant.org_id, c.tenant.mode) for c in contexts} == {(world.org_id, Mode.TEST)}
    wrong = world.test_key[:-1] + ("1" if world.test_key.endswith("0") else "0")
    with pytest.raises(Unauthorized):  # the secret is checked per request, not shared
        await authenticator.authenticate(wrong)


async def test_revoked_key_is_401_at_once_with_no_cache(
    api: Api, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    key = await world.key(Mode.TEST)
    assert (await api.get("/v1/brands", key)).status_code == 200
    async with sessions.begin() as session:
        await revoke_key(session, uuid.UUID(hex=key_id(key)))
    assert_unauthorized(await api.get("/v1/brands", key))
    assert (await api.get("/v1/brands", world.test_key)).status_code == 200


SCOPED_CALLS = [
    ("GET", "/v1/brands", "brands:read"),
    ("POST", "/v1/brands", "brands:write"),
    ("GET", "/v1/campaigns", "campaigns:read"),
    ("POST", "/v1/campaigns", "campaigns:write"),
    ("GET", "/v1/phone-numbers", "numbers:read"),
    ("POST", "/v1/phone-numbers", "numbers:write"),
    ("POST", "/v1/phone-numbers/x/campaign", "numbers:write"),
    ("DELETE", "/v1/phone-numbers/x/campaign", "numbers:write"),
    ("PATCH", "/v1/phone-numbers/x", "numbers:write"),
]


@pytest.mark.parametrize(("method", "path", "scope"), SCOPED_CALLS)
async def test_missing_scope_is_403(
    api: Api, world: World, method: str, path: str, scope: str
) -> None:
    others = [
        s
        for s in (
            "brands:read",
            "brands:write",
            "campaigns:read",
            "campaigns:write",
            "numbers:read",
            "numbers:write",
        )
        if s != scope
    ]
    key = await world.key(Mode.TEST, others)
    response = await api.request(method, path, key, {})
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "FORBIDDEN",
        "message": "missing required scope",
        "request_id": response.headers["x-request-id"],
    }
    allowed = await world.key(Mode.TEST, [scope])
    assert (await api.request(method, path, allowed, {})).status_code != 403


class TestRateBudget:
    @pytest.fixture
    def settings(self) -> Settings:
        return test_settings(key_rate_per_s=5.0)

    async def test_over_budget_is_429_per_key(self, api: Api, world: World) -> None:
        started = time.monotonic()
        responses: list[httpx.Response] = []
        while len(responses) < 30 and (not responses or responses[-1].status_code != 429):
            responses.append(await api.get("/v1/brands", world.test_key))
        # The bucket refills at 5/s: a slow machine earns one extra request per 0.2 s.
        earned = int((time.monotonic() - started) * 5)
        statuses = [r.status_code for r in responses]
        assert statuses[:10] == [200] * 10  # a burst of twice the rate
        assert statuses[-1] == 429 and 11 <= len(statuses) <= 11 + earned, statuses
        limited = responses[-1]
        assert error_code(limited) == "RATE_LIMITED"
        assert int(limited.headers["retry-after"]) >= 1
        assert (await api.get("/v1/brands", world.live_key)).status_code == 200


class TestLogs:
    @pytest.fixture
    def settings(self) -> Settings:
        return test_settings(access_log=True)

    async def test_keys_never_reach_the_logs(
        self, api: Api, world: World, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.DEBUG)
        data(await api.get("/v1/brands", world.test_key))
        await api.get("/v1/brands", world.test_key + "x")
        secret = world.test_key.split("_")[3]
        records = [r for r in caplog.records if r.name == "numlink.access"]
        assert records, "no access log written"
        for record in caplog.records:
            text = record.getMessage() + repr(record.__dict__)
            assert secret not in text


async def test_two_authorization_headers_are_401(api: Api, world: World) -> None:
    other = await world.key(Mode.TEST)
    for second in (f"Bearer {world.test_key}", f"Bearer {other}", "Bearer am_test_bad", ""):
        headers = [("Authorization", f"Bearer {world.test_key}"), ("Authorization", second)]
        response = await api.client.get("/v1/brands", headers=headers)
        assert_unauthorized(response)
    single = await api.client.get("/v1/brands", headers=[("Authorization", f"Bearer {other}")])
    assert single.status_code == 200
