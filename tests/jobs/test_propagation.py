"""The reconciler against the sandbox: outcomes, moves, detaches, coalescing, leases."""

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.jobs.context import JobContext
from app.jobs.propagation import PropagationJob, write_back_outcome
from app.jobs.reconciler import Outcome
from app.settings import Settings
from providers.catalog import ProviderCatalog
from tests.support.api import World, data, error_code
from tests.support.app import settle, test_catalog

Sessions = async_sessionmaker[AsyncSession]


async def number_state(world: World, number_id: str) -> dict[str, Any]:
    return dict(data(await world.api.get(f"/v1/phone-numbers/{number_id}", world.test_key)))


async def sandbox_link(sessions: Sessions, number: str) -> tuple[Any, ...] | None:
    async with sessions() as session:
        row = (
            await session.execute(
                text("SELECT campaign_ref, state, outcome FROM sandbox_links WHERE number = :n"),
                {"n": number},
            )
        ).first()
    return None if row is None else tuple(row)


async def test_attach_propagates(
    world: World, sessions: Sessions, settings: Settings, catalog: ProviderCatalog
) -> None:
    campaign, number = await world.campaign(), await world.number()
    data(await world.attach(number["id"], campaign["id"]))
    await settle(sessions, settings, catalog)
    state = await number_state(world, number["id"])
    assert state["carrier_line_option_status"] == "propagated"
    assert state["carrier_line_option_propagated_at"] is not None
    assert state["carrier_line_option_error"] is None
    assert await sandbox_link(sessions, number["number"]) == (
        campaign["provider_campaign_id"],
        "linking",
        "success",
    )


class TestRejectedLinks:
    @pytest.fixture
    def catalog(self) -> ProviderCatalog:
        return test_catalog(sandbox={"failure_rate": 1.0})

    async def test_fail_with_reason_and_reattach_retries(
        self, world: World, sessions: Sessions, settings: Settings, catalog: ProviderCatalog
    ) -> None:
        campaign, number = await world.campaign(), await world.number()
        data(await world.attach(number["id"], campaign["id"]))
        await settle(sessions, settings, catalog)
        state = await number_state(world, number["id"])
        assert state["carrier_line_option_status"] == "failed"
        assert "rejected" in state["carrier_line_option_error"]

        retried = data(await world.attach(number["id"], campaign["id"]))
        assert retried["carrier_line_option_status"] == "pending"
        assert retried["carrier_line_option_error"] is None
        await settle(sessions, settings, catalog)  # rejected again: the sandbox rejects everything
        state = await number_state(world, number["id"])
        assert state["carrier_line_option_status"] == "failed"


async def test_move_and_detach_reach_the_provider(
    world: World, sessions: Sessions, settings: Settings, catalog: ProviderCatalog
) -> None:
    brand = await world.brand()
    first, second = await world.campaign(brand), await world.campaign(brand)
    number = await world.number()
    data(await world.attach(number["id"], first["id"]))
    await settle(sessions, settings, catalog)
    data(await world.attach(number["id"], second["id"]))
    await settle(sessions, settings, catalog)
    assert (await sandbox_link(sessions, number["number"]) or ())[0] == second[
        "provider_campaign_id"
    ]
    assert (await number_state(world, number["id"]))["carrier_line_option_status"] == "propagated"

    detached = data(
        await world.api.delete(f"/v1/phone-numbers/{number['id']}/campaign", world.test_key)
    )
    assert (detached["campaign_id"], detached["carrier_line_option_status"]) == (None, "pending")
    again = data(
        await world.api.delete(f"/v1/phone-numbers/{number['id']}/campaign", world.test_key)
    )
    assert again == detached
    await settle(sessions, settings, catalog)
    state = await number_state(world, number["id"])
    assert (state["campaign_id"], state["carrier_line_option_status"]) == (None, None)
    assert (await sandbox_link(sessions, number["number"]) or ())[1] == "unlinking"


async def test_detach_before_submission_settles_at_once(world: World, sessions: Sessions) -> None:
    campaign, number = await world.campaign(), await world.number()
    data(await world.attach(number["id"], campaign["id"]))
    detached = data(
        await world.api.delete(f"/v1/phone-numbers/{number['id']}/campaign", world.test_key)
    )
    assert detached["carrier_line_option_status"] is None
    assert await sandbox_link(sessions, number["number"]) is None


