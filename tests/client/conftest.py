"""The async client against the app in-process (ASGITransport), on the rolled-back database;
every request it sends is recorded, to check that each client route was called."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from numlink_client import AsyncNumlink
from tests.client.routes import CALLED
from tests.support.api import World
from tests.support.app import client_for


async def _record(request: httpx.Request) -> None:
    CALLED.add((request.method, request.url.path))


def numlink_for(app: FastAPI, key: str, **options: object) -> AsyncNumlink:
    http = client_for(app)
    http.event_hooks["request"].append(_record)
    return AsyncNumlink(key, http_client=http, **options)  # type: ignore[arg-type]


@pytest.fixture
async def nl(app: FastAPI, world: World) -> AsyncIterator[AsyncNumlink]:
    """The async client with the world's test key (all scopes)."""
    async with numlink_for(app, world.test_key, max_retries=0) as client:
        yield client


@pytest.fixture
async def nl_live(app: FastAPI, world: World) -> AsyncIterator[AsyncNumlink]:
    async with numlink_for(app, world.live_key, max_retries=0) as client:
        yield client
