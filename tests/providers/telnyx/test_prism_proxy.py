"""Telnyx flows that complete, checked against Telnyx's spec in both directions.

numlink → SpecCheckedProxy → Prism proxy (``--errors``) → the stateful fake Telnyx. Prism
refuses an off-spec request before it reaches the fake and replaces an off-spec answer of the
fake by an error, so a run with no violation shows that the adapter's requests and the fake's
answers both follow the spec. Prism serves the spec's paths at its root and forwards them to
the fake's /v2 base: numlink's Telnyx base URL is the recorder's root, without /v2.
"""

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.settings import Settings
from providers.base import (
    LinkState,
    LinkStatus,
    ProviderObjectNotFound,
    ProviderRejectedError,
    ProviderTemporaryError,
)
from providers.catalog import ProviderCatalog
from providers.telnyx import TelnyxProvider
from tests.providers.telnyx.fake_server import FakeTelnyx, FaultRates
from tests.providers.telnyx.spec_checked import SpecCheckedProxy, spec_checked
from tests.support.api import World, data, us_number
from tests.support.app import test_catalog
from tests.support.live import put_account, settle

Sessions = async_sessionmaker[AsyncSession]
KEY = "KEY-proxy-0001"
ASSIGNMENTS = "/10dlc/phone_number_campaigns"
CAMPAIGNS = {"CAMP-A": "MNO_PROVISIONED", "CAMP-B": "MNO_PROVISIONED", "CAMP-NEW": "TCR_PENDING"}
PROFILE = "MP-PROXY"
PROFILE_NUMBERS = ("+12025550141", "+12025550142")
FAKE_BRAND = "fake-brand"  # the brand of every campaign of the fake
NUMBER, FAILING = "+12025550100", "+12025550199"
POLL_S, POLL_LIMIT = 0.05, 200  # the fake settles in 0.05 s: a bound, not a timing


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeTelnyx]:
    profiles = {PROFILE: PROFILE_NUMBERS}
    with FakeTelnyx(KEY, campaigns=CAMPAIGNS, fail_numbers={FAILING}, profiles=profiles) as f:
        yield f


@pytest.fixture(scope="module")
def proxy(fake: FakeTelnyx, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SpecCheckedProxy]:
    with spec_checked(fake, tmp_path_factory.mktemp("prism-proxy")) as recorder:
        yield recorder


@pytest.fixture
async def telnyx(proxy: SpecCheckedProxy) -> AsyncIterator[TelnyxProvider]:
    proxy.clear()
    async with httpx.AsyncClient(timeout=10) as client:
        yield TelnyxProvider(client, KEY, proxy.base_url)


async def settled_link(telnyx: TelnyxProvider, number: str, expected: LinkStatus) -> LinkStatus:
    """Reads the assignment until it matches ``expected`` (state and campaign)."""
    link = await telnyx.get_link_status(number)
    for _ in range(POLL_LIMIT):
        if (link.state, link.campaign_ref) == (expected.state, expected.campaign_ref):
            return link
        await asyncio.sleep(POLL_S)
        link = await telnyx.get_link_status(number)
    raise AssertionError(f"{number} stayed {link}, expected {expected}")


