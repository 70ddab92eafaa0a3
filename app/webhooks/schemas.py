import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field, field_validator

from app.events.types import EventType
from app.kit.schemas import FreeText, RequestSchema, ResponseSchema
from app.kit.urls import WebhookUrl
from app.webhooks.signing import is_valid_secret

KNOWN_TYPES = ", ".join(t.value for t in EventType)


def _whsec(value: str) -> str:
    if not is_valid_secret(value):
        raise ValueError("must be whsec_ followed by base64 of 24 to 64 bytes")
    return value


def _known_type(value: str) -> str:
    if value not in EventType.__members__.values():
        raise ValueError(f"unknown event type {value!r}; known: {KNOWN_TYPES}")
    return value


def _distinct_sorted(values: list[str] | None) -> list[str] | None:
    return None if values is None else sorted(set(values))


EventTypes = Annotated[
    list[Annotated[str, AfterValidator(_known_type)]],
    Field(
        min_length=1,
        max_length=64,
        description="The event types delivered to this endpoint; null (the default): all of "
        "them, including types added later.",
        json_schema_extra={"items": {"enum": [t.value for t in EventType]}},
    ),
    AfterValidator(_distinct_sorted),
]
Description = Annotated[FreeText, Field(max_length=500)]


class EndpointCreate(RequestSchema):
    url: WebhookUrl
    description: Description | None = None
    enabled_events: EventTypes | None = None


class EndpointUpdate(RequestSchema):
    """Only the fields sent change. ``disabled: false`` re-enables a disabled endpoint (its
    failure record cleared); ``disabled: true`` disables it like DELETE."""

    url: WebhookUrl | None = None
    description: Description | None = None
    enabled_events: EventTypes | None = None
    disabled: bool | None = None

    @field_validator("url", "disabled", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:  # runs only for fields sent: an omitted one stays unchanged
            raise ValueError("may not be null")
        return value


class SecretRotate(RequestSchema):
    """The body is optional: without ``secret`` a new one is generated."""

    secret: Annotated[str, AfterValidator(_whsec)] | None = Field(
        default=None, description="A secret of your own (whsec_…); generated when omitted."
    )


class EndpointOut(ResponseSchema):
    id: uuid.UUID
    url: str
    description: str | None
    enabled_events: list[str] | None  # None: every type
    disabled_at: datetime | None
    disabled_reason: str | None
    created_at: datetime
    updated_at: datetime


class EndpointWithSecret(EndpointOut):
    """Only the create and rotate responses carry the secret."""

    secret: str


class SigningSecretOut(ResponseSchema):
    secret: str
    created_at: datetime


class DeliveryOut(ResponseSchema):
    """One event's delivery to one endpoint: its id is not the webhook-id (that is the
    event's id, ``event_id``, the same for every attempt and retry)."""

    id: uuid.UUID
    event_id: uuid.UUID | None
    event_type: str
    status: str  # pending (an attempt is due or running), delivered, failed (no more attempts)
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime
