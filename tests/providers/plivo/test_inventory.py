"""Plivo inventory: the account's numbers and a campaign's numbers listed page by page (20 a
page, by offset) by the adapter, and a sync and an audit with repair through the API against
the fake Plivo, with a fault mid-listing."""

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.settings import Settings
from providers.base import LinkState
from providers.catalog import ProviderCatalog
from providers.plivo import PlivoProvider
from tests.providers.plivo.fake_server import FakePlivo
from tests.support.api import World, data
from tests.support.app import test_catalog
from tests.support.live import fake_plivo, live_plivo, settle

Sessions = async_sessionmaker[AsyncSession]
NUMBERS = [f"+1415556{n:04d}" for n in range(45)]  # three pages of 20


@pytest.fixture
def fake() -> Iterator[FakePlivo]:
    with fake_plivo() as server:
        for number in NUMBERS:
            server.add_number(number)
        yield server


@pytest.fixture
async def plivo(fake: FakePlivo) -> AsyncIterator[PlivoProvider]:
    async with httpx.AsyncClient(timeout=2) as client:
        yield PlivoProvider(client, fake.auth_id, fake.auth_token, base_url=fake.base_url)


async def test_adapter_lists_the_account_and_a_campaign(
    plivo: PlivoProvider, fake: FakePlivo
) -> None:
    pages = [await plivo.list_numbers(None)]
    while pages[-1].next_token is not None:
        pages.append(await plivo.list_numbers(pages[-1].next_token))
    assert [len(p.numbers) for p in pages] == [20, 20, 5]
    assert sorted(n.number for p in pages for n in p.numbers) == NUMBERS
    assert all(n.assigned and n.messaging_profile_id is None for p in pages for n in p.numbers)
    assert (await plivo.list_numbers(None, "MP-1")).numbers == []  # Plivo has no profiles

    await plivo.link_many(NUMBERS[:25], "CAMP1")
    first = await plivo.list_campaign_numbers("CAMP1", None)
    second = await plivo.list_campaign_numbers("CAMP1", first.next_token)
    assert (len(first.numbers), len(second.numbers), second.next_token) == (20, 5, None)
    assert {n.state for n in first.numbers} == {LinkState.LINKED}
    assert sorted(n.number for n in first.numbers + second.numbers) == NUMBERS[:25]
    queries = [r.path for r in fake.calls("GET")]
    assert queries.count(f"/v1/Account/{fake.auth_id}/Number/") == 3


class TestThroughTheApi:
    @pytest.fixture
    def catalog(self, fake: FakePlivo) -> ProviderCatalog:
        return test_catalog(plivo={"base_url": fake.base_url})

    async def test_sync_and_audit_repair(
        self, world: World, sessions: Sessions, settings: Settings, catalog: ProviderCatalog,
        fake: FakePlivo,
    ) -> None:  # fmt: skip
        api, key = world.api, world.live_key
        live = await live_plivo(api, key, fake, numbers=0)
        fake.fail_next(503, {"error": "temporarily unavailable"})  # the first page's first try
        sync = data(await api.post("/v1/phone-numbers/sync", key, {"provider": "plivo"}), 202)
        await settle(sessions, settings, catalog)
        counts = data(await api.get(f"/v1/bulk-tasks/{sync['id']}", key))["counts"]
        assert counts == {"seen": 45, "added": 45, "updated": 0, "released": 0}

        campaign = live.campaigns[0]
        body = {"numbers": NUMBERS[:30]}
        data(await api.post(f"/v1/campaigns/{campaign['id']}/phone-numbers", key, body), 202)
        await settle(sessions, settings, catalog)
        del fake.links[NUMBERS[0][1:]]  # unlinked at Plivo behind numlink's back
        fake.links[NUMBERS[40][1:]] = fake.links[NUMBERS[1][1:]]  # linked by someone else
        report = data(await api.post("/v1/audits", key, {"provider": "plivo", "repair": True}), 202)
        await settle(sessions, settings, catalog)
        found = data(await api.get(f"/v1/audits/{report['id']}", key))["counts"]
        assert (found["missing_at_provider"], found["wrong_campaign"]) == (1, 1)
        assert found["total"] == found["repaired"] == 2
        await settle(sessions, settings, catalog)
        held = {n for n, link in fake.links.items() if link.campaign_id == "CAMP1"}
        assert held == {n[1:] for n in NUMBERS[:30]}
