"""Health, readiness, metrics and JSON logs."""

import logging
from collections.abc import AsyncIterator

import orjson
import pytest
from fastapi import FastAPI

from app.kit.db import create_engine
from app.kit.logging import JSONFormatter
from app.settings import Settings
from tests.conftest import build_app, client_for, test_settings
from tests.database import DatabaseServer
from tests.support import Api, World, data


async def test_healthz_and_readyz(api: Api) -> None:
    assert data(await api.get("/healthz")) == {"status": "ok"}
    ready = data(await api.get("/readyz"))
    assert ready["status"] == "ready" and ready["revision"]


async def test_readyz_is_503_on_an_unmigrated_database(server: DatabaseServer) -> None:
    engine = create_engine(server.create_database(migrate=False), pool_size=1)
    try:
        async with client_for(build_app(engine, test_settings())) as client:
            response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "NOT_READY"
    finally:
        await engine.dispose()


async def test_metrics(api: Api, world: World) -> None:
    await api.get("/v1/brands", world.test_key)
    text = (await api.get("/metrics")).text
    assert 'numlink_http_requests_total{method="GET",route="/v1/brands",status="200"}' in text
    assert "numlink_http_request_duration_seconds_bucket" in text


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.setFormatter(JSONFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def settings() -> Settings:
    return test_settings(access_log=True)


@pytest.fixture
async def access_lines(app: FastAPI) -> AsyncIterator[list[str]]:
    handler = _Collect()
    logger = logging.getLogger("numlink.access")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler.lines
    logger.removeHandler(handler)


async def test_access_log_is_json_with_request_and_org(
    api: Api, world: World, access_lines: list[str]
) -> None:
    response = await api.get("/v1/brands", world.test_key)
    entry = orjson.loads(access_lines[-1])
    assert entry["request_id"] == response.headers["x-request-id"]
    assert entry["org_id"] == str(world.org_id)
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/v1/brands", 200)
    assert all(world.test_key not in line for line in access_lines)
