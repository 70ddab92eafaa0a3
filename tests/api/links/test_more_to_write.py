"""A single attach or detach runs a lean statement (the change and its event) unless the change
has more to write: deliveries of its event, a bulk task's count-down. Whatever the statement
picked from the tenant's previous change, every delivery and count-down is written, in the
one statement that makes the change."""

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.support.api import Api, World, data

ENDPOINTS = "/v1/webhook-endpoints"


async def scalar(sessions: async_sessionmaker[AsyncSession], statement: str, **params: Any) -> Any:
    async with sessions.begin() as session:
        return (await session.execute(text(statement), params)).scalar_one()


async def written(
    sessions: async_sessionmaker[AsyncSession], world: World, number: str
) -> tuple[int, int]:
    """The number's campaign.changed events, and the deliveries made from its events."""
    async with sessions.begin() as session:
        row = await session.execute(
            text(
                "SELECT (SELECT count(*) FROM events WHERE org_id = :org"
                "         AND resource_id = CAST(:n AS uuid)"
                "         AND type = 'phone_number.campaign.changed'),"
                " (SELECT count(*) FROM webhook_deliveries d JOIN events e ON e.id = d.event_id"
                "  WHERE e.org_id = :org AND e.resource_id = CAST(:n AS uuid))"
            ),
            {"org": world.org_id, "n": number},
        )
        events, deliveries = row.one()
    return int(events), int(deliveries)


async def test_deliveries_follow_endpoints_and_status_urls_as_they_come_and_go(
    api: Api, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    one, two = await world.campaign(), await world.campaign()
    number = (await world.number())["id"]

    async def move(to: dict[str, Any]) -> None:
        data(await world.attach(number, to["id"]))

    await move(one)  # no endpoint, no status_url: the event alone
    assert await written(sessions, world, number) == (1, 0)
    created = await api.post(ENDPOINTS, world.test_key, {"url": "https://example.com/h"})
    endpoint = data(created, 201)
    await move(two)  # an endpoint since the last change
    assert await written(sessions, world, number) == (2, 1)
    await move(one)
    assert (await written(sessions, world, number))[1] == 2
    gone = await api.delete(f"{ENDPOINTS}/{endpoint['id']}", world.test_key)
    assert gone.status_code == 200
    await move(two)  # the endpoint is disabled: nowhere to go
    assert await written(sessions, world, number) == (4, 2)
    patched = await api.patch(
        f"/v1/phone-numbers/{number}", world.test_key, {"status_url": "https://example.com/s"}
    )
    data(patched)
    await move(one)  # the number's own status_url
    assert (await written(sessions, world, number))[1] == 3
    detached = await api.delete(f"/v1/phone-numbers/{number}/campaign", world.test_key)
    data(detached)
    urls = await scalar(
        sessions,
        "SELECT array_agg(d.url ORDER BY d.created_at) FROM webhook_deliveries d"
        " JOIN events e ON e.id = d.event_id WHERE e.resource_id = CAST(:n AS uuid)",
        n=number,
    )
    assert urls[-2:] == ["https://example.com/s", "https://example.com/s"]


async def test_a_single_attach_superseding_a_bulk_change_counts_its_task_down(
    api: Api, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    campaign, other = await world.campaign(), await world.campaign()
    ids = [(await world.number())["id"] for _ in range(2)]
    for number in ids:  # the tenant's last change had nothing more to write
        data(await world.attach(number, other["id"]))
    body = {"phone_number_ids": ids}
    task = data(
        await api.post(f"/v1/campaigns/{campaign['id']}/phone-numbers", world.test_key, body), 202
    )
    pending = "SELECT pending_items FROM bulk_tasks WHERE id = CAST(:t AS uuid)"
    assert await scalar(sessions, pending, t=task["id"]) == 2
    data(await world.attach(ids[0], other["id"]))
    assert await scalar(sessions, pending, t=task["id"]) == 1
    data(await world.attach(ids[1], other["id"]))
    assert await scalar(sessions, pending, t=task["id"]) == 0
    finished = data(await api.get(f"/v1/bulk-tasks/{task['id']}", world.test_key))
    # finished: both items were superseded, so neither succeeded
    assert finished["counts"] == {"total": 2, "succeeded": 0, "failed": 2, "pending": 0}
    assert finished["status"] == "failed"
