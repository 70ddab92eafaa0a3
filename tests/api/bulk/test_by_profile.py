"""Bulk attach by messaging profile: delegated to Telnyx's assignment by profile, its task
polled, the numbers it lists recorded as the task's items and confirmed one by one (respx)."""

import json
from typing import Any

import httpx
import respx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.settings import Settings
from tests.support.api import Api, World, data, error_code
from tests.support.app import settle

TELNYX = "https://api.telnyx.com/v2"
TASKS = f"{TELNYX}/10dlc/phoneNumberAssignmentByProfile"
ASSIGNMENTS = f"{TELNYX}/10dlc/phone_number_campaigns"
MINE = ["+12025550141", "+12025550142", "+12025550143"]
NOT_IN_NUMLINK = "+12025550149"


async def live_campaign(api: Api, world: World, campaign_status: str = "MNO_PROVISIONED") -> Any:
    body = {"api_key": "KEY-profile-test-0001"}
    data(await api.request("PUT", "/v1/provider-accounts/telnyx", world.live_key, body))
    respx.get(f"{TELNYX}/10dlc/brand/BP").respond(
        200, json={"brandId": "BP", "identityStatus": "VERIFIED"}
    )
    respx.get(f"{TELNYX}/10dlc/campaign/CP").respond(
        200, json={"brandId": "BP", "campaignStatus": campaign_status}
    )
    key = world.live_key
    brand = data(
        await api.post("/v1/brands", key, {"provider": "telnyx", "provider_brand_id": "BP"}), 201
    )
    body = {"brand_id": brand["id"], "provider_campaign_id": "CP"}
    return data(await api.post("/v1/campaigns", key, body), 201)


class Assignments:
    """Telnyx's assignment table: the profile task linked all but MINE[2]."""

    def __init__(self) -> None:
        self.linked = {MINE[0], MINE[1], NOT_IN_NUMLINK}

    def show(self, request: httpx.Request) -> httpx.Response:
        number = request.url.path.rsplit("/", 1)[1]
        if number not in self.linked:
            return httpx.Response(404, json={"errors": [{"code": "10005", "detail": "not found"}]})
        body = {"phoneNumber": number, "campaignId": "CP", "assignmentStatus": "ASSIGNED"}
        return httpx.Response(200, json=body)

    def link(self, request: httpx.Request) -> httpx.Response:
        number = json.loads(request.content)["phoneNumber"]
        self.linked.add(number)
        body = {"phoneNumber": number, "campaignId": "CP", "assignmentStatus": "PENDING_ASSIGNMENT"}
        return httpx.Response(200, json=body)


@respx.mock
async def test_profile_assignment_is_delegated_and_tracked(
    api: Api, world: World, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    campaign = await live_campaign(api, world)
    for number in MINE:
        await world.live_number_row(number)
    submit = respx.post(TASKS).respond(202, json={"taskId": "T1", "messagingProfileId": "MP1"})
    status = respx.get(f"{TASKS}/T1").mock(
        side_effect=[
            httpx.Response(200, json={"taskId": "T1", "status": "processing"}),
            httpx.Response(200, json={"taskId": "T1", "status": "completed"}),
        ]
    )
    records = [
        {"taskId": "T1", "phoneNumber": n, "status": "success"} for n in [*MINE, NOT_IN_NUMLINK]
    ]
    respx.get(f"{TASKS}/T1/phoneNumbers").respond(200, json={"records": records})
    telnyx = Assignments()
    observed = respx.get(url__startswith=f"{ASSIGNMENTS}/").mock(side_effect=telnyx.show)
    linked = respx.post(ASSIGNMENTS).mock(side_effect=telnyx.link)

    path = f"/v1/campaigns/{campaign['id']}/phone-numbers"
    task = data(await api.post(path, world.live_key, {"messaging_profile_id": "MP1"}), 202)
    assert (task["status"], task["counts"]["total"], task["error"]) == ("pending", 0, None)
    await settle(sessions, settings, timeout_s=20)

    assert json.loads(submit.calls.last.request.content) == {
        "messagingProfileId": "MP1",
        "campaignId": "CP",
    }
    assert (submit.call_count, status.call_count) == (1, 2)
    # each number is looked at; only the one the provider's task missed is linked by numlink
    assert observed.call_count >= 3
    assert [json.loads(c.request.content)["phoneNumber"] for c in linked.calls] == [MINE[2]]
    done = data(await api.get(f"/v1/bulk-tasks/{task['id']}", world.live_key))
    assert done["status"] == "completed"
    assert done["counts"] == {"total": 4, "succeeded": 3, "failed": 1, "pending": 0}
    items = data(await api.get(f"/v1/bulk-tasks/{task['id']}/items", world.live_key))
    assert [(i["number"], i["outcome"], i["error_code"]) for i in items] == [
        (MINE[0], "propagated", None),
        (MINE[1], "propagated", None),
        (MINE[2], "propagated", None),
        (NOT_IN_NUMLINK, "rejected", "NOT_FOUND"),
    ]
    numbers = data(await api.get("/v1/phone-numbers", world.live_key))
    assert {(n["campaign_id"], n["carrier_line_option_status"]) for n in numbers} == {
        (campaign["id"], "propagated")
    }


@respx.mock
async def test_profile_assignment_refused_by_the_provider_fails_the_task(
    api: Api, world: World, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    campaign = await live_campaign(api, world)
    respx.post(TASKS).respond(
        422, json={"errors": [{"code": "10015", "detail": "messaging profile not found"}]}
    )
    path = f"/v1/campaigns/{campaign['id']}/phone-numbers"
    task = data(await api.post(path, world.live_key, {"messaging_profile_id": "NOPE"}), 202)
    await settle(sessions, settings, timeout_s=20)
    done = data(await api.get(f"/v1/bulk-tasks/{task['id']}", world.live_key))
    assert done["status"] == "failed"
    assert "messaging profile not found" in done["error"]
    assert done["counts"] == {"total": 0, "succeeded": 0, "failed": 0, "pending": 0}


@respx.mock
async def test_profile_requests_that_cannot_work_are_422(
    api: Api, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    campaign = await live_campaign(api, world)
    path = f"/v1/campaigns/{campaign['id']}/phone-numbers"
    sandbox = await world.campaign()
    cases = [
        ("DELETE", path, world.live_key, {"messaging_profile_id": "MP1"}, "messaging_profile_id"),
        ("POST", path, world.live_key, {"messaging_profile_id": "MP1", "dry_run": True}, "dry_run"),
        (
            "POST",
            f"/v1/campaigns/{sandbox['id']}/phone-numbers",
            world.test_key,
            {"messaging_profile_id": "MP1"},
            "messaging_profile_id",
        ),
        ("POST", path, world.live_key, {"messaging_profile_id": ""}, "messaging_profile_id"),
    ]
    for method, target, key, body, field in cases:
        response = await api.request(method, target, key, body)
        assert (response.status_code, error_code(response)) == (422, "VALIDATION_FAILED"), body
        assert field in response.json()["error"]["details"], response.json()
    async with sessions() as session:
        assert (await session.execute(text("SELECT count(*) FROM bulk_tasks"))).scalar() == 0


@respx.mock
async def test_campaign_rules_still_come_first(api: Api, world: World) -> None:
    campaign = await live_campaign(api, world, campaign_status="TCR_PENDING")
    path = f"/v1/campaigns/{campaign['id']}/phone-numbers"
    response = await api.post(path, world.live_key, {"messaging_profile_id": "MP1"})
    assert (response.status_code, error_code(response)) == (409, "CAMPAIGN_NOT_ACTIVE")
