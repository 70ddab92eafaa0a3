"""The FastAPI application."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api.envelope import JSONBody
from app.api.handlers import install_handlers
from app.api.middleware import BodyLimitMiddleware, RequestContextMiddleware
from app.api.openapi import with_strict_strings
from app.api.ops import router as ops_router
from app.api.ratelimit import KeyRateLimiter
from app.audits.endpoints import router as audits_router
from app.brands.endpoints import router as brands_router
from app.brands.verification_endpoints import router as brand_verification_router
from app.bulk.endpoints import router as bulk_router
from app.campaigns.endpoints import router as campaigns_router
from app.db.engine import (
    SessionMaker,
    create_engine,
    create_sessionmaker,
    create_statement_pool,
)
from app.db.raw import SessionConnections
from app.events.endpoints import router as events_router
from app.inventory.endpoints import router as inventory_router
from app.keys.service import KeyAuthenticator
from app.kit.heap import freeze_startup_heap
from app.kit.secrets import SecretBox
from app.numbers.endpoints import link_router as number_links_router
from app.numbers.endpoints import router as numbers_router
from app.provider_accounts.endpoints import router as provider_accounts_router
from app.provider_accounts.registry import ProviderRegistry
from app.provider_webhooks.endpoints import router as provider_webhooks_router
from app.settings import Settings, get_settings
from app.test_helpers.endpoints import router as test_helpers_router
from app.test_helpers.inventory import router as test_inventory_router
from app.webhooks.endpoints import router as webhooks_router
from providers.catalog import ProviderCatalog, default_catalog

DESCRIPTION = """Link US 10DLC phone numbers to messaging campaigns across providers.

Authenticate with `Authorization: Bearer am_live_…` or `am_test_…`. Every response is an
envelope: `{"success": true, "data": …}` or `{"success": false, "error": {code, message,
request_id, details?}}`; `X-Request-Id` carries the same ULID as `request_id`.

Any path: an unknown route is 404 `NOT_FOUND` whatever the key; a known path with the wrong
method is 405 `METHOD_NOT_ALLOWED` with an `Allow` header. Each operation lists its own codes.
"""


def create_app(
    settings: Settings | None = None,
    engine: AsyncEngine | None = None,
    catalog: ProviderCatalog | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    catalog = catalog or default_catalog()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own_engine = engine is None
        if own_engine:
            if not settings.database_url:
                raise RuntimeError("DATABASE_URL is not set (numlink serve starts one for you)")
            app.state.engine = create_engine(settings.database_url, pool_size=settings.db_pool_size)
        else:
            app.state.engine = engine
        wire_state(app, settings, catalog)
        try:
            async with opened_pools(app):
                freeze_startup_heap()  # lifespans run only in serving processes
                yield
        finally:
            if own_engine:
                await app.state.engine.dispose()

    app = FastAPI(
        title="numlink",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        default_response_class=JSONBody,
    )
    app.router.redirect_slashes = False  # a redirect would not be an envelope
    generate_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_strict_strings(generate_openapi())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    install_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware, access_log_enabled=settings.access_log)
    for router in (
        ops_router,
        brands_router,
        brand_verification_router,
        campaigns_router,
        bulk_router,
        inventory_router,  # before numbers_router: /sync and /batch are not number ids
        numbers_router,
        number_links_router,
        provider_accounts_router,
        provider_webhooks_router,
        test_helpers_router,
        test_inventory_router,
        audits_router,
        webhooks_router,
        events_router,
    ):
        # A flat route table (routes carry their prefix): the 405 handler's Allow header and
        # route inventories read it directly.
        app.router.routes.extend(router.routes)
    return app


@asynccontextmanager
async def opened_pools(app: FastAPI) -> AsyncIterator[None]:
    """Opens the statement pool ``wire_state`` made (without test sessions) and, at the end,
    closes it with the providers' clients and the autocommit engine."""
    await app.state.statement_pool.open()
    try:
        yield
    finally:
        await app.state.providers.aclose()
        await app.state.statement_pool.close()
        await app.state.autocommit_engine.dispose()


def wire_state(
    app: FastAPI,
    settings: Settings,
    catalog: ProviderCatalog,
    sessions: SessionMaker | None = None,
) -> None:
    """Per-process singletons; the engine must already be on ``app.state``.

    ``sessions`` replaces both session factories and the statement pool (tests bind them to
    one rolled-back connection); without it ``opened_pools`` opens the pool."""
    app.state.settings = settings
    app.state.sessions = sessions or create_sessionmaker(app.state.engine)
    app.state.autocommit_engine = create_engine(
        app.state.engine.url, pool_size=settings.db_pool_size, autocommit=True
    )
    app.state.autocommit_sessions = sessions or create_sessionmaker(app.state.autocommit_engine)
    if sessions is None:
        app.state.statement_pool = create_statement_pool(app.state.engine, settings.db_pool_size)
        app.state.statement_connections = app.state.statement_pool
    else:
        app.state.statement_connections = SessionConnections(sessions)
    app.state.secret_box = SecretBox(settings.secret_key_list())
    app.state.providers = ProviderRegistry(
        app.state.sessions,
        settings,
        app.state.secret_box,
        catalog,
        ledger_sessions=app.state.autocommit_sessions,
    )
    # what request bodies are checked against (see app.api.body)
    app.state.validation_context = {"providers": catalog.names()}
    app.state.authenticator = KeyAuthenticator(app.state.sessions, settings.key_cache_ttl_s)
    app.state.rate_limiter = KeyRateLimiter(settings.key_rate_per_s)
