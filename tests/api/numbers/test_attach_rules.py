"""The eight ordered attach rules: each alone, and with later ones (the earliest wins)."""

import itertools
import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.support.api import Api, World, data, error_code
from tests.support.numbers import british_mobile, canadian_number, toll_free_number

EXPECTED = {
    1: (422, "VALIDATION_FAILED"),
    2: (404, "NOT_FOUND"),
    3: (409, "CAMPAIGN_NOT_ACTIVE"),
    4: (409, "BRAND_NOT_VERIFIED"),
    5: (404, "NOT_FOUND"),
    6: (409, "NUMBER_NOT_ASSIGNED"),
    7: (409, "PROVIDER_MISMATCH"),
    8: (409, "NUMBER_NOT_ELIGIBLE"),
}


def combinations() -> list[tuple[int, ...]]:
    cases: list[tuple[int, ...]] = [(rule,) for rule in EXPECTED]
    cases += list(itertools.combinations(EXPECTED, 2))
    cases += [tuple(range(rule, 9)) for rule in range(1, 8)]
    return cases


async def attach_with_faults(world: World, faults: tuple[int, ...]) -> tuple[Any, dict[str, Any]]:
    """Builds a valid attach, breaks the rules in ``faults``, sends it."""
    brand = await world.brand(
        "telnyx" if 7 in faults else "sandbox", "UNVERIFIED" if 4 in faults else None
    )
    campaign = await world.campaign(brand, "PENDING" if 3 in faults else None)
    number = await world.number(
        toll_free_number() if 8 in faults else None, assigned=6 not in faults
    )
    campaign_id: Any = str(uuid.uuid4()) if 2 in faults else campaign["id"]
    body = {"campaign_id": "not-a-uuid"} if 1 in faults else {"campaign_id": campaign_id}
    number_id = str(uuid.uuid4()) if 5 in faults else number["id"]
    response = await world.api.post(f"/v1/phone-numbers/{number_id}/campaign", world.test_key, body)
    return response, number


@pytest.mark.parametrize("faults", combinations(), ids=lambda f: "+".join(map(str, f)))
async def test_first_failing_rule_wins(api: Api, world: World, faults: tuple[int, ...]) -> None:
    response, number = await attach_with_faults(world, faults)
    status, code = EXPECTED[min(faults)]
    assert (response.status_code, error_code(response)) == (status, code)
    after = data(await api.get(f"/v1/phone-numbers/{number['id']}", world.test_key))
    assert after["campaign_id"] is None
    assert after["carrier_line_option_status"] is None
    assert after["updated_at"] == number["updated_at"]


async def test_all_rules_pass_attaches(world: World) -> None:
    response, number = await attach_with_faults(world, ())
    attached = data(response)
    assert attached == data(
        await world.api.get(f"/v1/phone-numbers/{number['id']}", world.test_key)
    )
    assert attached["id"] == number["id"]
    assert attached["campaign_id"] is not None
    assert attached["carrier_line_option_status"] == "pending"


@pytest.mark.parametrize(
    "body",
    [{}, {"campaign_id": None}, {"campaign_id": 5}, {"campaign_id": "x", "extra": 1}, []],
    ids=["missing", "null", "int", "extra-field", "not-object"],
)
async def test_rule1_bad_bodies(world: World, body: Any) -> None:
    number = await world.number()
    response = await world.api.post(
        f"/v1/phone-numbers/{number['id']}/campaign", world.test_key, body
    )
    assert (response.status_code, error_code(response)) == (422, "VALIDATION_FAILED")
    assert response.json()["error"]["details"]


@pytest.mark.parametrize("status", ["PENDING", "EXPIRED", "REJECTED", "SUSPENDED"])
async def test_rule3_every_inactive_status(world: World, status: str) -> None:
    campaign = await world.campaign(status=status)
    number = await world.number()
    assert error_code(await world.attach(number["id"], campaign["id"])) == "CAMPAIGN_NOT_ACTIVE"


