"""The async client's numbers, bulk tasks and errors against the app (test mode)."""

import uuid

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.settings import Settings
from numlink_client import AsyncNumlink, errors
from numlink_client.models import BulkCounts, PhoneNumber
from tests.support.api import World, us_number
from tests.support.app import settle


async def linkable(nl: AsyncNumlink) -> str:
    """An ACTIVE campaign of a VERIFIED brand (the sandbox's imports are both)."""
    brand = await nl.brands.create(provider="sandbox", provider_brand_id=f"B{uuid.uuid4().hex[:8]}")
    campaign = await nl.campaigns.create(
        brand_id=brand.id, provider_campaign_id=f"C{uuid.uuid4().hex[:8]}"
    )
    assert (brand.identity_status, campaign.status) == ("VERIFIED", "ACTIVE")
    return campaign.id


async def test_register_attach_settle_detach(
    nl: AsyncNumlink, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    campaign_id = await linkable(nl)
    created = await nl.phone_numbers.create(number=us_number(), provider="sandbox", label="one")
    assert isinstance(created, PhoneNumber)
    assert (created.label, created.assigned, created.campaign_id) == ("one", True, None)
    assert created.response_info is not None and created.response_info.status_code == 201

    attached = await nl.phone_numbers.attach(created.id, campaign_id=campaign_id)
    assert (attached.campaign_id, attached.carrier_line_option_status) == (campaign_id, "pending")
    assert not attached.settled
    await settle(sessions, settings)
    settled = await nl.phone_numbers.wait_until_settled(created.id, timeout=5)
    assert settled.carrier_line_option_status == "propagated"
    assert settled.carrier_line_option_propagated_at is not None

    detached = await nl.phone_numbers.detach(created.id)
    assert (detached.campaign_id, detached.carrier_line_option_status) == (None, "pending")
    await settle(sessions, settings)
    assert (await nl.phone_numbers.get(created.id)).carrier_line_option_status is None

    refreshed = await nl.phone_numbers.refresh(created.id)
    assert refreshed.id == created.id and refreshed.assigned
    deleted = await nl.phone_numbers.delete(created.id)
    assert deleted.id == created.id
    with pytest.raises(errors.NotFoundError):
        await nl.phone_numbers.get(created.id)


async def test_update_sends_only_given_fields(nl: AsyncNumlink) -> None:
    campaign_id = await linkable(nl)
    number = await nl.phone_numbers.create(
        number=us_number(), provider="sandbox", label="keep", status_url="https://x.example/s"
    )
    changed = await nl.phone_numbers.update(number.id, campaign_id=campaign_id)
    assert (changed.label, changed.status_url) == ("keep", "https://x.example/s")
    assert changed.campaign_id == campaign_id
    cleared = await nl.phone_numbers.update(number.id, label=None, campaign_id=None)
    assert (cleared.label, cleared.campaign_id, cleared.status_url) == (
        None, None, "https://x.example/s",
    )  # fmt: skip


async def test_list_walks_every_page(nl: AsyncNumlink) -> None:
    label = f"fleet-{uuid.uuid4().hex[:6]}"
    made = [
        await nl.phone_numbers.create(number=us_number(), provider="sandbox", label=label)
        for _ in range(5)
    ]
    pager = nl.phone_numbers.list(label=label, limit=2)
    listed = [n.id async for n in pager]
    assert listed == [n.id for n in reversed(made)]  # newest first, across three pages
    page = await pager.first_page()
    assert (len(page.data), page.meta.total, page.meta.limit) == (2, 5, 2)
    assert page.meta.next_cursor is not None
    pages = [p async for p in pager.pages()]
    assert [len(p.data) for p in pages] == [2, 2, 1]
    assert [n async for n in nl.phone_numbers.list(label=label, assigned=False)] == []


async def test_bulk_attach_items_and_dry_run(
    nl: AsyncNumlink, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    campaign_id = await linkable(nl)
    numbers = [
        (await nl.phone_numbers.create(number=us_number(), provider="sandbox")).number
        for _ in range(3)
    ]
    unknown = us_number()
    preview = await nl.bulk_tasks.dry_run_attach(campaign_id, numbers=[*numbers, unknown])
    assert (preview.counts.would_change, preview.counts.rejected) == (3, 1)
    assert [(i.number, i.error_code) for i in preview.rejected_items] == [(unknown, "NOT_FOUND")]

    task = await nl.bulk_tasks.attach(campaign_id, numbers=numbers)
    assert task.operation == "attach" and task.status in ("pending", "processing", "completed")
    assert isinstance(task.counts, BulkCounts) and task.counts.total == 3
    await settle(sessions, settings)
    seen: list[str] = []
    done = await nl.bulk_tasks.wait(task.id, on_progress=lambda t: seen.append(t.status))
    assert (done.status, done.finished, seen) == ("completed", True, ["completed"])
    assert isinstance(done.counts, BulkCounts) and done.counts.succeeded == 3
    items = [i async for i in nl.bulk_tasks.items(task.id, limit=2)]
    assert sorted(i.number for i in items) == sorted(numbers)
    assert {i.outcome for i in items} == {"propagated"}
    assert [i async for i in nl.bulk_tasks.items(task.id, outcome="failed")] == []
    assert (await nl.bulk_tasks.get(task.id)).id == task.id

    undo = await nl.bulk_tasks.dry_run_detach(campaign_id, numbers=numbers)
    assert undo.counts.would_change == 3
    detached = await nl.bulk_tasks.detach(campaign_id, numbers=numbers[:1])
    assert detached.operation == "detach"


async def test_errors_carry_the_envelope(nl: AsyncNumlink, world: World) -> None:
    campaign_id = await linkable(nl)
    number = await nl.phone_numbers.create(number=us_number(), provider="sandbox")
    await nl.test_helpers.set_campaign_status(campaign_id, status="SUSPENDED")
    with pytest.raises(errors.CampaignNotActiveError) as refused:
        await nl.phone_numbers.attach(number.id, campaign_id=campaign_id)
    error = refused.value
    assert (error.status_code, error.code, error.message) == (
        409, "CAMPAIGN_NOT_ACTIVE", "campaign is not active",
    )  # fmt: skip
    assert error.request_id and len(error.request_id) == 26  # a ULID
    assert isinstance(error, errors.APIError) and str(error).startswith("CAMPAIGN_NOT_ACTIVE: ")

    with pytest.raises(errors.ValidationFailedError) as invalid:
        await nl.phone_numbers.create(number="+1 415 555 2671", provider="sandbox")
    assert invalid.value.status_code == 422 and "number" in invalid.value.details
    with pytest.raises(errors.ConflictError):
        await nl.phone_numbers.create(number=number.number, provider="sandbox")
    with pytest.raises(errors.NotFoundError):
        await nl.phone_numbers.get("no/such/id")  # one path segment, whatever it holds
