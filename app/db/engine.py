"""Engine and session factory. Services only flush; the request/job owner commits."""

from psycopg_pool import AsyncConnectionPool
from sqlalchemy import URL
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SessionMaker = async_sessionmaker[AsyncSession]


def async_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs as well as SQLAlchemy's psycopg form."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise ValueError("DATABASE_URL must be a postgresql:// URL")


def create_engine(url: str | URL, *, pool_size: int = 20, autocommit: bool = False) -> AsyncEngine:
    """``autocommit``: every statement is its own transaction (a pool of its own, so
    connections never switch mode on checkout)."""
    return create_async_engine(
        async_url(url) if isinstance(url, str) else url,
        isolation_level="AUTOCOMMIT" if autocommit else None,
        pool_size=pool_size,
        max_overflow=0,  # wait for a pooled connection rather than open and close new ones
        pool_pre_ping=False,
        pool_recycle=1800,
        hide_parameters=True,  # errors never show a statement's values (tenant data)
    )


def create_sessionmaker(engine: AsyncEngine) -> SessionMaker:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


STATEMENT_POOL_NAME = "numlink statements"  # its connections' application_name


def create_statement_pool(engine: AsyncEngine, size: int) -> AsyncConnectionPool:
    """Autocommit connections for the statements that are their own transaction (attach and
    detach without an Idempotency-Key); opened by the app's lifespan. Grows on demand up to
    ``size`` like the engine's pool."""
    conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    return AsyncConnectionPool(
        conninfo,
        min_size=1,
        max_size=size,
        kwargs={"autocommit": True, "application_name": STATEMENT_POOL_NAME},
        open=False,
        name="statements",
    )
