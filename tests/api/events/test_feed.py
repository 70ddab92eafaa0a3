"""The events feed through the public endpoints: one event per change, none without one;
filters, cursor, tenancy, scope, and meta.last_event_at on lists."""

from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.models import Mode
from tests.support.api import Api, World, data, error_code
from tests.support.app import test_settings
from tests.support.committed import committed_world

Sessions = async_sessionmaker[AsyncSession]
LINK = "phone_number.campaign.changed"
STATUS = "phone_number.carrier_line_option.updated"


async def feed(world: World, query: str = "", key: str | None = None) -> list[dict[str, Any]]:
    """Every event of the feed for ``query``, oldest first (all pages)."""
    events: list[dict[str, Any]] = []
    cursor = ""
    while True:
        response = await world.api.get(
            f"/v1/events?limit=100{query}{cursor}", key or world.test_key
        )
        events.extend(data(response))
        next_cursor = response.json()["meta"]["next_cursor"]
        if next_cursor is None:
            return events[::-1]
        cursor = f"&cursor={next_cursor}"


async def types_of(world: World, resource_id: str) -> list[str]:
    return [e["type"] for e in await feed(world, f"&resource_id={resource_id}")]


async def test_attach_move_detach_each_write_their_events(world: World) -> None:
    brand = await world.brand()
    first, second = await world.campaign(brand), await world.campaign(brand)
    number = await world.number()
    assert await types_of(world, number["id"]) == ["phone_number.created"]

    data(await world.attach(number["id"], first["id"]))
    data(await world.attach(number["id"], first["id"]))  # the same campaign: no change
    data(await world.attach(number["id"], second["id"]))  # a move while pending
    detach = f"/v1/phone-numbers/{number['id']}/campaign"
    data(await world.api.delete(detach, world.test_key))
    data(await world.api.delete(detach, world.test_key))  # already detached: no change

    events = (await feed(world, f"&resource_id={number['id']}"))[1:]
    assert [e["type"] for e in events] == [LINK] * 3  # one event per change
    assert [
        (
            d["previous_campaign_id"],
            d["campaign_id"],
            d["previous_status"],
            d["carrier_line_option_status"],
        )
        for d in (e["data"] for e in events)
    ] == [
        (None, first["id"], None, "pending"),
        (first["id"], second["id"], "pending", "pending"),  # a move while pending
        (second["id"], None, "pending", None),  # never submitted: settles at once
    ]
    for event in events:
        assert set(event) == {"id", "type", "created_at", "resource", "data"}
        assert event["resource"] == {"type": "phone_number", "id": number["id"]}
        assert event["data"]["number"] == number["number"]


async def test_a_refused_change_writes_nothing(world: World) -> None:
    pending = await world.campaign(status="PENDING")
    number = await world.number()
    before = await feed(world)
    response = await world.attach(number["id"], pending["id"])
    assert error_code(response) == "CAMPAIGN_NOT_ACTIVE"
    assert await feed(world) == before


async def test_a_replayed_change_writes_nothing(fresh_db: Callable[[], str]) -> None:
    # Idempotency-Key reservations commit on their own connection: a committed database
    async with committed_world(fresh_db, test_settings()) as cw:
        world = cw.world
        campaign, number = await world.campaign(), await world.number()
        before = await feed(world)
        path = f"/v1/phone-numbers/{number['id']}/campaign"
        body, headers = {"campaign_id": campaign["id"]}, {"Idempotency-Key": "attach-once"}
        first = data(await world.api.post(path, world.test_key, body, headers=headers))
        replay = data(await world.api.post(path, world.test_key, body, headers=headers))
        assert replay == first
        assert [e["type"] for e in await feed(world)][len(before) :] == [LINK]


async def test_bulk_writes_one_event_per_changed_number(world: World) -> None:
    campaign = await world.campaign()
    numbers = [await world.number() for _ in range(3)]
    data(await world.attach(numbers[0]["id"], campaign["id"]))  # already on it: unchanged
    ids = [n["id"] for n in numbers]
    before = len(await feed(world))
    body = {"phone_number_ids": [*ids, ids[1], "00000000-0000-0000-0000-000000000000"]}
    data(
        await world.api.post(f"/v1/campaigns/{campaign['id']}/phone-numbers", world.test_key, body),
        202,
    )
    new = (await feed(world))[before:]
    assert sorted((e["type"], e["resource"]["id"]) for e in new) == sorted(
        (LINK, n) for n in ids[1:]
    )


