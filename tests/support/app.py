"""The app as tests build it: test settings, the wired app, and an in-process client."""

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.main import create_app, wire_state
from app.settings import Settings

# A fixed Fernet key for tests only: encrypted values in test databases are throwaway.
TEST_SECRET_KEY = "WQcGPleZIdQj2kb7AdCcc3Tf6VOmPvUmGIQNlx3-1nc="


def test_settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "sandbox_delay_s": 0.0,
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


test_settings.__test__ = False  # type: ignore[attr-defined]  # a factory, not a test


def build_app(
    engine: AsyncEngine,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession] | None = None,
) -> FastAPI:
    """The app as its lifespan would wire it (ASGITransport does not run lifespans)."""
    app = create_app(settings, engine)
    app.state.engine = engine
    wire_state(app, settings, sessions)
    return app


def client_for(app: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://numlink.test")
