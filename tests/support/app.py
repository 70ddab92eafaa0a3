"""The app as tests build it: test settings and providers, the wired app, an in-process
client, and the worker's jobs run in-process until nothing is left to do."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.db.engine import create_engine
from app.jobs.context import JobContext
from app.jobs.worker import run_until_settled
from app.main import create_app, opened_pools, wire_state
from app.settings import Settings
from providers.catalog import ProviderCatalog, default_catalog
from providers.plivo import PlivoSettings
from providers.sandbox import SandboxSettings
from providers.telnyx import TelnyxSettings

# A fixed Fernet key for tests only: encrypted values in test databases are throwaway.
TEST_SECRET_KEY = "WQcGPleZIdQj2kb7AdCcc3Tf6VOmPvUmGIQNlx3-1nc="


def test_settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "confirm_poll_s": 0.01,
        "confirm_poll_cap_s": 0.05,
        "retry_base_s": 0.01,
        "retry_cap_s": 0.05,
        "key_rate_per_s": 0.0,
        "key_cache_ttl_s": 0.0,
        "worker_concurrency": 1,
        "access_log": False,
        "max_body_bytes": 64 * 1024,
        "secret_keys": TEST_SECRET_KEY,
    }
    values.update(overrides)
    return Settings(database_url=None, **values)  # type: ignore[arg-type]


def test_catalog(
    *,
    sandbox: dict[str, Any] | None = None,
    telnyx: dict[str, Any] | None = None,
    plivo: dict[str, Any] | None = None,
) -> ProviderCatalog:
    """The providers with test settings: the sandbox settles at once unless told otherwise."""
    return default_catalog(
        sandbox=SandboxSettings(**{"delay_s": 0.0, **(sandbox or {})}),
        telnyx=TelnyxSettings(**(telnyx or {})),
        plivo=PlivoSettings(**(plivo or {})),
    )


test_settings.__test__ = False  # type: ignore[attr-defined]  # factories, not tests
test_catalog.__test__ = False  # type: ignore[attr-defined]


def build_app(
    engine: AsyncEngine,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession] | None = None,
    catalog: ProviderCatalog | None = None,
) -> FastAPI:
    """The app as its lifespan would wire it (ASGITransport does not run lifespans)."""
    catalog = catalog or test_catalog()
    app = create_app(settings, engine, catalog)
    app.state.engine = engine
    wire_state(app, settings, catalog, sessions)
    return app


@asynccontextmanager
async def running_app(
    url: str, settings: Settings, *, pool_size: int, catalog: ProviderCatalog | None = None
) -> AsyncIterator[FastAPI]:
    """The app on the committed database at ``url``: its engine (``app.state.engine``) and
    pools, opened and closed as the app's lifespan would."""
    engine = create_engine(url, pool_size=pool_size)
    try:
        app = build_app(engine, settings, catalog=catalog)
        async with opened_pools(app):
            yield app
    finally:
        await engine.dispose()


def client_for(app: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://numlink.test")


async def settle(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    catalog: ProviderCatalog | None = None,
    timeout_s: float = 30.0,
) -> None:
    """Run the propagation jobs in-process until no number or bulk task has work left."""
    async with JobContext.open(sessions, settings, catalog or test_catalog()) as context:
        await run_until_settled(context, timeout_s)