async def test_adapter_reads_and_assignments(
    telnyx: TelnyxProvider, fake: FakeTelnyx, proxy: SpecCheckedProxy
) -> None:
    brand = await telnyx.get_brand("B-PROXY")
    assert (brand.identity_status, brand.status) == ("VERIFIED", "ACTIVE")
    assert brand.display_name == "Brand B-PROXY"
    campaign = await telnyx.get_campaign("CAMP-A")
    assert (campaign.status, campaign.provider_status) == ("ACTIVE", "MNO_PROVISIONED")
    assert campaign.tcr_campaign_id == "CCAMP-A"
    assert (await telnyx.get_campaign("CAMP-NEW")).status == "PENDING"
    number = await telnyx.get_number(NUMBER)
    assert number.assigned and number.sms_enabled
    assert await telnyx.get_link_status(NUMBER) == LinkStatus(LinkState.UNLINKED)

    await telnyx.link(NUMBER, "CAMP-A")
    await settled_link(telnyx, NUMBER, LinkStatus(LinkState.LINKED, "CAMP-A"))
    with pytest.raises(ProviderRejectedError, match="already assigned"):
        await telnyx.link(NUMBER, "CAMP-B")
    await telnyx.move(NUMBER, "CAMP-A", "CAMP-B")
    await settled_link(telnyx, NUMBER, LinkStatus(LinkState.LINKED, "CAMP-B"))
    assert fake.assignments[NUMBER] == ("CAMP-B", "ASSIGNED")
    await telnyx.unlink(NUMBER, "CAMP-B")
    await settled_link(telnyx, NUMBER, LinkStatus(LinkState.UNLINKED))
    assert NUMBER not in fake.assignments

    await telnyx.link(FAILING, "CAMP-A")
    failed = await settled_link(telnyx, FAILING, LinkStatus(LinkState.FAILED, "CAMP-A"))
    assert failed.reason == "telnyx: Number is not eligible for this campaign"
    with pytest.raises(ProviderObjectNotFound, match="campaign C-UNKNOWN not found"):
        await telnyx.link(NUMBER, "C-UNKNOWN")

    assert proxy.violations == []
    assert {("PUT", f"{ASSIGNMENTS}/{NUMBER}"), ("DELETE", f"{ASSIGNMENTS}/{NUMBER}")} <= set(
        proxy.calls()
    )


async def test_adapter_assigns_by_messaging_profile(
    telnyx: TelnyxProvider, fake: FakeTelnyx, proxy: SpecCheckedProxy
) -> None:
    task_id = await telnyx.assign_by_profile(PROFILE, "CAMP-A")
    task = await telnyx.get_profile_task(task_id)
    for _ in range(POLL_LIMIT):
        if task.finished:
            break
        await asyncio.sleep(POLL_S)
        task = await telnyx.get_profile_task(task_id)
    assert task.status == "completed"
    numbers = await telnyx.list_profile_task_numbers(task_id)
    assert sorted((n.number, n.status) for n in numbers) == [
        (number, "success") for number in PROFILE_NUMBERS
    ]
    held = {n: fake.assignments.get(n) for n in PROFILE_NUMBERS}
    assert held == {n: ("CAMP-A", "ASSIGNED") for n in PROFILE_NUMBERS}
    with pytest.raises(ProviderObjectNotFound, match="messaging profile MP-NONE not found"):
        await telnyx.assign_by_profile("MP-NONE", "CAMP-A")
    for number in PROFILE_NUMBERS:
        await telnyx.unlink(number, "CAMP-A")
    assert proxy.violations == []


async def test_the_recorder_catches_violations_both_ways(
    telnyx: TelnyxProvider, fake: FakeTelnyx, proxy: SpecCheckedProxy
) -> None:
    """What makes ``violations == []`` above a check: off-spec traffic is recorded."""
    async with httpx.AsyncClient(base_url=proxy.base_url, timeout=10) as client:
        headers = {"Authorization": f"Bearer {KEY}"}
        missing_campaign = await client.post(
            ASSIGNMENTS, json={"phoneNumber": NUMBER}, headers=headers
        )
    assert missing_campaign.status_code == 422  # refused by Prism: the fake never saw it
    try:
        fake.faults = FaultRates(html=1.0)  # a 200 HTML page: off-spec, replaced by a 500
        with pytest.raises(ProviderTemporaryError, match="HTTP 500"):
            await telnyx.get_campaign("CAMP-A")
        fake.faults = FaultRates(server_error=1.0)  # a status the spec lists not: a warning
        with pytest.raises(ProviderTemporaryError, match="HTTP 50"):
            await telnyx.get_link_status(NUMBER)
    finally:
        fake.faults = FaultRates()
    refused, garbled, unlisted = proxy.violations
    assert (refused.method, refused.status) == ("POST", 422)
    assert "must have required property 'campaignId'" in refused.report
    assert garbled.status == 500 and "media type" in garbled.report
    assert unlisted.status >= 500
    assert "Unable to match the returned status code" in unlisted.report


