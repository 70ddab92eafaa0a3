"""The rules are written once (``app.links.rules``): every rule, through a single attach and
through a bulk attach of the same number, gives the same verdict, code and words."""

import uuid
from typing import Any

import pytest

from tests.support.api import World, data, error_code
from tests.support.numbers import toll_free_number

CAMPAIGN_RULES = (2, 3, 4)  # fail a bulk request as a whole
NUMBER_RULES = (5, 6, 7, 8)  # fail one bulk item


def cases() -> list[tuple[int, ...]]:
    """Each rule alone, and with every later rule broken too (the earliest must win)."""
    alone = [(rule,) for rule in (*CAMPAIGN_RULES, *NUMBER_RULES)]
    with_later = [tuple(range(rule, 9)) for rule in (*CAMPAIGN_RULES, *NUMBER_RULES[:-1])]
    return alone + with_later


async def broken(world: World, faults: tuple[int, ...]) -> tuple[str, str]:
    """A campaign id and a number id for an attach that breaks the rules in ``faults``."""
    brand = await world.brand(
        "telnyx" if 7 in faults else "sandbox", "UNVERIFIED" if 4 in faults else None
    )
    campaign = await world.campaign(brand, "PENDING" if 3 in faults else None)
    number = await world.number(
        toll_free_number() if 8 in faults else None, assigned=6 not in faults
    )
    campaign_id = str(uuid.uuid4()) if 2 in faults else campaign["id"]
    number_id = str(uuid.uuid4()) if 5 in faults else number["id"]
    return campaign_id, number_id


async def bulk_dry_run(world: World, campaign_id: str, number_id: str, method: str = "POST") -> Any:
    return await world.api.request(
        method,
        f"/v1/campaigns/{campaign_id}/phone-numbers",
        world.test_key,
        {"phone_number_ids": [number_id], "dry_run": True},
    )


def error_of(response: Any) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, error_code(response), body["error"]["message"]


@pytest.mark.parametrize("faults", cases(), ids=lambda f: "+".join(map(str, f)))
async def test_same_verdict_single_and_bulk(world: World, faults: tuple[int, ...]) -> None:
    campaign_id, number_id = await broken(world, faults)
    bulk = await bulk_dry_run(world, campaign_id, number_id)
    single = await world.attach(number_id, campaign_id)
    status, code, message = error_of(single)
    assert status in (404, 409) and code != "VALIDATION_FAILED"
    if min(faults) in CAMPAIGN_RULES:
        assert error_of(bulk) == (status, code, message)
    else:
        counts = data(bulk)["counts"]
        assert (counts["rejected"], counts["would_change"]) == (1, 0)
        (item,) = data(bulk)["rejected_items"]
        assert (item["error_code"], item["error"]) == (code, message)


async def test_same_verdict_when_the_attach_changes_or_not(world: World) -> None:
    campaign, number = await world.campaign(), await world.number()
    changing = data(await bulk_dry_run(world, campaign["id"], number["id"]))["counts"]
    assert (changing["would_change"], changing["unchanged"]) == (1, 0)
    first = data(await world.attach(number["id"], campaign["id"]))
    assert first["carrier_line_option_status"] == "pending"

    unchanged = data(await bulk_dry_run(world, campaign["id"], number["id"]))["counts"]
    assert (unchanged["would_change"], unchanged["unchanged"]) == (0, 1)
    again = data(await world.attach(number["id"], campaign["id"]))
    assert again["updated_at"] == first["updated_at"]  # nothing changed


async def test_same_verdict_for_a_detach_of_an_unknown_number(world: World) -> None:
    campaign = await world.campaign()
    missing = str(uuid.uuid4())
    single = await world.api.delete(f"/v1/phone-numbers/{missing}/campaign", world.test_key)
    status, code, message = error_of(single)
    bulk = data(await bulk_dry_run(world, campaign["id"], missing, "DELETE"))
    (item,) = bulk["rejected_items"]
    assert (status, item["error_code"], item["error"]) == (404, code, message)
