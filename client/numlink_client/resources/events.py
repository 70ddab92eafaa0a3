"""``client.events``: every state change of the org, newest first."""

from typing import Unpack

from numlink_client._flow import Call, Listing
from numlink_client._routes import Route, page_route
from numlink_client._runtime import Mode, Resource, endpoint, paginated
from numlink_client.models.webhooks import Event, EventFilters

LIST = page_route("/v1/events", Event, EventFilters)
GET = Route("GET", "/v1/events/{}", Event)


class Events(Resource[Mode]):
    @paginated
    def list(self, **filters: Unpack[EventFilters]) -> Listing[Event]:
        """Filters: ``type``, ``resource_id``, ``created_after`` (ISO 8601); each page's
        ``meta.last_event_at`` is the org's newest event."""
        return LIST.listing(**filters)

    @endpoint
    def get(self, event_id: str) -> Call[Event]:
        return GET.call(event_id)
