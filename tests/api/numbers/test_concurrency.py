"""Concurrent attaches to one number serialise: one campaign wins, nothing is lost."""

import asyncio
import random
from collections.abc import Callable

from tests.support.api import data
from tests.support.app import settle, test_settings
from tests.support.committed import committed_world


async def test_fifty_simultaneous_attaches_leave_one_campaign_and_one_work_item(
    fresh_db: Callable[[], str],
) -> None:
    settings = test_settings()
    async with committed_world(fresh_db, settings, pool_size=30) as cw:
        brand = await cw.world.brand()
        campaigns = [await cw.world.campaign(brand) for _ in range(50)]
        number = await cw.world.number()
        responses = await asyncio.gather(
            *(cw.world.attach(number["id"], c["id"]) for c in campaigns)
        )
        assert [r.status_code for r in responses] == [200] * 50
        row = (
            await cw.rows(
                "SELECT campaign_id::text, desired_version, carrier_line_option_status,"
                " sync_phase, next_attempt_at IS NOT NULL FROM phone_numbers WHERE id = :id",
                id=number["id"],
            )
        )[0]
        winner, version, status, phase, due = row
        assert winner in {c["id"] for c in campaigns}
        # every attach changed the campaign (none was the current one): none was lost
        assert version == 50
        assert (status, phase, due) == ("pending", "submit", True)
        # the last response to commit is the row's state
        final = data(await cw.api.get(f"/v1/phone-numbers/{number['id']}", cw.world.test_key))
        assert final["campaign_id"] == winner

        await settle(cw.sessions, settings)
        links = await cw.rows("SELECT campaign_ref FROM sandbox_links")
        winner_ref = next(c["provider_campaign_id"] for c in campaigns if c["id"] == winner)
        assert links == [(winner_ref,)]
        final = data(await cw.api.get(f"/v1/phone-numbers/{number['id']}", cw.world.test_key))
        assert final["carrier_line_option_status"] == "propagated"


async def test_racing_attach_and_detach_end_consistent(fresh_db: Callable[[], str]) -> None:
    settings = test_settings()
    async with committed_world(fresh_db, settings, pool_size=30) as cw:
        campaign = await cw.world.campaign()
        number = await cw.world.number()
        path = f"/v1/phone-numbers/{number['id']}/campaign"
        calls = [
            cw.world.attach(number["id"], campaign["id"])
            if random.random() < 0.5
            else cw.api.delete(path, cw.world.test_key)
            for _ in range(40)
        ]
        responses = await asyncio.gather(*calls)
        assert all(r.status_code == 200 for r in responses)
        await settle(cw.sessions, settings)
        final = data(await cw.api.get(f"/v1/phone-numbers/{number['id']}", cw.world.test_key))
        links = await cw.rows("SELECT campaign_ref, state FROM sandbox_links")
        if final["campaign_id"] is None:
            assert final["carrier_line_option_status"] is None
            assert all(state == "unlinking" for _, state in links)
        else:
            assert final["carrier_line_option_status"] == "propagated"
            assert links == [(campaign["provider_campaign_id"], "linking")]
