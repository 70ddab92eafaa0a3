"""The async client's inventory (sync, batch registration), audits, test helpers, webhook
endpoints and provider accounts against the app."""

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.settings import Settings
from numlink_client import AsyncNumlink, errors
from numlink_client.models import AuditCounts, BulkCounts, SyncCounts
from tests.client.test_numbers import linkable
from tests.support.api import us_number
from tests.support.app import settle

Sessions = async_sessionmaker[AsyncSession]


async def test_sync_batch_and_audit(
    nl: AsyncNumlink, sessions: Sessions, settings: Settings
) -> None:
    held = [us_number() for _ in range(3)]
    assert (await nl.test_helpers.hold_numbers(held, messaging_profile_id="MP1")).numbers == 3
    sync = await nl.phone_numbers.sync(provider="sandbox")
    assert sync.operation == "sync"
    await settle(sessions, settings)
    synced = await nl.bulk_tasks.wait(sync.id, timeout=5)
    assert isinstance(synced.counts, SyncCounts) and synced.counts.added == 3
    pooled = [n.number async for n in nl.phone_numbers.list(messaging_profile_id="MP1")]
    assert sorted(pooled) == sorted(held)

    fresh = [us_number(), us_number()]
    batch = await nl.phone_numbers.create_batch(provider="sandbox", numbers=fresh, label="b")
    await settle(sessions, settings)
    registered = await nl.bulk_tasks.wait(batch.id, timeout=5)
    assert isinstance(registered.counts, BulkCounts) and registered.counts.succeeded == 2
    outcomes = {i.number: i.outcome async for i in nl.bulk_tasks.items(batch.id)}
    assert outcomes == dict.fromkeys(fresh, "registered")

    assert (await nl.test_helpers.release_numbers(held[:1])).numbers == 1
    campaign_id = await linkable(nl)
    (number,) = [n async for n in nl.phone_numbers.list(number=fresh[0])]
    await nl.phone_numbers.attach(number.id, campaign_id=campaign_id)
    await settle(sessions, settings)
    link = await nl.test_helpers.set_provider_link(fresh[0], provider_campaign_id=None)
    assert (link.number, link.provider_campaign_id) == (fresh[0], None)

    audit = await nl.audits.create(campaign_id=campaign_id)
    await settle(sessions, settings)
    report = await nl.audits.wait(audit.id, timeout=5)
    assert report.status == "completed" and isinstance(report.counts, AuditCounts)
    assert report.counts.missing_at_provider == 1
    assert (await nl.audits.get(audit.id)).id == audit.id
    findings = [f async for f in nl.audits.findings(audit.id, kind="missing_at_provider")]
    assert [(f.number, f.repaired) for f in findings] == [(fresh[0], False)]


async def test_state_helpers(nl: AsyncNumlink) -> None:
    brand = await nl.brands.create(provider="sandbox", provider_brand_id="HELPED")
    forced = await nl.test_helpers.set_brand_identity(brand.id, identity_status="UNVERIFIED")
    assert forced.identity_status == "UNVERIFIED"
    campaign = await nl.campaigns.create(brand_id=brand.id, provider_campaign_id="HELPEDC")
    assert (await nl.test_helpers.set_campaign_status(campaign.id, status="EXPIRED")).status == (
        "EXPIRED"
    )
    number = await nl.phone_numbers.create(number=us_number(), provider="sandbox")
    unassigned = await nl.test_helpers.set_assignment(number.id, assigned=False)
    assert unassigned.assigned is False
    await nl.test_helpers.set_assignment(number.id, assigned=True)
    await nl.test_helpers.set_brand_identity(brand.id, identity_status="VERIFIED")
    await nl.test_helpers.set_campaign_status(campaign.id, status="ACTIVE")
    await nl.phone_numbers.attach(number.id, campaign_id=campaign.id)
    failed = await nl.test_helpers.settle(number.id, outcome="failed", reason="carrier said no")
    assert (failed.carrier_line_option_status, failed.carrier_line_option_error) == (
        "failed", "carrier said no",
    )  # fmt: skip


async def test_webhook_endpoints(nl: AsyncNumlink) -> None:
    created = await nl.webhook_endpoints.create(url="https://hooks.example/a", description="a")
    assert created.secret.startswith("whsec_") and created.disabled_at is None
    assert [e.id async for e in nl.webhook_endpoints.list()] == [created.id]
    assert (await nl.webhook_endpoints.get(created.id)).url == "https://hooks.example/a"
    rotated = await nl.webhook_endpoints.rotate_secret(created.id)
    assert rotated.secret.startswith("whsec_") and rotated.secret != created.secret
    own = "whsec_" + "A" * 44
    assert (await nl.webhook_endpoints.rotate_secret(created.id, secret=own)).secret == own
    signing = await nl.webhook_endpoints.signing_secret()
    assert signing.secret.startswith("whsec_")
    disabled = await nl.webhook_endpoints.delete(created.id)
    assert disabled.disabled_at is not None
    with pytest.raises(errors.ConflictError):
        await nl.webhook_endpoints.rotate_secret(created.id)


async def test_provider_accounts(nl_live: AsyncNumlink) -> None:
    telnyx = await nl_live.provider_accounts.configure_telnyx(
        api_key="KEY0123456789abcdef_SECRET", rate_per_s=12.5
    )
    assert (telnyx.provider, telnyx.credentials_hint, telnyx.rate_per_s) == (
        "telnyx", "…CRET", 12.5,
    )  # fmt: skip
    assert "/v1/providers/telnyx/webhooks/" in telnyx.webhook_url
    plivo = await nl_live.provider_accounts.configure_plivo(
        auth_id="MAXXXXXXXXXXXXXXXXXX", auth_token="plivo-token-SECRET-99"
    )
    listed = await nl_live.provider_accounts.list()
    assert sorted(a.provider for a in listed) == ["plivo", "telnyx"]
    assert (await nl_live.provider_accounts.get("plivo")).webhook_url == plivo.webhook_url
    assert (await nl_live.provider_accounts.delete("plivo")).provider == "plivo"
    with pytest.raises(errors.NotFoundError):
        await nl_live.provider_accounts.get("plivo")
