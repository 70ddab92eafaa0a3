"""From nothing to a propagated link without leaving numlink, in test mode: brand → VERIFIED
→ qualify → campaign → ACTIVE → attach → propagated. ``lifecycle`` records each step's shape,
for live runs against provider fakes to be compared with (``same_shape``)."""

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.settings import Settings
from providers.catalog import ProviderCatalog
from tests.support.api import Api, World, data
from tests.support.app import settle
from tests.support.registration import (
    DELAY_S,
    LIFECYCLE,
    after_review,
    delayed_catalog,
    lifecycle,
    same_shape,
    shape,
)


@pytest.fixture
def catalog() -> ProviderCatalog:
    return delayed_catalog()


async def test_brand_to_propagated_link(
    world: World,
    api: Api,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    catalog: ProviderCatalog,
) -> None:
    async def reviews_end() -> None:
        await after_review(sessions, settings, catalog)

    steps, campaign = await lifecycle(api, world.test_key, "sandbox", reviews_end)
    assert [s[:2] for s in steps] == LIFECYCLE
    number = await world.number()
    assert data(await world.attach(number["id"], campaign["id"]))["carrier_line_option_status"] == (
        "pending"
    )
    await asyncio.sleep(DELAY_S + 0.05)
    await settle(sessions, settings, catalog)
    linked = data(await api.get(f"/v1/phone-numbers/{number['id']}", world.test_key))
    assert (linked["carrier_line_option_status"], linked["campaign_status"]) == (
        "propagated",
        "ACTIVE",
    )


def test_shapes_compare_keys_and_types_not_values() -> None:
    first = shape({"data": {"id": "a", "tcr": None, "tags": [], "n": 1}})
    assert same_shape(first, shape({"data": {"id": "b", "tcr": "C1", "tags": ["x"], "n": 2}}))
    assert not same_shape(first, shape({"data": {"id": "b", "tcr": None, "tags": [], "n": "2"}}))
    assert not same_shape(first, shape({"data": {"id": "b", "tcr": None, "tags": []}}))
