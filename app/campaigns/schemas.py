import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field

from app.brands.schemas import Usecase, Website
from app.db.models import CampaignStatus
from app.kit.schemas import RequestSchema, ResponseSchema
from app.provider_accounts.schemas import ProviderName

Message = Annotated[str, Field(min_length=1, max_length=1024)]
LongText = Annotated[str, Field(min_length=1, max_length=4096)]
Keyword = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,30}$")]
Keywords = Annotated[list[Keyword], Field(min_length=1, max_length=20)]
TcrCampaignId = Annotated[
    str, Field(pattern=r"^C[A-Z0-9]{5,8}$", description="The Campaign Registry's id, e.g. C1A2B3C")
]


class CampaignImport(RequestSchema):
    brand_id: uuid.UUID
    provider_campaign_id: str = Field(min_length=1, max_length=255)


class SharedCampaignAccept(RequestSchema):
    """Accept a campaign another CSP shared with this account."""

    provider: ProviderName
    tcr_campaign_id: TcrCampaignId


class CampaignFieldsIn(RequestSchema):
    """A campaign's registration fields (keywords are lists, e.g. ["STOP", "END"])."""

    description: LongText | None = None
    message_flow: LongText | None = None
    sample_messages: Annotated[list[Message], Field(min_length=1, max_length=5)] | None = None
    help_message: Message | None = None
    help_keywords: Keywords | None = None
    optin_message: Message | None = None
    optin_keywords: Keywords | None = None
    optout_message: Message | None = None
    optout_keywords: Keywords | None = None
    sub_usecases: Annotated[list[Usecase], Field(min_length=1, max_length=5)] | None = None
    embedded_link: bool | None = None
    embedded_phone: bool | None = None
    number_pool: bool | None = None
    age_gated: bool | None = None
    direct_lending: bool | None = None
    subscriber_optin: bool | None = None
    subscriber_optout: bool | None = None
    subscriber_help: bool | None = None
    auto_renewal: bool | None = None
    privacy_policy_link: Website | None = None
    terms_and_conditions_link: Website | None = None


class CampaignRegister(CampaignFieldsIn):
    """Register a campaign under a brand (instead of importing one by provider id)."""

    brand_id: uuid.UUID
    usecase: Usecase
    description: LongText


class CampaignUpdate(CampaignFieldsIn):
    """Fields to change; which ones a provider lets change differs (see docs/providers.md)."""

    usecase: Usecase | None = None


class CampaignAppeal(RequestSchema):
    reason: str = Field(min_length=1, max_length=2048)


class CampaignOut(ResponseSchema):
    id: uuid.UUID
    brand_id: uuid.UUID | None
    provider: str
    provider_campaign_id: str
    tcr_campaign_id: str | None
    usecase: str | None
    status: CampaignStatus
    provider_status: str | None
    shared: bool
    description: str | None
    message_flow: str | None
    sample_messages: list[str] | None
    help_message: str | None
    help_keywords: list[str] | None
    optin_message: str | None
    optin_keywords: list[str] | None
    optout_message: str | None
    optout_keywords: list[str] | None
    sub_usecases: list[str] | None
    embedded_link: bool | None
    embedded_phone: bool | None
    number_pool: bool | None
    age_gated: bool | None
    direct_lending: bool | None
    subscriber_optin: bool | None
    subscriber_optout: bool | None
    subscriber_help: bool | None
    auto_renewal: bool | None
    privacy_policy_link: str | None
    terms_and_conditions_link: str | None
    failure_reasons: list[str]
    created_at: datetime
    updated_at: datetime


class CarrierOut(ResponseSchema):
    carrier: str
    status: str
    provider_status: str | None
    tpm: int | None
    daily_cap: int | None
    tier: str | None
    reason: str | None
    updated_at: datetime | None
