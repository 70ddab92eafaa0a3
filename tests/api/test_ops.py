"""Health, readiness, metrics and JSON logs."""

import logging
import re
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from alembic.script import ScriptDirectory

from app.db.migrations import alembic_config, downgrade, upgrade
from app.kit.logging import JSONFormatter
from app.settings import Settings
from tests.support.api import Api, World, data, error_code
from tests.support.app import client_for, running_app, test_settings
from tests.support.database import DatabaseServer

HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


@pytest.fixture
def settings() -> Settings:
    return test_settings(access_log=True)


async def test_healthz(api: Api) -> None:
    response = await api.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"success": True, "data": {"status": "ok"}}
    assert response.headers["x-request-id"]


async def test_readyz_when_migrated(api: Api) -> None:
    assert data(await api.get("/readyz")) == {"status": "ready", "revision": HEAD}


async def test_readyz_is_503_until_the_database_is_at_head(server: DatabaseServer) -> None:
    url = server.create_database(migrate=False)
    running = running_app(url, test_settings(), pool_size=1)
    async with running as app, client_for(app) as client:
        unmigrated = await client.get("/readyz")
        upgrade(url)
        migrated = await client.get("/readyz")
        downgrade(url, "base")  # a database left behind the code
        behind = await client.get("/readyz")
    for response in (unmigrated, behind):
        assert (response.status_code, error_code(response)) == (503, "NOT_READY")
        assert response.json()["error"]["request_id"] == response.headers["x-request-id"]
    assert data(migrated)["revision"] == HEAD


def requests_served(metrics_text: str, method: str, route: str, status: int) -> float:
    labels = f'method="{method}",route="{route}",status="{status}"'
    match = re.search(
        rf"^numlink_http_requests_total\{{{re.escape(labels)}\}} (\S+)$", metrics_text, re.M
    )
    return float(match.group(1)) if match else 0.0


async def test_metrics_count_requests_by_route_template(api: Api, world: World) -> None:
    before = (await api.get("/metrics")).text
    await api.get("/v1/brands", world.test_key)
    await api.get("/v1/brands/00000000-0000-0000-0000-000000000000", world.test_key)
    await api.get("/no-such-route/5f2b")
    response = await api.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    after = response.text
    for method, route, status in (
        ("GET", "/v1/brands", 200),
        ("GET", "/v1/brands/{brand_id}", 404),
        ("GET", "unmatched", 404),
    ):
        served = requests_served(after, method, route, status)
        assert served - requests_served(before, method, route, status) == 1, route
    # the label is the route template, so ids and unknown paths add no new series
    assert "00000000-0000" not in after and "no-such-route" not in after
    assert "numlink_http_request_duration_seconds_bucket" in after


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.setFormatter(JSONFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def access_lines() -> Iterator[list[str]]:
    handler = _Collect()
    logger = logging.getLogger("numlink.access")
    previous_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler.lines
    logger.removeHandler(handler)
    logger.setLevel(previous_level)


def last_entry(lines: list[str]) -> dict[str, Any]:
    entry = orjson.loads(lines[-1])
    assert isinstance(entry, dict)
    return entry


async def test_access_log_is_json_with_request_and_org(
    api: Api, world: World, access_lines: list[str]
) -> None:
    response = await api.get("/v1/brands", world.test_key)
    entry = last_entry(access_lines)
    assert entry["request_id"] == response.headers["x-request-id"]
    assert entry["org_id"] == str(world.org_id)
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/v1/brands", 200)
    assert entry["level"] == "info" and entry["logger"] == "numlink.access"


async def test_access_log_never_holds_a_key_nor_a_previous_org(
    api: Api, world: World, access_lines: list[str]
) -> None:
    data(await api.get("/v1/brands", world.test_key))
    # a well-formed key whose secret is wrong: 401, logged without any org
    prefix = world.test_key.rsplit("_", 1)[0]
    forged = f"{prefix}_{'0' * 48}"
    denied = await api.get("/v1/brands", forged)
    assert denied.status_code == 401
    entry = last_entry(access_lines)
    assert entry["request_id"] == denied.headers["x-request-id"] and "org_id" not in entry
    secret = world.test_key.rsplit("_", 1)[1]
    for line in access_lines:
        assert secret not in line and forged not in line and "Bearer" not in line
