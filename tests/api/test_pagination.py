"""Keyset pagination: limit, opaque cursors, totals, newest first, no gaps."""

import base64

import pytest

from tests.support.api import Api, World, data, error_code


async def test_pages_cover_everything_once(api: Api, world: World) -> None:
    created = [(await world.number())["id"] for _ in range(25)]
    seen: list[str] = []
    cursor = None
    sizes = []
    while True:
        query = "limit=10" + (f"&cursor={cursor}" if cursor else "")
        response = await api.get(f"/v1/phone-numbers?{query}", world.test_key)
        page = data(response)
        meta = response.json()["meta"]
        assert (meta["total"], meta["limit"]) == (25, 10)
        sizes.append(len(page))
        seen.extend(n["id"] for n in page)
        cursor = meta["next_cursor"]
        if cursor is None:
            break
    assert sizes == [10, 10, 5]
    assert seen == list(reversed(created))  # newest first, no duplicates or gaps


async def test_filters_combine_with_pages(api: Api, world: World) -> None:
    campaign = await world.campaign()
    attached = []
    for index in range(5):
        number = await world.number()
        if index % 2 == 0:
            data(await world.attach(number["id"], campaign["id"]))
            attached.append(number["id"])
    seen: list[str] = []
    query = f"/v1/phone-numbers?campaign_id={campaign['id']}&limit=2"
    cursor = None
    while True:
        response = await api.get(query + (f"&cursor={cursor}" if cursor else ""), world.test_key)
        seen.extend(n["id"] for n in data(response))
        meta = response.json()["meta"]
        assert (meta["total"], meta["limit"]) == (3, 2)  # only the filtered rows count
        cursor = meta["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(attached))
    everything = (await api.get("/v1/phone-numbers", world.test_key)).json()["meta"]
    assert everything.pop("last_event_at") is not None  # the numbers' events
    assert everything == {"total": 5, "limit": 20, "next_cursor": None}


@pytest.mark.parametrize("limit", ["0", "101", "abc", "-1"])
async def test_limit_out_of_range(api: Api, world: World, limit: str) -> None:
    response = await api.get(f"/v1/brands?limit={limit}", world.test_key)
    assert error_code(response) == "VALIDATION_FAILED"
    assert "limit" in response.json()["error"]["details"]


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        "abc",
        base64.urlsafe_b64encode(b"x" * 20).decode(),
        base64.urlsafe_b64encode(b"nl1:").decode(),
    ],
)
async def test_bad_cursor(api: Api, world: World, cursor: str) -> None:
    response = await api.get(f"/v1/campaigns?cursor={cursor}", world.test_key)
    assert error_code(response) == "VALIDATION_FAILED"
    assert "cursor" in response.json()["error"]["details"]
