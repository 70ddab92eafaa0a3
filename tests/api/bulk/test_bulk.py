"""Bulk attach and detach: item-level rules, exact counts, dry run, idempotency, propagation."""

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.settings import Settings
from tests.support.api import Api, World, data, error_code, us_number
from tests.support.app import build_app, client_for, settle, test_settings
from tests.support.committed import committed_world

Sessions = async_sessionmaker[AsyncSession]


def bulk_path(campaign: dict[str, Any]) -> str:
    return f"/v1/campaigns/{campaign['id']}/phone-numbers"


async def items(api: Api, key: str, task_id: str, **params: Any) -> list[dict[str, Any]]:
    response = await api.get(f"/v1/bulk-tasks/{task_id}/items", key, params=params)
    return list(data(response))


async def test_attach_by_ids_reports_every_item(api: Api, world: World, sessions: Sessions) -> None:
    campaign = await world.campaign()
    numbers = [await world.number() for _ in range(3)]
    unassigned = await world.number(assigned=False)
    other = await (await World.create(api, sessions)).number()
    ids = [n["id"] for n in numbers]
    body = {"phone_number_ids": [*ids, ids[0], "not-an-id", other["id"], unassigned["id"], 7]}
    task = data(await api.post(bulk_path(campaign), world.test_key, body), 202)
    assert task["operation"] == "attach" and task["status"] == "processing"
    assert task["counts"] == {"total": 8, "succeeded": 0, "failed": 5, "pending": 3}
    listed = await items(api, world.test_key, task["id"])
    assert [(i["outcome"], i["error_code"]) for i in listed] == [
        ("pending", None),
        ("pending", None),
        ("pending", None),
        ("rejected", "DUPLICATE_IN_REQUEST"),
        ("rejected", "NOT_FOUND"),
        ("rejected", "NOT_FOUND"),  # another org's number
        ("rejected", "NUMBER_NOT_ASSIGNED"),
        ("rejected", "VALIDATION_FAILED"),
    ]
    assert listed[0]["number"] == numbers[0]["number"]
    assert all(i["error"] for i in listed[3:])
    for number in numbers:
        row = data(await api.get(f"/v1/phone-numbers/{number['id']}", world.test_key))
        assert row["campaign_id"] == campaign["id"]
        assert row["carrier_line_option_status"] == "pending"
    theirs = await api.get(f"/v1/phone-numbers/{unassigned['id']}", world.test_key)
    assert data(theirs)["campaign_id"] is None


async def test_by_numbers_propagates_and_completes(
    api: Api, world: World, sessions: Sessions, settings: Settings
) -> None:
    campaign = await world.campaign()
    numbers = [(await world.number())["number"] for _ in range(4)]
    body = {"numbers": [*numbers, "12345", us_number()]}
    task = data(await api.post(bulk_path(campaign), world.test_key, body), 202)
    assert task["counts"] == {"total": 6, "succeeded": 0, "failed": 2, "pending": 4}
    await settle(sessions, settings, timeout_s=20)
    done = data(await api.get(f"/v1/bulk-tasks/{task['id']}", world.test_key))
    assert done["status"] == "completed"
    assert done["counts"] == {"total": 6, "succeeded": 4, "failed": 2, "pending": 0}
    propagated = await items(api, world.test_key, task["id"], outcome="propagated")
    assert sorted(i["number"] for i in propagated) == sorted(numbers)
    codes = [
        i["error_code"] for i in await items(api, world.test_key, task["id"], outcome="rejected")
    ]
    assert codes == ["VALIDATION_FAILED", "NOT_FOUND"]


async def test_campaign_rules_fail_the_whole_request(
    api: Api, world: World, sessions: Sessions
) -> None:
    number = await world.number()
    body = {"phone_number_ids": [number["id"]]}
    paused = await world.campaign(status="PENDING")
    response = await api.post(bulk_path(paused), world.test_key, body)
    assert (response.status_code, error_code(response)) == (409, "CAMPAIGN_NOT_ACTIVE")
    unverified = await world.campaign(await world.brand(identity_status="UNVERIFIED"))
    response = await api.post(bulk_path(unverified), world.test_key, body)
    assert (response.status_code, error_code(response)) == (409, "BRAND_NOT_VERIFIED")
    missing = await api.post(f"/v1/campaigns/{uuid.uuid4()}/phone-numbers", world.test_key, body)
    assert (missing.status_code, error_code(missing)) == (404, "NOT_FOUND")
    assert await count(sessions, "bulk_tasks") == 0


async def test_bad_requests_are_422(api: Api, world: World) -> None:
    campaign = await world.campaign()
    for body, field in [
        ({"numbers": []}, "numbers"),
        ({"numbers": ["+12025550143"], "phone_number_ids": []}, "body"),
        ({}, "body"),
        ({"numbers": "+12025550143"}, "numbers"),
        ({"numbers": ["+12025550143"], "dry_run": "yes"}, "dry_run"),
        ({"numbers": ["+12025550143"], "extra": 1}, "extra"),
    ]:
        response = await api.post(bulk_path(campaign), world.test_key, body)
        assert (response.status_code, error_code(response)) == (422, "VALIDATION_FAILED"), body
        assert field in response.json()["error"]["details"], (body, response.json())


async def test_more_than_100k_items_is_422_naming_the_limit(
    engine: AsyncEngine, sessions: Sessions
) -> None:
    app = build_app(engine, test_settings(max_body_bytes=8 * 1024 * 1024), sessions)
    async with client_for(app) as client:
        api = Api(client)
        world = await World.create(api, sessions)
        campaign = await world.campaign()
        body = {"numbers": [f"+1202555{i % 10000:04d}" for i in range(100_001)]}
        response = await api.post(bulk_path(campaign), world.test_key, body)
    assert (response.status_code, error_code(response)) == (422, "VALIDATION_FAILED")
    assert "100,000" in response.json()["error"]["message"]