@pytest.mark.parametrize(
    ("identity", "accepted"),
    [
        ("UNVERIFIED", False),
        ("SELF_DECLARED", False),
        ("VERIFIED", True),
        ("VETTED_VERIFIED", True),
    ],
)
async def test_rule4_identity_statuses(world: World, identity: str, accepted: bool) -> None:
    campaign = await world.campaign(await world.brand(identity_status=identity))
    number = await world.number()
    response = await world.attach(number["id"], campaign["id"])
    if accepted:
        assert data(response)["carrier_line_option_status"] == "pending"
    else:
        assert error_code(response) == "BRAND_NOT_VERIFIED"


async def test_rule5_malformed_number_id_is_not_found_after_campaign_checks(world: World) -> None:
    active = await world.campaign()
    inactive = await world.campaign(status="EXPIRED")
    path = "/v1/phone-numbers/not-a-uuid/campaign"
    missing = await world.api.post(path, world.test_key, {"campaign_id": active["id"]})
    assert (missing.status_code, error_code(missing)) == (404, "NOT_FOUND")
    earlier = await world.api.post(path, world.test_key, {"campaign_id": inactive["id"]})
    assert error_code(earlier) == "CAMPAIGN_NOT_ACTIVE"


@pytest.mark.parametrize("make_number", [toll_free_number, canadian_number, british_mobile])
async def test_rule8_ineligible_numbers(world: World, make_number: Any) -> None:
    campaign = await world.campaign()
    number = await world.number(make_number())
    assert error_code(await world.attach(number["id"], campaign["id"])) == "NUMBER_NOT_ELIGIBLE"


async def test_mobile_and_local_us_numbers_are_eligible(world: World) -> None:
    campaign = await world.campaign()
    number = await world.number()
    assert number["number_type"] == "local"
    assert data(await world.attach(number["id"], campaign["id"]))["campaign_id"] == campaign["id"]


async def desired_version(sessions: async_sessionmaker[AsyncSession], number_id: str) -> int:
    async with sessions() as session:
        found = await session.execute(
            text("SELECT desired_version FROM phone_numbers WHERE id = :id"), {"id": number_id}
        )
        return int(found.scalar_one())


async def test_reattach_same_campaign_is_a_no_op(
    world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    campaign = await world.campaign()
    number = await world.number()
    first = data(await world.attach(number["id"], campaign["id"]))
    version = await desired_version(sessions, number["id"])
    again = data(await world.attach(number["id"], campaign["id"]))
    assert again == first
    assert await desired_version(sessions, number["id"]) == version


async def test_move_replaces_the_campaign_in_one_call(world: World) -> None:
    brand = await world.brand()
    first, second = await world.campaign(brand), await world.campaign(brand)
    number = await world.number()
    data(await world.attach(number["id"], first["id"]))
    moved = data(await world.attach(number["id"], second["id"]))
    assert moved["campaign_id"] == second["id"]
    assert moved["carrier_line_option_status"] == "pending"


@pytest.mark.parametrize(
    ("patch", "code"),
    [
        ("status", "CAMPAIGN_NOT_ACTIVE"),
        ("assigned", "NUMBER_NOT_ASSIGNED"),
        ("eligible", "NUMBER_NOT_ELIGIBLE"),
    ],
)
async def test_patch_campaign_id_runs_the_same_rules(world: World, patch: str, code: str) -> None:
    campaign = await world.campaign(status="SUSPENDED" if patch == "status" else None)
    number = await world.number(
        toll_free_number() if patch == "eligible" else None, assigned=patch != "assigned"
    )
    response = await world.api.patch(
        f"/v1/phone-numbers/{number['id']}",
        world.test_key,
        {"campaign_id": campaign["id"], "label": "changed"},
    )
    assert error_code(response) == code
    after = data(await world.api.get(f"/v1/phone-numbers/{number['id']}", world.test_key))
    assert after["label"] is None and after["campaign_id"] is None
