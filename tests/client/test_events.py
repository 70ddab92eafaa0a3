"""The events feed and the webhook deliveries log through the async client."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.settings import Settings
from numlink_client import AsyncNumlink
from tests.client.test_numbers import linkable
from tests.support.api import us_number
from tests.support.app import settle


async def test_events_feed(
    nl: AsyncNumlink, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    campaign_id = await linkable(nl)
    number = await nl.phone_numbers.create(number=us_number(), provider="sandbox")
    await nl.phone_numbers.attach(number.id, campaign_id=campaign_id)
    await settle(sessions, settings)
    changes = nl.events.list(type="phone_number.carrier_line_option.updated", resource_id=number.id)
    events = [e async for e in changes]
    assert [e.data["carrier_line_option_status"] for e in events] == ["propagated"]
    every = [e async for e in nl.events.list(resource_id=number.id)]
    assert [e.type for e in every] == [
        "phone_number.carrier_line_option.updated",  # newest first
        "phone_number.campaign.changed",
        "phone_number.created",
    ]
    assert {(e.resource.type, e.resource.id) for e in every} == {("phone_number", number.id)}
    page = await nl.events.list(limit=1).first_page()
    assert page.meta.last_event_at is not None and page.meta.next_cursor is not None
    assert (await nl.events.get(events[0].id)) == events[0]  # equal, though read anew
    since = every[-1].created_at.isoformat()
    later = [e.id async for e in nl.events.list(resource_id=number.id, created_after=since)]
    assert later == [e.id for e in every[:-1]]


async def test_endpoint_update_deliveries_and_retry(
    nl: AsyncNumlink, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    endpoint = await nl.webhook_endpoints.create(
        url="https://hooks.example/events", enabled_events=["phone_number.created"]
    )
    assert endpoint.enabled_events == ["phone_number.created"]
    everything = await nl.webhook_endpoints.update(endpoint.id, enabled_events=None)
    assert everything.enabled_events is None
    await nl.phone_numbers.create(number=us_number(), provider="sandbox")
    (delivery,) = [d async for d in nl.webhook_endpoints.deliveries(endpoint.id)]
    assert (delivery.event_type, delivery.attempts) == ("phone_number.created", 0)
    again = await nl.webhook_endpoints.retry_delivery(endpoint.id, delivery.id)
    assert again.id == delivery.id
    off = await nl.webhook_endpoints.update(endpoint.id, disabled=True)
    assert off.disabled_at is not None
    on = await nl.webhook_endpoints.update(endpoint.id, disabled=False, description="back")
    assert (on.disabled_at, on.description) == (None, "back")
