"""A sync or an audit that meets provider faults mid-listing (5xx, 429, a timeout) resumes at
the page that failed: it neither starts over nor counts a page twice."""

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.settings import Settings
from providers.catalog import ProviderCatalog
from tests.providers.telnyx.fake_server import FakeTelnyx
from tests.support.api import World, data
from tests.support.app import test_catalog, test_settings
from tests.support.live import put_account, settle

Sessions = async_sessionmaker[AsyncSession]
KEY = "KEY-inventory-faults"
NUMBERS = [f"+1202556{n:04d}" for n in range(700)]  # three pages of 250
CAMPAIGN = str(uuid.UUID(int=7))


@pytest.fixture
def fake() -> Iterator[FakeTelnyx]:
    with FakeTelnyx(KEY, settle_after_s=0.0, hang_s=2.0, retry_after_s=0.05) as f:
        f.hold(NUMBERS, str(uuid.UUID(int=8)))
        yield f


@pytest.fixture
def settings() -> Settings:
    return test_settings(provider_timeout_s=0.5)


@pytest.fixture
def catalog(fake: FakeTelnyx) -> ProviderCatalog:
    return test_catalog(telnyx={"base_url": fake.base_url, "rate_per_s": 1000})


async def test_sync_resumes_at_the_failed_page(
    world: World, sessions: Sessions, settings: Settings, catalog: ProviderCatalog,
    fake: FakeTelnyx,
) -> None:  # fmt: skip
    api, key = world.api, world.live_key
    await put_account(api, key, "telnyx", {"api_key": KEY})
    fake.fail_page("phone_numbers", 2, "server_error")
    fake.fail_page("phone_numbers", 3, "rate_limited")
    fake.fail_page("phone_numbers_messaging", 1, "timeout")  # the first page's settings
    task = data(await api.post("/v1/phone-numbers/sync", key, {"provider": "telnyx"}), 202)
    await settle(sessions, settings, catalog, timeout_s=60)
    done = data(await api.get(f"/v1/bulk-tasks/{task['id']}", key))
    assert done["status"] == "completed"
    assert done["counts"] == {"seen": 700, "added": 700, "updated": 0, "released": 0}
    requests = fake.stats.requests
    # each page listed once more per fault on it (a failed settings read re-lists its page)
    assert requests["GET phone_numbers"] == 3 + 3
    assert requests["GET phone_numbers_messaging"] == 3 + 1
    total = (await api.get("/v1/phone-numbers", key)).json()["meta"]["total"]
    assert total == 700


async def test_audit_resumes_at_the_failed_page(
    world: World, sessions: Sessions, settings: Settings, catalog: ProviderCatalog,
    fake: FakeTelnyx,
) -> None:  # fmt: skip
    api, key = world.api, world.live_key
    await put_account(api, key, "telnyx", {"api_key": KEY})
    data(await api.post("/v1/phone-numbers/sync", key, {"provider": "telnyx"}), 202)
    body = {"provider": "telnyx", "provider_brand_id": "fake-brand"}
    brand = data(await api.post("/v1/brands", key, body), 201)
    body = {"brand_id": brand["id"], "provider_campaign_id": CAMPAIGN}
    campaign = data(await api.post("/v1/campaigns", key, body), 201)
    await settle(sessions, settings, catalog, timeout_s=60)
    for number in NUMBERS[:600]:  # held at the provider, unknown to numlink's campaign
        fake.set_assignment(number, CAMPAIGN)
    fake.fail_page("assignments", 1, "server_error")
    fake.fail_page("assignments", 2, "timeout")
    fake.fail_page("assignments", 3, "rate_limited")
    report = data(await api.post("/v1/audits", key, {"campaign_id": campaign["id"]}), 202)
    await settle(sessions, settings, catalog, timeout_s=60)
    counts = data(await api.get(f"/v1/audits/{report['id']}", key))["counts"]
    assert counts["wrong_campaign"] == 600 and counts["total"] == 600
    assert fake.stats.requests["GET assignments"] == 3 + 3
