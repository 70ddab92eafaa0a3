"""Brands and campaigns, their verification and vetting, and the bodies that register them."""

from datetime import datetime
from typing import TypedDict

from pydantic import BaseModel, ConfigDict

from numlink_client.models.base import ApiObject, RequestBody


class _BrandDetails(BaseModel):
    """Who the brand is: on the brand, and in its registration."""

    model_config = ConfigDict(defer_build=True)

    company_name: str | None = None
    ein: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    street: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None
    website: str | None = None
    vertical: str | None = None
    stock_symbol: str | None = None
    stock_exchange: str | None = None
    is_reseller: bool | None = None


class Brand(ApiObject, _BrandDetails):
    id: str
    provider: str
    provider_brand_id: str | None = None
    tcr_brand_id: str | None = None
    display_name: str
    entity_type: str | None = None
    identity_status: str
    status: str
    failure_reasons: list[str] = []
    created_at: datetime
    updated_at: datetime


class _CampaignContent(BaseModel):
    """What a registration says about the messages (also on the campaign)."""

    model_config = ConfigDict(defer_build=True)

    description: str | None = None
    message_flow: str | None = None
    sample_messages: list[str] | None = None
    help_message: str | None = None
    help_keywords: list[str] | None = None
    optin_message: str | None = None
    optin_keywords: list[str] | None = None
    optout_message: str | None = None
    optout_keywords: list[str] | None = None
    sub_usecases: list[str] | None = None
    embedded_link: bool | None = None
    embedded_phone: bool | None = None
    number_pool: bool | None = None
    age_gated: bool | None = None
    direct_lending: bool | None = None
    subscriber_optin: bool | None = None
    subscriber_optout: bool | None = None
    subscriber_help: bool | None = None
    auto_renewal: bool | None = None
    privacy_policy_link: str | None = None
    terms_and_conditions_link: str | None = None


class Campaign(ApiObject, _CampaignContent):
    id: str
    brand_id: str | None = None
    provider: str
    provider_campaign_id: str | None = None
    tcr_campaign_id: str | None = None
    usecase: str | None = None
    status: str
    provider_status: str | None = None
    shared: bool
    failure_reasons: list[str] = []
    created_at: datetime
    updated_at: datetime


class Otp(ApiObject):
    brand_id: str
    status: str
    phone: str | None = None
    sent_at: datetime | None = None
    verified_at: datetime | None = None
    delivery_status: str | None = None


class FeedbackCategory(ApiObject):
    code: str
    title: str
    description: str
    fields: list[str]


class Feedback(ApiObject):
    brand_id: str
    fields: dict[str, str]
    categories: list[FeedbackCategory]


class Vetting(ApiObject):
    evp_id: str
    vetting_class: str
    vetting_id: str | None = None
    status: str
    score: int | None = None
    created_at: datetime | None = None


class CarrierQualification(ApiObject):
    carrier: str
    qualifies: bool
    tpm: int | None = None
    daily_cap: int | None = None
    tier: str | None = None
    review: bool | None = None


class UsecaseCost(ApiObject):
    currency: str
    upfront: str | None = None  # decimal amounts, as strings
    monthly: str | None = None
    quarterly: str | None = None
    annual: str | None = None


class Usecase(ApiObject):
    brand_id: str
    usecase: str
    qualifies: bool
    carriers: list[CarrierQualification]
    cost: UsecaseCost | None = None
    min_sub_usecases: int | None = None
    max_sub_usecases: int | None = None


class Carrier(ApiObject):
    carrier: str
    status: str | None = None
    provider_status: str | None = None
    tpm: int | None = None
    daily_cap: int | None = None
    tier: str | None = None
    reason: str | None = None
    updated_at: datetime | None = None


class CampaignFilters(TypedDict, total=False):
    brand_id: str
    status: str
    limit: int


class PageSize(TypedDict, total=False):
    limit: int


class BrandImport(RequestBody):
    provider: str
    provider_brand_id: str


class BrandFields(RequestBody, _BrandDetails):
    """The registration fields of a brand; which are needed depends on ``entity_type``
    (see docs/registration.md)."""

    entity_type: str | None = None
    display_name: str | None = None


class BrandRegistration(BrandFields):
    """``POST /v1/brands`` registering a new brand at ``provider``."""

    provider: str
    entity_type: str
    display_name: str


class BrandUpdate(BrandFields):
    """``PATCH /v1/brands/{id}``: the fields given are re-submitted to the provider."""


class OtpVerify(RequestBody):
    pin: str


class VettingOrder(RequestBody):
    evp_id: str
    vetting_class: str


class VettingImport(RequestBody):
    evp_id: str
    vetting_id: str
    vetting_token: str | None = None


class CampaignFields(RequestBody, _CampaignContent):
    """What a campaign registration or change says (see docs/registration.md)."""

    usecase: str | None = None


class CampaignRegistration(CampaignFields):
    """``POST /v1/campaigns`` registering a new campaign under ``brand_id``."""

    brand_id: str
    usecase: str
    description: str


class CampaignUpdate(CampaignFields):
    """``PATCH /v1/campaigns/{id}``: the fields the provider lets change."""


class CampaignImport(RequestBody):
    brand_id: str
    provider_campaign_id: str


class SharedCampaignAccept(RequestBody):
    provider: str
    tcr_campaign_id: str


class CampaignAppeal(RequestBody):
    reason: str
