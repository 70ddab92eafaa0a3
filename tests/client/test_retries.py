"""Retries against the app with faults put between the client and it: a refused connection, a
response lost after the gateway applied the write, a proxy's 502, the gateway's own rate
limit. A write is retried with the same Idempotency-Key, so it applies once."""

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.db.engine import create_sessionmaker
from numlink_client import APIConnectionError, AsyncNumlink, errors
from numlink_client._flow import Options
from numlink_client.errors import UnexpectedResponseError
from tests.client.conftest import numlink_for
from tests.support.api import Api, World, us_number
from tests.support.app import build_app, client_for, running_app, test_settings


class Faults(httpx.AsyncBaseTransport):
    """Forwards to the app, except that the n-th request meets ``plan[n]``: ``refuse`` (no
    connection), ``lose`` (the app answers, the answer is lost), ``proxy502`` (a proxy's
    page, the app never asked)."""

    def __init__(self, app: FastAPI, plan: list[str]) -> None:
        self.app = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self.plan = plan
        self.seen: list[tuple[str, str | None, int | None]] = []  # method, key, status

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        fault = self.plan.pop(0) if self.plan else "pass"
        key = request.headers.get("idempotency-key")
        if fault == "refuse":
            self.seen.append((request.method, key, None))
            raise httpx.ConnectError("connection refused", request=request)
        if fault == "proxy502":
            self.seen.append((request.method, key, 502))
            return httpx.Response(502, text="<html>Bad Gateway</html>", request=request)
        response = await self.app.handle_async_request(request)
        await response.aread()
        self.seen.append((request.method, key, response.status_code))
        if fault == "lose":
            raise httpx.ReadError("connection reset", request=request)
        return response


def faulty(
    app: FastAPI, key: str, plan: list[str], retries: int = 3
) -> tuple[AsyncNumlink, Faults]:
    faults = Faults(app, plan)
    http = httpx.AsyncClient(transport=faults, base_url="http://numlink.test")
    client = AsyncNumlink(key, http_client=http, max_retries=retries)
    client._runner.options = Options(max_retries=retries, backoff_s=0.01)  # quick retries
    return client, faults


@pytest.fixture
async def committed(fresh_db: Callable[[], str]) -> AsyncIterator[tuple[FastAPI, World]]:
    """The app on a committed database of its own: a replay reads the key's row, which the
    rolled-back test transaction would hold locked."""
    running = running_app(fresh_db(), test_settings(), pool_size=5)
    async with running as app, client_for(app) as http:
        yield app, await World.create(Api(http), create_sessionmaker(app.state.engine))


async def test_a_lost_answer_is_replayed_not_applied_twice(
    committed: tuple[FastAPI, World],
) -> None:
    app, world = committed
    client, faults = faulty(app, world.test_key, ["lose"])
    number = us_number()
    created = await client.phone_numbers.create(number=number, provider="sandbox")
    (first, second) = faults.seen
    assert first[0] == second[0] == "POST" and first[1] == second[1] is not None
    assert (first[2], second[2]) == (201, 201)
    assert created.response_info is not None and created.response_info.idempotent_replayed
    assert [n.id async for n in client.phone_numbers.list(number=number)] == [created.id]


async def test_refused_connections_and_proxy_errors_are_retried(app: FastAPI, world: World) -> None:
    client, faults = faulty(app, world.test_key, ["refuse", "proxy502", "refuse"])
    assert [b async for b in client.brands.list()] == []
    assert [status for _, _, status in faults.seen] == [None, 502, None, 200]

    give_up, faults = faulty(app, world.test_key, ["refuse", "refuse"], retries=1)
    with pytest.raises(APIConnectionError, match="cannot reach the gateway"):
        await give_up.brands.list().first_page()
    assert len(faults.seen) == 2

    proxy, _ = faulty(app, world.test_key, ["proxy502"], retries=0)
    with pytest.raises(UnexpectedResponseError, match="not a numlink API response"):
        await proxy.brands.list().first_page()


async def test_refusals_are_not_retried(app: FastAPI, world: World) -> None:
    client, faults = faulty(app, world.test_key, [])
    number = await client.phone_numbers.create(number=us_number(), provider="sandbox")
    with pytest.raises(errors.ConflictError):
        await client.phone_numbers.create(number=number.number, provider="sandbox")
    keys = [key for _, key, _ in faults.seen]
    assert len(keys) == 2 and keys[0] != keys[1]  # a key per call, not per client
    mine = await client.phone_numbers.delete(number.id, idempotency_key="my-own-key")
    assert faults.seen[-1][1] == "my-own-key" and mine.id == number.id


@pytest.fixture
async def limited(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], world: World
) -> AsyncIterator[AsyncNumlink]:
    """The app with a budget of 2 requests/s per key (bursts of 4)."""
    app = build_app(engine, test_settings(key_rate_per_s=2.0), sessions)
    async with numlink_for(app, world.test_key, max_retries=2) as client:
        yield client


async def test_rate_limited_calls_wait_for_retry_after(limited: AsyncNumlink) -> None:
    seen: list[int] = []

    async def status(response: httpx.Response) -> None:
        seen.append(response.status_code)

    limited._runner.http.event_hooks["response"].append(status)
    for _ in range(8):
        assert (await limited.brands.list().first_page()).data == []
    assert seen.count(429) >= 1 and seen.count(200) == 8
    no_retry = limited.with_options(max_retries=0)
    with pytest.raises(errors.RateLimitedError) as refused:
        for _ in range(8):
            await no_retry.brands.list().first_page()
    assert refused.value.retry_after is not None and refused.value.retry_after >= 1