async def count(sessions: Sessions, table: str) -> int:
    async with sessions() as session:
        return int((await session.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())


async def snapshot(sessions: Sessions) -> list[Any]:
    async with sessions() as session:
        numbers = await session.execute(
            text(
                "SELECT id, campaign_id, carrier_line_option_status, desired_version,"
                " next_attempt_at FROM phone_numbers ORDER BY id"
            )
        )
        rows = list(numbers.all())
    tables = ("bulk_tasks", "bulk_task_items", "webhook_deliveries", "idempotency_keys")
    return [rows, *[await count(sessions, t) for t in tables]]


async def test_dry_run_writes_nothing(api: Api, world: World, sessions: Sessions) -> None:
    campaign = await world.campaign()
    numbers = [await world.number() for _ in range(3)]
    data(await world.attach(numbers[0]["id"], campaign["id"]))
    before = await snapshot(sessions)
    body = {"phone_number_ids": [n["id"] for n in numbers] + ["nope"], "dry_run": True}
    preview = data(await api.post(bulk_path(campaign), world.test_key, body), 200)
    assert await snapshot(sessions) == before
    assert preview["dry_run"] is True
    assert preview["counts"] == {"total": 4, "would_change": 2, "unchanged": 1, "rejected": 1}
    assert [i["error_code"] for i in preview["rejected_items"]] == ["NOT_FOUND"]


async def test_idempotency_key_gives_the_same_task(fresh_db: Callable[[], str]) -> None:
    # committed data: the key is reserved on its own connection, as in production
    async with committed_world(fresh_db, test_settings()) as cw:
        campaign = await cw.world.campaign()
        body = {"numbers": [(await cw.world.number())["number"]]}
        headers = {"Idempotency-Key": "bulk-file-0001"}
        key = cw.world.test_key
        first = data(await cw.api.post(bulk_path(campaign), key, body, headers=headers), 202)
        again = await cw.api.post(bulk_path(campaign), key, body, headers=headers)
        assert data(again, 202)["id"] == first["id"]
        assert await cw.scalar("SELECT count(*) FROM bulk_tasks") == 1


async def test_bulk_detach_and_superseded_items(
    api: Api, world: World, sessions: Sessions, settings: Settings
) -> None:
    campaign, other = await world.campaign(), await world.campaign()
    numbers = [await world.number() for _ in range(3)]
    ids = [n["id"] for n in numbers]
    attached = data(
        await api.post(bulk_path(campaign), world.test_key, {"phone_number_ids": ids}), 202
    )
    data(await world.attach(ids[2], other["id"]))  # supersedes the bulk change for this one
    await settle(sessions, settings, timeout_s=20)
    task = data(await api.get(f"/v1/bulk-tasks/{attached['id']}", world.test_key))
    assert task["counts"] == {"total": 3, "succeeded": 2, "failed": 1, "pending": 0}
    (superseded,) = await items(api, world.test_key, attached["id"], outcome="failed")
    assert superseded["error_code"] == "SUPERSEDED"

    detach = await api.request(
        "DELETE", bulk_path(campaign), world.test_key, {"phone_number_ids": ids}
    )
    detached = data(detach, 202)
    assert detached["operation"] == "detach"
    listed = await items(api, world.test_key, detached["id"])
    assert [i["error_code"] for i in listed] == [None, None, "NOT_ON_CAMPAIGN"]
    await settle(sessions, settings, timeout_s=20)
    done = data(await api.get(f"/v1/bulk-tasks/{detached['id']}", world.test_key))
    assert done["status"] == "completed"
    assert done["counts"] == {"total": 3, "succeeded": 2, "failed": 1, "pending": 0}
    for number_id in ids[:2]:
        row = data(await api.get(f"/v1/phone-numbers/{number_id}", world.test_key))
        assert (row["campaign_id"], row["carrier_line_option_status"]) == (None, None)


async def test_items_page_in_request_order(api: Api, world: World) -> None:
    campaign = await world.campaign()
    body = {"numbers": [f"bad-{i}" for i in range(7)]}
    task = data(await api.post(bulk_path(campaign), world.test_key, body), 202)
    assert task["status"] == "failed"
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        response = await api.get(
            f"/v1/bulk-tasks/{task['id']}/items", world.test_key, params=params
        )
        page = response.json()
        seen += [i["number"] for i in page["data"]]
        cursor = page["meta"]["next_cursor"]
        assert page["meta"]["total"] == 7
        if cursor is None:
            break
    assert seen == body["numbers"]
    bad = await api.get(
        f"/v1/bulk-tasks/{task['id']}/items", world.test_key, params={"cursor": "x"}
    )
    assert (bad.status_code, error_code(bad)) == (422, "VALIDATION_FAILED")


async def test_other_orgs_cannot_see_a_task(api: Api, world: World, sessions: Sessions) -> None:
    campaign = await world.campaign()
    body = {"numbers": [(await world.number())["number"]]}
    task = data(await api.post(bulk_path(campaign), world.test_key, body), 202)
    intruder = await World.create(api, sessions)
    for path in (f"/v1/bulk-tasks/{task['id']}", f"/v1/bulk-tasks/{task['id']}/items"):
        for key in (intruder.test_key, world.live_key):
            response = await api.get(path, key)
            assert (response.status_code, error_code(response)) == (404, "NOT_FOUND")
    theirs = await api.post(bulk_path(campaign), intruder.test_key, body)
    assert (theirs.status_code, error_code(theirs)) == (404, "NOT_FOUND")
