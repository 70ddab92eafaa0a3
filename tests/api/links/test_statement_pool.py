"""Attach and detach without an Idempotency-Key run on the app's pool of autocommit
connections: a connection is taken only by a request that reaches its statement, always given
back, and one the database dropped is replaced after the request it failed."""

import asyncio
from collections.abc import Callable

from psycopg_pool import AsyncConnectionPool

from app.db.engine import STATEMENT_POOL_NAME
from tests.support.api import data, error_code
from tests.support.app import test_settings
from tests.support.committed import committed_world


async def test_requests_borrow_a_connection_only_for_their_statement_and_give_it_back(
    fresh_db: Callable[[], str],
) -> None:
    async with committed_world(fresh_db, test_settings(db_pool_size=2)) as cw:
        pool: AsyncConnectionPool = cw.app.state.statement_pool
        campaigns = [await cw.world.campaign() for _ in range(2)]
        numbers = [await cw.world.number() for _ in range(12)]
        path = f"/v1/phone-numbers/{numbers[0]['id']}/campaign"
        before = pool.get_stats().get("requests_num", 0)

        refused = await cw.api.post(path, "am_test_not_a_key", {"campaign_id": campaigns[0]["id"]})
        invalid = await cw.api.post(path, cw.world.test_key, {"campaign_id": "x"})
        assert (refused.status_code, invalid.status_code) == (401, 422)
        assert pool.get_stats().get("requests_num", 0) == before  # refused before any statement

        # more requests at once than connections, half of them rejected by the rules
        missing = "00000000-0000-0000-0000-000000000000"
        responses = await asyncio.gather(
            *(cw.world.attach(n["id"], campaigns[i % 2]["id"]) for i, n in enumerate(numbers)),
            *(cw.world.attach(missing, campaigns[0]["id"]) for _ in range(12)),
        )
        assert [r.status_code for r in responses[:12]] == [200] * 12
        assert {error_code(r) for r in responses[12:]} == {"NOT_FOUND"}
        detached = await asyncio.gather(
            *(
                cw.api.delete(f"/v1/phone-numbers/{n['id']}/campaign", cw.world.test_key)
                for n in numbers[:6]
            )
        )
        assert [data(r)["campaign_id"] for r in detached] == [None] * 6
        stats = pool.get_stats()
        assert stats.get("requests_num", 0) - before == 30
        assert stats["pool_size"] <= 2 and stats["pool_available"] == stats["pool_size"]

        assert (
            await cw.scalar("SELECT count(*) FROM phone_numbers WHERE campaign_id IS NOT NULL") == 6
        )
        assert (
            await cw.scalar(
                "SELECT count(*) FROM events WHERE type = 'phone_number.campaign.changed'"
            )
            == 12 + 6
        )


async def test_a_connection_the_database_dropped_fails_one_request_then_is_replaced(
    fresh_db: Callable[[], str],
) -> None:
    async with committed_world(fresh_db, test_settings(db_pool_size=1)) as cw:
        campaigns = [await cw.world.campaign() for _ in range(2)]
        number = await cw.world.number()
        assert (await cw.world.attach(number["id"], campaigns[0]["id"])).status_code == 200

        dropped = await cw.scalar(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = :name AND datname = current_database()",
            name=STATEMENT_POOL_NAME,
        )
        assert dropped == 1
        failed = await cw.world.attach(number["id"], campaigns[1]["id"])
        assert (failed.status_code, error_code(failed)) == (500, "INTERNAL_ERROR")

        again = await cw.world.attach(number["id"], campaigns[1]["id"])
        assert again.status_code == 200
        assert data(again)["campaign_id"] == campaigns[1]["id"]
