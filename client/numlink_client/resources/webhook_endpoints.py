"""``client.webhook_endpoints``: where events are POSTed, their secrets and deliveries, and
the org's signing secret (for numbers' ``status_url``)."""

from collections.abc import Sequence
from typing import Unpack

from numlink_client._flow import Call, Listing, body
from numlink_client._routes import Route, page_route
from numlink_client._runtime import Mode, Resource, endpoint, paginated
from numlink_client.models.registration import PageSize
from numlink_client.models.webhooks import (
    Delivery,
    EndpointCreate,
    EndpointUpdate,
    EndpointUpdateFields,
    SecretRotate,
    SigningSecret,
    WebhookEndpoint,
    WebhookEndpointWithSecret,
)

ENDPOINT = "/v1/webhook-endpoints/{}"
CREATE = Route("POST", "/v1/webhook-endpoints", WebhookEndpointWithSecret, (EndpointCreate,))
LIST = page_route("/v1/webhook-endpoints", WebhookEndpoint, PageSize)
GET = Route("GET", ENDPOINT, WebhookEndpoint)
UPDATE = Route("PATCH", ENDPOINT, WebhookEndpoint, (EndpointUpdate,))
DELETE = Route("DELETE", ENDPOINT, WebhookEndpoint)
ROTATE = Route("POST", ENDPOINT + "/rotate-secret", WebhookEndpointWithSecret, (SecretRotate,))
DELIVERIES = page_route(ENDPOINT + "/deliveries", Delivery, PageSize)
RETRY = Route("POST", ENDPOINT + "/deliveries/{}/retry", Delivery)
SIGNING_SECRET = Route("GET", "/v1/webhook-signing-secret", SigningSecret)


class WebhookEndpoints(Resource[Mode]):
    @endpoint
    def create(
        self,
        *,
        url: str,
        description: str | None = None,
        enabled_events: Sequence[str] | None = None,
        idempotency_key: str | None = None,
    ) -> Call[WebhookEndpointWithSecret]:
        """Adds an endpoint; the answer carries its ``secret``, shown this once."""
        events = None if enabled_events is None else list(enabled_events)
        request = body(EndpointCreate, url=url, description=description, enabled_events=events)
        return CREATE.call(body=request, key=idempotency_key)

    @paginated
    def list(self, *, limit: int | None = None) -> Listing[WebhookEndpoint]:
        return LIST.listing(limit=limit)

    @endpoint
    def get(self, endpoint_id: str) -> Call[WebhookEndpoint]:
        return GET.call(endpoint_id)

    @endpoint
    def update(
        self,
        endpoint_id: str,
        *,
        idempotency_key: str | None = None,
        **fields: Unpack[EndpointUpdateFields],
    ) -> Call[WebhookEndpoint]:
        """Changes the fields given; ``disabled=False`` re-enables a disabled endpoint."""
        return UPDATE.call(endpoint_id, body=EndpointUpdate(**fields), key=idempotency_key)

    @endpoint
    def delete(
        self, endpoint_id: str, *, idempotency_key: str | None = None
    ) -> Call[WebhookEndpoint]:
        """Disables the endpoint (its pending deliveries are dropped)."""
        return DELETE.call(endpoint_id, key=idempotency_key)

    @endpoint
    def rotate_secret(
        self, endpoint_id: str, *, secret: str | None = None, idempotency_key: str | None = None
    ) -> Call[WebhookEndpointWithSecret]:
        """A new secret (generated, or ``secret``, a ``whsec_`` of your own), in force at
        once."""
        request = body(SecretRotate, secret=secret)
        return ROTATE.call(endpoint_id, body=request, key=idempotency_key)

    @paginated
    def deliveries(self, endpoint_id: str, *, limit: int | None = None) -> Listing[Delivery]:
        """Deliveries to the endpoint: attempts, last status, next attempt."""
        return DELIVERIES.listing(endpoint_id, limit=limit)

    @endpoint
    def retry_delivery(
        self, endpoint_id: str, delivery_id: str, *, idempotency_key: str | None = None
    ) -> Call[Delivery]:
        return RETRY.call(endpoint_id, delivery_id, key=idempotency_key)

    @endpoint
    def signing_secret(self) -> Call[SigningSecret]:
        """The secret that signs webhooks to numbers' ``status_url`` (this org and mode)."""
        return SIGNING_SECRET.call()
