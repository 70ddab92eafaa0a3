import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from app.db.models import BrandStatus, IdentityStatus
from app.kit.schemas import RequestSchema, ResponseSchema
from app.provider_accounts.schemas import ProviderName
from providers import registration as reg

EntityType = Literal[reg.ENTITY_TYPES]  # type: ignore[valid-type]
Vertical = Literal[reg.VERTICALS]  # type: ignore[valid-type]
StockExchange = Literal[reg.STOCK_EXCHANGES]  # type: ignore[valid-type]
Usecase = Literal[reg.USECASES]  # type: ignore[valid-type]


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")) or len(value.split("//", 1)[1]) < 3:
        raise ValueError("must be an absolute http(s) URL")
    return value


Text100 = Annotated[str, Field(min_length=1, max_length=100)]
Email = Annotated[str, Field(max_length=100, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Phone = Annotated[
    str, Field(pattern=r"^\+[1-9][0-9]{6,14}$", description="E.164, e.g. +14155552671")
]
Website = Annotated[str, Field(max_length=100), AfterValidator(_http_url)]


class BrandFieldsIn(RequestSchema):
    """A brand's registration fields (all optional here; which ones a registration needs
    depends on ``entity_type``, see app.brands.rules)."""

    entity_type: EntityType | None = None
    display_name: Text100 | None = None
    company_name: Text100 | None = None
    ein: Annotated[str, Field(pattern=r"^[0-9A-Za-z-]{1,20}$")] | None = Field(
        default=None, description="tax id (a US EIN is 9 digits)"
    )
    first_name: Text100 | None = None
    last_name: Text100 | None = None
    email: Email | None = None
    phone: Phone | None = None
    street: Text100 | None = None
    city: Text100 | None = None
    state: Annotated[str, Field(min_length=1, max_length=20)] | None = Field(
        default=None, description="2 letters in the US"
    )
    postal_code: Annotated[str, Field(min_length=1, max_length=10)] | None = None
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = Field(
        default=None, description="ISO 3166 alpha-2, e.g. US"
    )
    website: Website | None = None
    vertical: Vertical | None = None
    stock_symbol: Annotated[str, Field(min_length=1, max_length=10)] | None = None
    stock_exchange: StockExchange | None = None
    is_reseller: bool | None = None


class BrandImport(RequestSchema):
    provider: ProviderName
    provider_brand_id: str = Field(min_length=1, max_length=255)


class BrandRegister(BrandFieldsIn):
    """Register a brand at ``provider`` (instead of importing one by ``provider_brand_id``)."""

    provider: ProviderName
    entity_type: EntityType
    display_name: Text100


class BrandUpdate(BrandFieldsIn):
    """Fields to re-submit; the result must still satisfy the rules of its entity type."""


class BrandOut(ResponseSchema):
    id: uuid.UUID
    provider: str
    provider_brand_id: str
    tcr_brand_id: str | None
    display_name: str | None
    entity_type: str | None
    company_name: str | None
    ein: str | None
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    street: str | None
    city: str | None
    state: str | None
    postal_code: str | None
    country: str | None
    website: str | None
    vertical: str | None
    stock_symbol: str | None
    stock_exchange: str | None
    is_reseller: bool | None
    identity_status: IdentityStatus
    status: BrandStatus
    failure_reasons: list[str]
    created_at: datetime
    updated_at: datetime


class OtpVerify(RequestSchema):
    pin: str = Field(min_length=4, max_length=10, pattern=r"^[0-9A-Za-z]+$")


class OtpOut(ResponseSchema):
    brand_id: uuid.UUID
    status: Literal[reg.OTP_STATUSES]  # type: ignore[valid-type]
    phone: str | None = None
    sent_at: datetime | None = None
    verified_at: datetime | None = None
    delivery_status: str | None = None


class FeedbackCategory(ResponseSchema):
    code: str
    title: str
    description: str
    fields: list[str]


class FeedbackOut(ResponseSchema):
    brand_id: uuid.UUID
    fields: dict[str, str]  # numlink field → why it failed
    categories: list[FeedbackCategory]


EvpId = Annotated[str, Field(min_length=1, max_length=10)]


class VettingOrder(RequestSchema):
    evp_id: EvpId
    vetting_class: str = Field(min_length=1, max_length=64)


class VettingImport(RequestSchema):
    evp_id: EvpId
    vetting_id: str = Field(min_length=1, max_length=255)
    vetting_token: str | None = Field(default=None, min_length=1, max_length=1024)


class VettingOut(ResponseSchema):
    evp_id: str
    vetting_class: str
    vetting_id: str | None
    status: str
    score: int | None
    created_at: datetime | None


class CarrierQualificationOut(ResponseSchema):
    carrier: str
    qualifies: bool
    tpm: int | None
    daily_cap: int | None
    tier: str | None
    review: bool | None


class UsecaseCostOut(ResponseSchema):
    """Decimal amounts as strings (e.g. "10.00"), None when the provider does not say."""

    currency: str
    upfront: str | None
    monthly: str | None
    quarterly: str | None
    annual: str | None


class UsecaseOut(ResponseSchema):
    brand_id: uuid.UUID
    usecase: str
    qualifies: bool
    carriers: list[CarrierQualificationOut]
    cost: UsecaseCostOut | None
    min_sub_usecases: int | None
    max_sub_usecases: int | None
