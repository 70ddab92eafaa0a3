"""Events written by the jobs: propagation outcomes, bulk tasks completing when their last
number settles, audits, batch registration, and the deliveries made from events."""

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.settings import Settings
from providers.catalog import ProviderCatalog
from tests.support.api import World, data, us_number
from tests.support.app import settle, test_catalog

Sessions = async_sessionmaker[AsyncSession]
STATUS = "phone_number.carrier_line_option.updated"


async def events(world: World, **filters: str) -> list[dict[str, Any]]:
    response = await world.api.get("/v1/events", world.test_key, params={"limit": 100, **filters})
    assert response.json()["meta"]["next_cursor"] is None
    return list(data(response))[::-1]  # oldest first


async def test_propagation_writes_each_status_change_once(
    world: World, sessions: Sessions, settings: Settings, catalog: ProviderCatalog
) -> None:
    campaign, number = await world.campaign(), await world.number()
    data(await world.attach(number["id"], campaign["id"]))
    await settle(sessions, settings, catalog)
    statuses = await events(world, resource_id=number["id"], type=STATUS)
    # the worker submitted, then polled while pending: only the outcome is a change
    [propagated] = statuses
    outcome = propagated["data"]
    assert (outcome["previous_status"], outcome["carrier_line_option_status"]) == (
        "pending",
        "propagated",
    )
    assert outcome["carrier_line_option_propagated_at"] is not None
    await settle(sessions, settings, catalog)  # nothing left to do: nothing written
    types = [e["type"] for e in await events(world, resource_id=number["id"])]
    assert types == ["phone_number.created", "phone_number.campaign.changed", STATUS]


class TestRejected:
    @pytest.fixture
    def catalog(self) -> ProviderCatalog:
        return test_catalog(sandbox={"failure_rate": 1.0})

    async def test_a_failure_is_one_event_with_the_reason(
        self, world: World, sessions: Sessions, settings: Settings, catalog: ProviderCatalog
    ) -> None:
        campaign, number = await world.campaign(), await world.number()
        data(await world.attach(number["id"], campaign["id"]))
        await settle(sessions, settings, catalog)
        [failed] = await events(world, resource_id=number["id"], type=STATUS)
        assert failed["data"]["carrier_line_option_status"] == "failed"
        assert "rejected" in failed["data"]["carrier_line_option_error"]
        # a retry on the same campaign is a status change, not a campaign change
        data(await world.attach(number["id"], campaign["id"]))
        [_, retried] = await events(world, resource_id=number["id"], type=STATUS)
        assert (
            retried["data"]["previous_status"],
            retried["data"]["carrier_line_option_status"],
        ) == (
            "failed",
            "pending",
        )


async def test_a_bulk_task_completes_once_when_its_last_number_settles(
    world: World, sessions: Sessions, settings: Settings, catalog: ProviderCatalog
) -> None:
    campaign = await world.campaign()
    numbers = [await world.number() for _ in range(3)]
    body = {"phone_number_ids": [n["id"] for n in numbers]}
    path = f"/v1/campaigns/{campaign['id']}/phone-numbers"
    task = data(await world.api.post(path, world.test_key, body), 202)
    assert await events(world, type="bulk_task.completed") == []  # its numbers are pending
    # one number settles by the test helper, the others by the worker
    helper = f"/v1/test-helpers/phone-numbers/{numbers[0]['id']}/carrier-outcome"
    data(await world.api.post(helper, world.test_key, {"outcome": "propagated"}))
    assert await events(world, type="bulk_task.completed") == []
    await settle(sessions, settings, catalog)
    [done] = await events(world, type="bulk_task.completed")
    assert done["resource"] == {"type": "bulk_task", "id": task["id"]}
    assert (done["data"]["operation"], done["data"]["total"]) == ("attach", 3)
    got = data(await world.api.get(f"/v1/bulk-tasks/{task['id']}", world.test_key))
    assert got["status"] == "completed"
    # a dry run changes nothing and writes nothing
    before = await events(world)
    dry = {**body, "dry_run": True}
    data(await world.api.request("DELETE", path, world.test_key, json=dry))
    assert await events(world) == before


