"""Telnyx inventory through Prism's proxy: listing an account's numbers (with their messaging
settings), a messaging profile's numbers and a campaign's assignments, page by page, and a
sync and an audit through the API; Prism checks every request and answer against the spec."""

import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.settings import Settings
from providers.base import LinkState, NumberPage
from providers.catalog import ProviderCatalog
from providers.telnyx import TelnyxProvider
from tests.providers.telnyx.fake_server import FakeTelnyx
from tests.providers.telnyx.spec_checked import SpecCheckedProxy, spec_checked
from tests.support.api import World, data
from tests.support.app import test_catalog
from tests.support.live import put_account, settle

Sessions = async_sessionmaker[AsyncSession]
KEY = "KEY-inventory-0001"
PROFILE = str(uuid.UUID(int=1))
CAMPAIGN, OTHER = str(uuid.UUID(int=2)), str(uuid.UUID(int=3))
NUMBERS = [f"+1202555{n:04d}" for n in range(600)]  # three pages of 250
POOL = NUMBERS[:40]


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeTelnyx]:
    with FakeTelnyx(KEY, settle_after_s=0.0) as f:
        f.hold(POOL, PROFILE)
        f.hold(NUMBERS[40:])
        yield f


@pytest.fixture(scope="module")
def proxy(fake: FakeTelnyx, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SpecCheckedProxy]:
    with spec_checked(fake, tmp_path_factory.mktemp("prism-inventory")) as recorder:
        yield recorder


@pytest.fixture
async def telnyx(proxy: SpecCheckedProxy) -> AsyncIterator[TelnyxProvider]:
    proxy.clear()
    async with httpx.AsyncClient(timeout=30) as client:
        yield TelnyxProvider(client, KEY, proxy.base_url)


async def every_page(telnyx: TelnyxProvider, profile: str | None = None) -> list[NumberPage]:
    pages = [await telnyx.list_numbers(None, profile)]
    while pages[-1].next_token is not None:
        pages.append(await telnyx.list_numbers(pages[-1].next_token, profile))
    return pages


async def test_adapter_lists_numbers_profiles_and_assignments(
    telnyx: TelnyxProvider, fake: FakeTelnyx, proxy: SpecCheckedProxy
) -> None:
    pages = await every_page(telnyx)
    assert [len(p.numbers) for p in pages] == [250, 250, 100]
    listed = {n.number: n for p in pages for n in p.numbers}
    assert sorted(listed) == NUMBERS
    assert listed[POOL[0]].messaging_profile_id == PROFILE and listed[POOL[0]].assigned
    assert listed[NUMBERS[-1]].messaging_profile_id is None
    assert not listed[NUMBERS[-1]].assigned  # on no messaging profile: not assignable
    pool = await every_page(telnyx, PROFILE)
    assert sorted(n.number for p in pool for n in p.numbers) == POOL

    for number in NUMBERS[:260]:
        fake.set_assignment(number, CAMPAIGN)
    first = await telnyx.list_campaign_numbers(CAMPAIGN, None)
    assert len(first.numbers) == 250 and first.next_token == "2"
    second = await telnyx.list_campaign_numbers(CAMPAIGN, first.next_token)
    assert len(second.numbers) == 10 and second.next_token is None
    assert {n.state for n in first.numbers + second.numbers} == {LinkState.LINKED}
    empty = await telnyx.list_campaign_numbers(OTHER, None)
    assert empty.numbers == [] and empty.next_token is None
    for number in NUMBERS[:260]:
        fake.set_assignment(number, None)
    assert proxy.violations == []
    paths = {path for _, path in proxy.calls()}
    assert {"/phone_numbers", "/phone_numbers/messaging", "/10dlc/phone_number_campaigns"} <= paths


class TestSyncAndAuditThroughTheProxy:
    @pytest.fixture
    def catalog(self, proxy: SpecCheckedProxy) -> ProviderCatalog:
        proxy.clear()
        return test_catalog(telnyx={"base_url": proxy.base_url})

    async def test_sync_then_audit_and_repair(
        self, world: World, sessions: Sessions, settings: Settings, catalog: ProviderCatalog,
        fake: FakeTelnyx, proxy: SpecCheckedProxy,
    ) -> None:  # fmt: skip
        api, key = world.api, world.live_key
        await put_account(api, key, "telnyx", {"api_key": KEY})
        sync = data(await api.post("/v1/phone-numbers/sync", key, {"provider": "telnyx"}), 202)
        await settle(sessions, settings, catalog, timeout_s=60)
        done = data(await api.get(f"/v1/bulk-tasks/{sync['id']}", key))
        assert done["counts"] == {"seen": 600, "added": 600, "updated": 0, "released": 0}

        body = {"provider": "telnyx", "provider_brand_id": "fake-brand"}
        brand = data(await api.post("/v1/brands", key, body), 201)
        body = {"brand_id": brand["id"], "provider_campaign_id": CAMPAIGN}
        campaign = data(await api.post("/v1/campaigns", key, body), 201)
        params = {"messaging_profile_id": PROFILE, "limit": 100}
        pool = data(await api.get("/v1/phone-numbers", key, params=params))
        ids = [n["id"] for n in pool]
        assert len(ids) == len(POOL)
        bulk = {"phone_number_ids": ids[:30]}
        data(await api.post(f"/v1/campaigns/{campaign['id']}/phone-numbers", key, bulk), 202)
        await settle(sessions, settings, catalog, timeout_s=60)

        by_number = {n["number"]: n for n in pool}
        linked = sorted(n for n in by_number if fake.assignments.get(n) == (CAMPAIGN, "ASSIGNED"))
        assert len(linked) == 30
        fake.set_assignment(linked[0], None)  # removed in the portal
        fake.set_assignment(linked[1], OTHER)  # moved by another script
        audit = {"campaign_id": campaign["id"], "messaging_profile_id": PROFILE}
        report = data(await api.post("/v1/audits", key, audit), 202)
        await settle(sessions, settings, catalog, timeout_s=60)
        counts = data(await api.get(f"/v1/audits/{report['id']}", key))["counts"]
        assert (counts["missing_at_provider"], counts["not_on_campaign"]) == (2, 10)
        assert counts["total"] == 12 and counts["repaired"] == 0

        repair = data(await api.post("/v1/audits", key, {**audit, "repair": True}), 202)
        await settle(sessions, settings, catalog, timeout_s=60)
        repaired = data(await api.get(f"/v1/audits/{repair['id']}", key))["counts"]
        assert repaired["total"] == repaired["repaired"] == 12
        await settle(sessions, settings, catalog, timeout_s=60)
        held = {n for n in POOL if fake.assignments.get(n) == (CAMPAIGN, "ASSIGNED")}
        assert held == set(POOL)
        clean = data(await api.post("/v1/audits", key, audit), 202)
        await settle(sessions, settings, catalog, timeout_s=60)
        assert data(await api.get(f"/v1/audits/{clean['id']}", key))["counts"]["total"] == 0
        assert proxy.violations == []
        for number in POOL:
            fake.set_assignment(number, None)
