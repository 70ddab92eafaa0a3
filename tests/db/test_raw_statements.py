"""Raw statements: ``%(name)s`` placeholders become PostgreSQL's ``$n`` once, and a statement
over psycopg's 4 KB cache limit runs the same as a short one."""

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.raw import positional, run_raw


def test_names_become_numbers_in_first_use_order() -> None:
    sql, names = positional("SELECT %(b)s::int + %(a)s::int WHERE %(b)s::int > 0")
    assert sql == "SELECT $1::int + $2::int WHERE $1::int > 0"
    assert names == ("b", "a")


@pytest.mark.parametrize("sql", ["SELECT 5 %% 2", "SELECT %s", "SELECT 5 % 2"])
def test_other_percent_forms_are_refused(sql: str) -> None:
    with pytest.raises(ValueError, match="placeholders"):
        positional(sql)


async def test_a_long_statement_runs_with_its_parameters(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    padding = "\n".join(f"-- line {i:04d} of a long statement" for i in range(200))
    sql = f"{padding}\nSELECT %(word)s::text AS word, %(n)s::int * 2 AS twice, %(word)s = 'x' AS x"
    assert len(sql.encode()) > 4096
    async with sessions() as session:
        for n in (1, 2):
            rows = await run_raw(session, sql, {"n": n, "word": "x", "unused": 0}, prepare=True)
            assert rows == [{"word": "x", "twice": 2 * n, "x": True}]