async def test_a_bulk_task_with_nothing_pending_completes_at_once(world: World) -> None:
    campaign = await world.campaign()
    body = {"numbers": [us_number(), "+1555"]}  # unknown and malformed: both rejected
    path = f"/v1/campaigns/{campaign['id']}/phone-numbers"
    task = data(await world.api.post(path, world.test_key, body), 202)
    [done] = await events(world, type="bulk_task.completed")
    assert done["resource"]["id"] == task["id"]


async def test_a_superseded_bulk_number_counts_as_settled(
    world: World, sessions: Sessions, settings: Settings, catalog: ProviderCatalog
) -> None:
    brand = await world.brand()
    first, second = await world.campaign(brand), await world.campaign(brand)
    number = await world.number()
    path = f"/v1/campaigns/{first['id']}/phone-numbers"
    task = data(
        await world.api.post(path, world.test_key, {"phone_number_ids": [number["id"]]}), 202
    )
    data(await world.attach(number["id"], second["id"]))  # moved before it propagated
    [done] = await events(world, type="bulk_task.completed")
    assert done["resource"]["id"] == task["id"]
    await settle(sessions, settings, catalog)
    assert len(await events(world, type="bulk_task.completed")) == 1


async def test_audits_and_batch_registration_complete_with_their_events(
    world: World, sessions: Sessions, settings: Settings, catalog: ProviderCatalog
) -> None:
    campaign = await world.campaign()
    audit = data(
        await world.api.post("/v1/audits", world.test_key, {"campaign_id": campaign["id"]}), 202
    )
    numbers = [us_number(), us_number()]
    batch = data(
        await world.api.post(
            "/v1/phone-numbers/batch", world.test_key, {"provider": "sandbox", "numbers": numbers}
        ),
        202,
    )
    await settle(sessions, settings, catalog)
    [audited] = await events(world, type="audit.completed")
    assert audited["resource"] == {"type": "audit", "id": audit["id"]}
    [registered] = await events(world, type="bulk_task.completed")
    assert registered["resource"]["id"] == batch["id"]
    assert registered["data"]["operation"] == "register"
    created = await events(world, type="phone_number.created")
    assert sorted(e["data"]["number"] for e in created) == sorted(numbers)


async def test_deliveries_follow_enabled_events(world: World, sessions: Sessions) -> None:
    urls = {"all": "https://example.com/all", "numbers": "https://example.com/numbers"}
    ids = {
        name: data(
            await world.api.post("/v1/webhook-endpoints", world.test_key, {"url": url}), 201
        )["id"]
        for name, url in urls.items()
    }
    async with sessions.begin() as session:
        await session.execute(
            text("UPDATE webhook_endpoints SET enabled_events = :types WHERE id = :id"),
            {"types": ["phone_number.created"], "id": ids["numbers"]},
        )
    campaign = await world.campaign()
    number = await world.number()
    data(await world.attach(number["id"], campaign["id"]))
    async with sessions.begin() as session:
        rows = (
            await session.execute(
                text(
                    "SELECT d.url, d.event_type, d.event_id, d.payload FROM webhook_deliveries d"
                    " WHERE d.org_id = :org ORDER BY d.id"
                ),
                {"org": world.org_id},
            )
        ).all()
    delivered = {(r.url, r.event_type) for r in rows}
    assert delivered == {
        (urls["all"], "phone_number.created"),
        (urls["all"], "phone_number.campaign.changed"),
        (urls["numbers"], "phone_number.created"),
    }
    feed = {e["id"]: e for e in await events(world)}
    for row in rows:  # the body is the event as the feed shows it
        assert row.payload == feed[str(row.event_id)]
