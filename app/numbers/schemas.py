import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from app.kit.phone import E164_JSON_PATTERN, NUMBER_TYPES
from app.kit.schemas import FreeText, RequestSchema, ResponseSchema
from app.kit.urls import WebhookUrl
from app.provider_accounts.schemas import ProviderName

LineStatusName = Literal["pending", "propagated", "failed"]
NumberType = Literal[NUMBER_TYPES]  # type: ignore[valid-type]


Label = Annotated[FreeText, Field(max_length=255)]


class NumberRegister(RequestSchema):
    number: str = Field(
        max_length=32,
        description="E.164, e.g. +14155552671",
        json_schema_extra={"pattern": E164_JSON_PATTERN},
    )
    provider: ProviderName
    label: Label | None = None
    inbound_url: WebhookUrl | None = None
    status_url: WebhookUrl | None = None


class NumberUpdate(RequestSchema):
    """Only these four fields; ``campaign_id`` goes through the attach rules (null detaches)."""

    inbound_url: WebhookUrl | None = None
    status_url: WebhookUrl | None = None
    label: Label | None = None
    campaign_id: uuid.UUID | None = None


class AttachCampaign(RequestSchema):
    campaign_id: uuid.UUID


class NumberOut(ResponseSchema):
    id: uuid.UUID
    number: str
    number_type: str
    provider: str
    inbound_url: str | None
    status_url: str | None
    label: str | None
    campaign_id: uuid.UUID | None
    # that campaign's status: a number keeps its link while the campaign is SUSPENDED,
    # EXPIRED or DEACTIVATED, and new attaches to it are refused (rule 3)
    campaign_status: str | None
    carrier_line_option_status: LineStatusName | None
    carrier_line_option_propagated_at: datetime | None
    carrier_line_option_error: str | None
    assigned: bool
    sms_enabled: bool
    mms_enabled: bool
    messaging_profile_id: str | None
    released_at: datetime | None  # when a sync or refresh found it gone from the account
    created_at: datetime
    updated_at: datetime