def line(row: dict[str, Any]) -> tuple[Any, Any]:
    return row["campaign_id"], row["carrier_line_option_status"]


class TestLiveFlowThroughTheProxy:
    @pytest.fixture
    def catalog(self, proxy: SpecCheckedProxy) -> ProviderCatalog:
        proxy.clear()
        return test_catalog(telnyx={"base_url": proxy.base_url})

    async def test_attach_move_detach_match_the_fake(
        self, world: World, sessions: Sessions, settings: Settings, catalog: ProviderCatalog,
        fake: FakeTelnyx, proxy: SpecCheckedProxy,
    ) -> None:  # fmt: skip
        api, key = world.api, world.live_key
        await put_account(api, key, "telnyx", {"api_key": KEY})
        body = {"provider": "telnyx", "provider_brand_id": FAKE_BRAND}
        brand = data(await api.post("/v1/brands", key, body), 201)
        assert (brand["identity_status"], brand["status"]) == ("VERIFIED", "ACTIVE")
        campaigns = []
        for ref in ("CAMP-A", "CAMP-B"):
            body = {"brand_id": brand["id"], "provider_campaign_id": ref}
            campaigns.append(data(await api.post("/v1/campaigns", key, body), 201))
        assert {(c["status"], c["provider_status"]) for c in campaigns} == {
            ("ACTIVE", "MNO_PROVISIONED")
        }
        first, second = campaigns
        refs = {c["id"]: c["provider_campaign_id"] for c in campaigns}
        numbers = []
        for _ in range(2):
            body = {"number": us_number(), "provider": "telnyx"}
            numbers.append(data(await api.post("/v1/phone-numbers", key, body), 201))
        assert all(n["assigned"] and n["sms_enabled"] for n in numbers)
        moving, staying = numbers

        async def rows() -> list[dict[str, Any]]:
            return [data(await api.get(f"/v1/phone-numbers/{n['id']}", key)) for n in numbers]

        def held_by_fake() -> dict[str, tuple[str, str]]:
            ours = {n["number"] for n in numbers}
            return {n: held for n, held in fake.assignments.items() if n in ours}

        def held_by_numlink(found: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
            linked = [r for r in found if r["carrier_line_option_status"] == "propagated"]
            return {r["number"]: (refs[r["campaign_id"]], "ASSIGNED") for r in linked}

        for number in numbers:
            attached = data(await world.attach(number["id"], first["id"], key))
            assert line(attached) == (first["id"], "pending")
        await settle(sessions, settings, catalog)
        found = await rows()
        assert [line(r) for r in found] == [(first["id"], "propagated")] * 2
        assert held_by_fake() == held_by_numlink(found) != {}

        moved = data(await world.attach(moving["id"], second["id"], key))
        assert line(moved) == (second["id"], "pending")
        await settle(sessions, settings, catalog)
        found = await rows()
        assert [line(r) for r in found] == [
            (second["id"], "propagated"),
            (first["id"], "propagated"),
        ]
        assert held_by_fake() == held_by_numlink(found)
        assert fake.assignments[moving["number"]] == ("CAMP-B", "ASSIGNED")

        detached = data(await api.delete(f"/v1/phone-numbers/{moving['id']}/campaign", key))
        assert line(detached) == (None, "pending")
        await settle(sessions, settings, catalog)
        found = await rows()
        assert [line(r) for r in found] == [(None, None), (first["id"], "propagated")]
        assert (
            held_by_fake() == held_by_numlink(found) == {staying["number"]: ("CAMP-A", "ASSIGNED")}
        )

        assert proxy.violations == []
        calls = set(proxy.calls())
        path = f"{ASSIGNMENTS}/{moving['number']}"
        assert {("POST", ASSIGNMENTS), ("PUT", path), ("DELETE", path)} <= calls