async def test_number_lifecycle_and_assignment(world: World) -> None:
    number = await world.number()
    helper = f"/v1/test-helpers/phone-numbers/{number['id']}/assignment"
    data(await world.api.post(helper, world.test_key, {"assigned": False}))
    data(await world.api.post(helper, world.test_key, {"assigned": False}))  # no change
    data(await world.api.patch(f"/v1/phone-numbers/{number['id']}", world.test_key, {"label": "x"}))
    data(await world.api.delete(f"/v1/phone-numbers/{number['id']}", world.test_key))
    events = await feed(world, f"&resource_id={number['id']}")
    assert [e["type"] for e in events] == [
        "phone_number.created",
        "phone_number.assignment.changed",
        "phone_number.deleted",
    ]
    assert (events[1]["data"]["previous_assigned"], events[1]["data"]["assigned"]) == (True, False)
    assert events[2]["data"]["number"] == number["number"]


async def test_brand_and_campaign_updates(world: World) -> None:
    brand = await world.brand()
    campaign = await world.campaign(brand)
    assert await types_of(world, brand["id"]) == []  # an import is no update
    path = f"/v1/test-helpers/brands/{brand['id']}/identity-status"
    data(await world.api.post(path, world.test_key, {"identity_status": "UNVERIFIED"}))
    data(await world.api.post(path, world.test_key, {"identity_status": "UNVERIFIED"}))
    [event] = await feed(world, f"&resource_id={brand['id']}")
    assert event["type"] == "brand.updated" and event["resource"]["type"] == "brand"
    assert event["data"]["identity_status"] == "UNVERIFIED"
    assert event["data"]["previous_identity_status"] == brand["identity_status"]

    path = f"/v1/test-helpers/campaigns/{campaign['id']}/status"
    data(await world.api.post(path, world.test_key, {"status": "SUSPENDED"}))
    [event] = await feed(world, f"&resource_id={campaign['id']}")
    assert (event["type"], event["data"]["status"]) == ("campaign.updated", "SUSPENDED")
    assert event["data"]["previous_status"] == "ACTIVE"


async def test_filters_cursor_and_one_event(world: World) -> None:
    numbers = [await world.number() for _ in range(3)]
    created = await feed(world, "&type=phone_number.created")
    assert [e["resource"]["id"] for e in created] == [n["id"] for n in numbers]
    page = await world.api.get("/v1/events?limit=2", world.test_key)
    assert [e["id"] for e in data(page)] == [e["id"] for e in created[::-1][:2]]
    meta = page.json()["meta"]
    assert meta["total"] == 3 and meta["next_cursor"] is not None
    rest = data(
        await world.api.get(f"/v1/events?limit=2&cursor={meta['next_cursor']}", world.test_key)
    )
    assert [e["id"] for e in rest] == [created[0]["id"]]

    after = created[0]["created_at"]
    later = await feed(world, f"&created_after={after.replace('+', '%2B')}")
    assert [e["id"] for e in later] == [e["id"] for e in created[1:]]
    one = data(await world.api.get(f"/v1/events/{created[1]['id']}", world.test_key))
    assert one == created[1]

    for query in (
        "type=phone_number.nope",
        "resource_id=nope",
        "created_after=2026-01-01T00:00:00",
    ):
        response = await world.api.get(f"/v1/events?{query}", world.test_key)
        assert (response.status_code, error_code(response)) == (422, "VALIDATION_FAILED"), query
    missing = await world.api.get("/v1/events/not-an-id", world.test_key)
    assert (missing.status_code, error_code(missing)) == (404, "NOT_FOUND")


async def test_tenancy_and_scope(api: Api, world: World, sessions: Sessions) -> None:
    number = await world.number()
    [event] = await feed(world, f"&resource_id={number['id']}")
    other = await World.create(api, sessions)
    for key in (other.test_key, world.live_key):
        response = await api.get(f"/v1/events/{event['id']}", key)
        assert (response.status_code, error_code(response)) == (404, "NOT_FOUND")
        assert event["id"] not in {e["id"] for e in data(await api.get("/v1/events", key))}
    reader = await world.key(Mode.TEST, scopes=["numbers:read"])
    response = await api.get("/v1/events", reader)
    assert (response.status_code, error_code(response)) == (403, "FORBIDDEN")
    events_only = await world.key(Mode.TEST, scopes=["events:read"])
    assert data(await api.get(f"/v1/events/{event['id']}", events_only)) == event


async def test_every_list_carries_the_newest_event_time(api: Api, world: World) -> None:
    lists = (
        "/v1/phone-numbers",
        "/v1/brands",
        "/v1/campaigns",
        "/v1/webhook-endpoints",
        "/v1/events",
    )
    for path in lists:  # nothing happened yet in this org
        assert (await api.get(path, world.test_key)).json()["meta"]["last_event_at"] is None
    await world.number()
    newest = (await feed(world))[-1]["created_at"]
    for path in lists:
        assert (await api.get(path, world.test_key)).json()["meta"]["last_event_at"] == newest
    # the live mode has its own feed
    assert (await api.get("/v1/phone-numbers", world.live_key)).json()["meta"][
        "last_event_at"
    ] is None
