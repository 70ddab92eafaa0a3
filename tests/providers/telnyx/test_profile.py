"""Bulk assignment by messaging profile: the requests sent and the task read back (respx)."""

import json
from collections.abc import AsyncIterator

import httpx
import pytest
import respx

from providers.base import (
    ProfileTask,
    ProfileTaskNumber,
    ProfileTaskStatus,
    ProviderObjectNotFound,
    ProviderRejectedError,
    ProviderTemporaryError,
)
from providers.telnyx import TelnyxProvider

BASE = "https://telnyx.test/v2"
TASKS = f"{BASE}/10dlc/phoneNumberAssignmentByProfile"


@pytest.fixture
async def telnyx() -> AsyncIterator[TelnyxProvider]:
    async with httpx.AsyncClient(timeout=2) as client:
        yield TelnyxProvider(client, "KEY_SECRET", BASE)


@respx.mock
async def test_assign_by_profile_posts_profile_and_campaign(telnyx: TelnyxProvider) -> None:
    route = respx.post(TASKS).respond(
        202, json={"messagingProfileId": "MP1", "campaignId": "C1", "taskId": "T1"}
    )
    assert await telnyx.assign_by_profile("MP1", "C1") == "T1"
    request = route.calls.last.request
    assert json.loads(request.content) == {"messagingProfileId": "MP1", "campaignId": "C1"}
    assert request.headers["authorization"] == "Bearer KEY_SECRET"


@respx.mock
async def test_assign_by_profile_refused(telnyx: TelnyxProvider) -> None:
    respx.post(TASKS).respond(
        422, json={"errors": [{"code": "10015", "detail": "profile has no numbers"}]}
    )
    with pytest.raises(ProviderRejectedError, match="profile has no numbers"):
        await telnyx.assign_by_profile("MP1", "C1")


@respx.mock
async def test_assign_by_profile_without_task_id_is_garbled(telnyx: TelnyxProvider) -> None:
    respx.post(TASKS).respond(202, json={"messagingProfileId": "MP1"})
    with pytest.raises(ProviderTemporaryError, match="taskId"):
        await telnyx.assign_by_profile("MP1", "C1")


@pytest.mark.parametrize("status", ["pending", "processing", "completed", "failed"])
@respx.mock
async def test_task_status(telnyx: TelnyxProvider, status: str) -> None:
    respx.get(f"{TASKS}/T1").respond(
        200, json={"taskId": "T1", "status": status, "createdAt": "2026-01-01T00:00:00Z"}
    )
    task = await telnyx.get_profile_task("T1")
    assert task == ProfileTask("T1", ProfileTaskStatus(status))
    assert task.finished is (status in ("completed", "failed"))


@respx.mock
async def test_task_unknown_status_and_missing_task(telnyx: TelnyxProvider) -> None:
    respx.get(f"{TASKS}/T1").respond(200, json={"taskId": "T1", "status": "exploded"})
    with pytest.raises(ProviderTemporaryError, match="unknown task status"):
        await telnyx.get_profile_task("T1")
    respx.get(f"{TASKS}/T2").respond(404, json={"errors": [{"title": "Task not found"}]})
    with pytest.raises(ProviderObjectNotFound, match="Task not found"):
        await telnyx.get_profile_task("T2")


def _records(first: int, count: int) -> list[dict[str, str]]:
    return [
        {"taskId": "T1", "phoneNumber": f"+1415555{n:04d}", "status": "pending"}
        for n in range(first, first + count)
    ]


@respx.mock
async def test_task_numbers_follow_pages_until_a_short_one(telnyx: TelnyxProvider) -> None:
    route = respx.get(f"{TASKS}/T1/phoneNumbers")
    route.side_effect = [
        httpx.Response(200, json={"records": _records(0, 100)}),
        httpx.Response(200, json={"records": _records(100, 100)}),
        httpx.Response(200, json={"records": _records(200, 3)}),
    ]
    numbers = await telnyx.list_profile_task_numbers("T1")
    assert [n.number for n in numbers] == [f"+1415555{n:04d}" for n in range(203)]
    pages = [dict(call.request.url.params) for call in route.calls]
    assert pages == [{"page": str(p), "recordsPerPage": "100"} for p in (1, 2, 3)]


@respx.mock
async def test_task_numbers_status_and_reason(telnyx: TelnyxProvider) -> None:
    respx.get(f"{TASKS}/T1/phoneNumbers").respond(
        200,
        json={
            "records": [
                {"taskId": "T1", "phoneNumber": "+14155550001", "status": "completed"},
                {
                    "taskId": "T1",
                    "phoneNumber": "+14155550002",
                    "status": "failed",
                    "failureReasons": "number is on another campaign",
                },
            ]
        },
    )
    assert await telnyx.list_profile_task_numbers("T1") == [
        ProfileTaskNumber("+14155550001", "completed", None),
        ProfileTaskNumber("+14155550002", "failed", "number is on another campaign"),
    ]


@respx.mock
async def test_task_numbers_empty_and_garbled(telnyx: TelnyxProvider) -> None:
    route = respx.get(f"{TASKS}/T1/phoneNumbers").respond(200, json={"records": []})
    assert await telnyx.list_profile_task_numbers("T1") == []
    assert route.call_count == 1
    respx.get(f"{TASKS}/T1/phoneNumbers").respond(200, json={"records": [{"status": "x"}]})
    with pytest.raises(ProviderTemporaryError, match="phoneNumber"):
        await telnyx.list_profile_task_numbers("T1")
    respx.get(f"{TASKS}/T1/phoneNumbers").respond(200, json={"data": []})
    with pytest.raises(ProviderTemporaryError, match="records"):
        await telnyx.list_profile_task_numbers("T1")


@respx.mock
async def test_task_numbers_stop_when_pages_never_end(
    telnyx: TelnyxProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("providers.telnyx.adapter._TASK_MAX_PAGES", 3)
    route = respx.get(f"{TASKS}/T1/phoneNumbers").respond(200, json={"records": _records(0, 100)})
    with pytest.raises(ProviderTemporaryError, match="more than 3 pages"):
        await telnyx.list_profile_task_numbers("T1")
    assert route.call_count == 3
