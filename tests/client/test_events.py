"""The events feed and the webhook deliveries log through the async client. Each test runs when
the gateway serves its operations (until then they are in ``NOT_YET_ON_SERVER`` of the
consistency test)."""

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.settings import Settings
from numlink_client import AsyncNumlink
from tests.client.routes import server_operations
from tests.client.test_numbers import linkable
from tests.support.api import us_number
from tests.support.app import settle


def served(*operations: tuple[str, str]) -> None:
    missing = [" ".join(o) for o in operations if o not in server_operations()]
    if missing:
        pytest.skip(f"the gateway does not serve {', '.join(missing)} yet")


async def test_events_feed(
    nl: AsyncNumlink, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    served(("GET", "/v1/events"), ("GET", "/v1/events/{}"))
    campaign_id = await linkable(nl)
    number = await nl.phone_numbers.create(number=us_number(), provider="sandbox")
    await nl.phone_numbers.attach(number.id, campaign_id=campaign_id)
    await settle(sessions, settings)
    changes = nl.events.list(type="phone_number.carrier_line_option.updated", resource_id=number.id)
    events = [e async for e in changes]
    assert [e.data["carrier_line_option_status"] for e in events] == ["propagated", "pending"]
    assert {(e.resource.type, e.resource.id) for e in events} == {("phone_number", number.id)}
    page = await nl.events.list(limit=1).first_page()
    assert page.meta.last_event_at is not None and page.meta.next_cursor is not None
    assert (await nl.events.get(events[0].id)) == events[0]  # equal, though read anew
    later = [e async for e in nl.events.list(created_after=events[0].created_at.isoformat())]
    assert events[0].id not in [e.id for e in later]


async def test_endpoint_update_deliveries_and_retry(
    nl: AsyncNumlink, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    served(
        ("PATCH", "/v1/webhook-endpoints/{}"),
        ("GET", "/v1/webhook-endpoints/{}/deliveries"),
        ("POST", "/v1/webhook-endpoints/{}/deliveries/{}/retry"),
    )
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
