"""The one way around SQLAlchemy: a hand-written statement straight on a psycopg connection,
for the hot and set-based link statements. The connection is the session's (and its
transaction, if any), or a request's own autocommit one (see ``StatementConnection``)."""

import re
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from functools import lru_cache
from typing import Any, Protocol

import psycopg
from psycopg.rows import dict_row
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

Driver = psycopg.AsyncConnection[Any]
_NAMED = re.compile(r"%\((\w+)\)s")


class ConnectionSource(Protocol):
    """Lends a connection on which each statement is its own transaction (psycopg's pool of
    autocommit connections has this shape)."""

    def connection(self) -> AbstractAsyncContextManager[Driver]: ...


class SessionConnections:
    """A ``ConnectionSource`` through sessions: each loan is a session's connection, committed
    when given back (tests: a savepoint of their one rolled-back transaction)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Driver]:
        async with self.sessions() as session:
            yield await _session_driver(session)
            await session.commit()


class StatementConnection:
    """A request's connection for statements that are their own transaction: borrowed on the
    first statement (a request refused before it never takes one) and given back once."""

    def __init__(self, source: ConnectionSource) -> None:
        self._source = source
        self._loan = AsyncExitStack()
        self._driver: Driver | None = None

    async def driver(self) -> Driver:
        if self._driver is None:
            self._driver = await self._loan.enter_async_context(self._source.connection())
        return self._driver

    async def give_back(self, error: BaseException | None) -> None:
        """``error``: what the request failed with (a broken connection is then discarded)."""
        if error is None:
            await self._loan.aclose()
        else:
            await self._loan.__aexit__(type(error), error, error.__traceback__)


Database = AsyncSession | StatementConnection


@lru_cache(maxsize=256)
def positional(sql: str) -> tuple[str, tuple[str, ...]]:
    """A statement with ``%(name)s`` placeholders as PostgreSQL's own ``$n`` ones, and the
    parameter names in ``$n`` order (a name used twice is one parameter).

    psycopg splits a statement's placeholders on every execution when it is over 4 KB (it
    caches only shorter ones), and the link statements are longer: converted once here, they
    run on a raw cursor, which sends the text as it is."""
    if "%%" in sql or re.search(r"%(?!\(\w+\)s)", sql):
        raise ValueError("only %(name)s placeholders are supported in a raw statement")
    names: dict[str, int] = {}

    def number(match: re.Match[str]) -> str:
        return f"${names.setdefault(match.group(1), len(names) + 1)}"

    return _NAMED.sub(number, sql), tuple(names)


async def run_raw(
    db: Database,
    sql: str,
    params: Mapping[str, Any],
    *,
    prepare: bool = False,
    setup: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """Runs ``setup`` statements (e.g. ``SET LOCAL``), then ``sql``; returns its rows."""
    driver = await db.driver() if isinstance(db, StatementConnection) else await _session_driver(db)
    statement, names = positional(sql)
    async with psycopg.AsyncRawCursor(driver, row_factory=dict_row) as cursor:
        for setup_statement in setup:
            await cursor.execute(setup_statement)
        await cursor.execute(statement, [params[name] for name in names], prepare=prepare)
        return await cursor.fetchall()


async def _session_driver(session: AsyncSession) -> Driver:
    connection = await (await session.connection()).get_raw_connection()
    driver: Driver = connection.driver_connection  # type: ignore[assignment]
    return driver
