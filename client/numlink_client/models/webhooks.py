"""Webhook endpoints and their deliveries, the signing secret, and events."""

from datetime import datetime
from typing import Any, TypedDict

from numlink_client.models.base import ApiObject, RequestBody


class WebhookEndpoint(ApiObject):
    id: str
    url: str
    description: str | None = None
    enabled_events: list[str] | None = None  # None: every event
    disabled_at: datetime | None = None
    disabled_reason: str | None = None
    created_at: datetime
    updated_at: datetime


class WebhookEndpointWithSecret(WebhookEndpoint):
    """An endpoint as created or rotated: the only time its ``secret`` is shown."""

    secret: str


class SigningSecret(ApiObject):
    """The org's secret for webhooks to numbers' ``status_url``."""

    secret: str
    created_at: datetime


class Delivery(ApiObject):
    """One event's delivery to one endpoint: attempts so far, the last answer, the next
    attempt."""

    id: str
    event_id: str | None = None
    event_type: str
    status: str
    attempts: int
    last_status_code: int | None = None
    last_error: str | None = None
    next_attempt_at: datetime | None = None
    delivered_at: datetime | None = None
    created_at: datetime


class EventResource(ApiObject):
    type: str
    id: str


class Event(ApiObject):
    """A state change, e.g. ``phone_number.carrier_line_option.updated``."""

    id: str
    type: str
    created_at: datetime
    resource: EventResource
    data: dict[str, Any]


class WebhookEvent(ApiObject):
    """A verified webhook's body: an event (``id``, ``created_at``, ``resource`` when the
    gateway sends them; a number's status change carries ``timestamp``)."""

    type: str
    data: dict[str, Any]
    id: str | None = None
    created_at: datetime | None = None
    timestamp: datetime | None = None
    resource: EventResource | None = None


class EventFilters(TypedDict, total=False):
    type: str
    resource_id: str
    created_after: str  # ISO 8601
    limit: int


class EndpointCreate(RequestBody):
    url: str
    description: str | None = None
    enabled_events: list[str] | None = None


class EndpointUpdate(RequestBody):
    url: str | None = None
    description: str | None = None
    enabled_events: list[str] | None = None
    disabled: bool | None = None


class EndpointUpdateFields(TypedDict, total=False):
    """The keyword arguments of ``webhook_endpoints.update``: only those given are sent;
    ``disabled=False`` re-enables a disabled endpoint, ``enabled_events=None`` subscribes it
    to every event."""

    url: str
    description: str | None
    enabled_events: list[str] | None
    disabled: bool


class SecretRotate(RequestBody):
    secret: str | None = None
