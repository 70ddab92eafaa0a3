"""Fixtures. Most tests run inside one transaction that is rolled back; tests of races,
workers, idempotency and crashes get a committed database of their own (``fresh_db``)."""

from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from app.db.engine import create_engine
from app.settings import Settings
from providers.catalog import ProviderCatalog
from tests.support.api import Api, World
from tests.support.app import build_app, client_for, test_catalog, test_settings
from tests.support.database import DatabaseServer


@pytest.fixture(scope="session")
def server() -> Iterator[DatabaseServer]:
    test_server = DatabaseServer()
    yield test_server
    test_server.drop_all()


@pytest.fixture(scope="session")
def database_url(server: DatabaseServer) -> str:
    return server.create_database()


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(database_url, pool_size=5)
    yield eng
    await eng.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """One outer transaction per test, rolled back at the end; app commits become savepoints."""
    async with engine.connect() as conn:
        outer = await conn.begin()
        yield conn
        if outer.is_active:
            await outer.rollback()


@pytest.fixture
def sessions(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(
        bind=connection,
        expire_on_commit=False,
        autoflush=False,
        join_transaction_mode="create_savepoint",
    )


@pytest.fixture
def settings() -> Settings:
    return test_settings()


@pytest.fixture
def catalog() -> ProviderCatalog:
    return test_catalog()


@pytest.fixture
def app(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    catalog: ProviderCatalog,
) -> FastAPI:
    return build_app(engine, settings, sessions, catalog)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as c:
        yield c


@pytest.fixture
def api(client: httpx.AsyncClient) -> Api:
    return Api(client)


@pytest.fixture
async def world(api: Api, sessions: async_sessionmaker[AsyncSession]) -> World:
    """An org with test and live keys (all scopes), ready to create objects through the API."""
    return await World.create(api, sessions)


@pytest.fixture
def fresh_db(server: DatabaseServer) -> Callable[[], str]:
    """Makes a new committed, migrated database for tests that need real concurrency."""
    return server.create_database