async def test_rapid_reattaches_coalesce(
    world: World, sessions: Sessions, settings: Settings, catalog: ProviderCatalog
) -> None:
    brand = await world.brand()
    a, b = await world.campaign(brand), await world.campaign(brand)
    number = await world.number()
    for campaign in (a, b, a, b, a):
        data(await world.attach(number["id"], campaign["id"]))
    async with JobContext.open(sessions, settings, catalog) as context:
        job = PropagationJob(context)
        claimed = await job.claim(10)
        assert len(claimed) == 1 and claimed[0].desired_ref == a["provider_campaign_id"]
        await job.process(claimed[0])
    await settle(sessions, settings, catalog)
    assert (await sandbox_link(sessions, number["number"]) or ())[0] == a["provider_campaign_id"]


async def test_change_during_lease_is_not_overwritten(
    world: World, sessions: Sessions, settings: Settings, catalog: ProviderCatalog
) -> None:
    brand = await world.brand()
    a, b = await world.campaign(brand), await world.campaign(brand)
    number = await world.number()
    data(await world.attach(number["id"], a["id"]))
    async with JobContext.open(sessions, settings, catalog) as context:
        (item,) = await PropagationJob(context).claim(10)
    data(await world.attach(number["id"], b["id"]))  # the user moves on meanwhile
    stale = Outcome(
        linked_ref=a["provider_campaign_id"],
        status="propagated",
        phase=None,
        next_in_s=None,
        propagated=True,
    )
    async with sessions.begin() as session:
        assert await write_back_outcome(session, item, stale) is False
    state = await number_state(world, number["id"])
    assert (state["campaign_id"], state["carrier_line_option_status"]) == (b["id"], "pending")
    await settle(sessions, settings, catalog)
    assert (await number_state(world, number["id"]))["carrier_line_option_status"] == "propagated"
    assert (await sandbox_link(sessions, number["number"]) or ())[0] == b["provider_campaign_id"]


async def test_lost_lease_writes_nothing(
    world: World, sessions: Sessions, settings: Settings, catalog: ProviderCatalog
) -> None:
    campaign, number = await world.campaign(), await world.number()
    data(await world.attach(number["id"], campaign["id"]))
    async with JobContext.open(sessions, settings, catalog) as context:
        (item,) = await PropagationJob(context).claim(10)
    done = Outcome(linked_ref="X", status="failed", phase=None, next_in_s=None, error="nope")
    async with sessions.begin() as session:
        assert await write_back_outcome(session, replace(item, token="other"), done) is None
    assert (await number_state(world, number["id"]))["carrier_line_option_status"] == "pending"


async def test_carrier_outcome_helper(world: World, sessions: Sessions) -> None:
    campaign, number = await world.campaign(), await world.number()
    path = f"/v1/test-helpers/phone-numbers/{number['id']}/carrier-outcome"
    assert (
        error_code(await world.api.post(path, world.test_key, {"outcome": "failed"})) == "CONFLICT"
    )
    data(await world.attach(number["id"], campaign["id"]))
    failed = data(await world.api.post(path, world.test_key, {"outcome": "failed", "reason": "x"}))
    assert (failed["carrier_line_option_status"], failed["carrier_line_option_error"]) == (
        "failed",
        "x",
    )
    data(await world.attach(number["id"], campaign["id"]))
    done = data(await world.api.post(path, world.test_key, {"outcome": "propagated"}))
    assert done["carrier_line_option_status"] == "propagated"
    assert done["carrier_line_option_propagated_at"] is not None
    assert await sandbox_link(sessions, number["number"]) == (
        campaign["provider_campaign_id"],
        "linking",
        "success",
    )


@pytest.mark.parametrize("body", [{"outcome": "maybe"}, {}, {"outcome": "failed", "reason": 3}])
async def test_carrier_outcome_helper_validates(world: World, body: Any) -> None:
    number = await world.number()
    path = f"/v1/test-helpers/phone-numbers/{number['id']}/carrier-outcome"
    assert error_code(await world.api.post(path, world.test_key, body)) == "VALIDATION_FAILED"
