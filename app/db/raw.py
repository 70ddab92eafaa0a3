"""The one way around SQLAlchemy: a hand-written statement straight on the session's psycopg
connection (and transaction, if any), for the hot and set-based link statements."""

from collections.abc import Iterable, Mapping
from typing import Any

import psycopg
from psycopg.rows import dict_row
from sqlalchemy.ext.asyncio import AsyncSession


async def run_raw(
    session: AsyncSession,
    sql: str,
    params: Mapping[str, Any],
    *,
    prepare: bool = False,
    setup: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """Runs ``setup`` statements (e.g. ``SET LOCAL``), then ``sql``; returns its rows."""
    connection = await (await session.connection()).get_raw_connection()
    driver: psycopg.AsyncConnection[Any] = connection.driver_connection  # type: ignore[assignment]
    async with driver.cursor(row_factory=dict_row) as cursor:
        for statement in setup:
            await cursor.execute(statement)
        await cursor.execute(sql, params, prepare=prepare)
        return await cursor.fetchall()
