"""10DLC registration in numlink's terms: what the gateway hands an adapter and gets back.

Field names are numlink's (snake_case, one set for every provider, DESIGN.md "Registration");
each adapter maps them to its provider's names and back, also in errors
(``ProviderFieldsRejected.fields``). Every operation is an optional capability: a Protocol
here, declared by a ``Capability`` of the descriptor (``providers.descriptor.PROTOCOLS``);
the gateway answers 422 ``UNSUPPORTED_BY_PROVIDER`` for one a provider does not declare.

Errors, for every method: ``ProviderFieldsRejected`` when the provider refuses named fields
(with its words per field), ``ProviderObjectNotFound`` when the brand or campaign does not
exist there, ``ProviderRejectedError`` for another refusal, ``ProviderTemporaryError`` when
the provider is down, slow, rate limiting or answers garbage (the gateway answers 502).
Adapters never retry a creating call themselves: the gateway decides (see ``ReferenceFinder``).
"""

from dataclasses import asdict, dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from providers.base import BrandInfo, CampaignInfo

ENTITY_TYPES = ("PRIVATE_PROFIT", "PUBLIC_PROFIT", "NON_PROFIT", "GOVERNMENT", "SOLE_PROPRIETOR")
# The Campaign Registry's vocabularies, which every provider shares.
VERTICALS = (
    "AGRICULTURE", "COMMUNICATION", "CONSTRUCTION", "EDUCATION", "ENERGY", "ENTERTAINMENT",
    "FINANCIAL", "GAMBLING", "GOVERNMENT", "HEALTHCARE", "HOSPITALITY", "HUMAN_RESOURCES",
    "INSURANCE", "LEGAL", "MANUFACTURING", "NGO", "POLITICAL", "POSTAL", "PROFESSIONAL",
    "REAL_ESTATE", "RETAIL", "TECHNOLOGY", "TRANSPORTATION",
)  # fmt: skip
STOCK_EXCHANGES = (
    "NONE", "NASDAQ", "NYSE", "AMEX", "AMX", "ASX", "B3", "BME", "BSE", "FRA", "ICEX", "JPX",
    "JSE", "KRX", "LON", "NSE", "OMX", "SEHK", "SSE", "STO", "SWX", "SZSE", "TSX", "TWSE", "VSE",
)  # fmt: skip
STANDARD_USECASES = (
    "2FA", "ACCOUNT_NOTIFICATION", "CUSTOMER_CARE", "DELIVERY_NOTIFICATION", "FRAUD_ALERT",
    "HIGHER_EDUCATION", "LOW_VOLUME", "MARKETING", "MIXED", "POLLING_VOTING",
    "PUBLIC_SERVICE_ANNOUNCEMENT", "SECURITY_ALERT",
)  # fmt: skip
SPECIAL_USECASES = (
    "AGENTS_FRANCHISES", "CARRIER_EXEMPT", "CHARITY", "EMERGENCY", "K12_EDUCATION", "M2M",
    "PLATFORM_FREE_TRIAL", "POLITICAL", "PROXY", "SOCIAL", "SOLE_PROPRIETOR", "SWEEPSTAKE",
    "TRIAL", "UCAAS_HIGH", "UCAAS_LOW",
)  # fmt: skip
USECASES = STANDARD_USECASES + SPECIAL_USECASES
BRAND_STATUSES = ("PENDING", "ACTIVE", "FAILED", "DELETED")
CAMPAIGN_STATUSES = ("PENDING", "ACTIVE", "EXPIRED", "REJECTED", "SUSPENDED", "DEACTIVATED")
# a vetting's state: ordered or imported (PENDING), scored (COMPLETED), refused (FAILED)
VETTING_STATUSES = ("PENDING", "COMPLETED", "FAILED", "EXPIRED")
# an SMS PIN's state; NOT_SENT is the gateway's answer when the provider holds none
OTP_STATUSES = ("NOT_SENT", "SENT", "VERIFIED", "FAILED", "EXPIRED")
# a campaign's state at one carrier
CARRIER_STATUSES = ("PENDING", "APPROVED", "REJECTED", "SUSPENDED", "DEACTIVATED")


class _Fields:
    __slots__ = ()

    def given(self) -> dict[str, Any]:
        """The fields that are set (not None), by numlink name."""
        return {k: v for k, v in asdict(self).items() if v is not None}  # type: ignore[call-overload]

    @classmethod
    def names(cls) -> frozenset[str]:
        return frozenset(f.name for f in fields(cls))  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class BrandFields(_Fields):
    """A brand's registration fields. The gateway has checked them against the rules of
    ``entity_type`` (required address, EIN, names, stock data); None means not given."""

    entity_type: str | None = None  # one of ENTITY_TYPES
    display_name: str | None = None
    company_name: str | None = None
    ein: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None  # E.164; a sole proprietor's mobile, where the SMS PIN goes
    street: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None  # ISO 3166 alpha-2
    website: str | None = None
    vertical: str | None = None  # TCR vertical, e.g. TECHNOLOGY
    stock_symbol: str | None = None
    stock_exchange: str | None = None
    is_reseller: bool | None = None


@dataclass(frozen=True, slots=True)
class CampaignFields(_Fields):
    """A campaign's registration fields (keyword lists are lists; adapters join them the way
    their provider wants, e.g. Telnyx's comma-separated string)."""

    usecase: str | None = None  # TCR usecase, e.g. MIXED, 2FA, SOLE_PROPRIETOR
    description: str | None = None
    message_flow: str | None = None
    sample_messages: tuple[str, ...] | None = None  # 1 to 5
    help_message: str | None = None
    help_keywords: tuple[str, ...] | None = None
    optin_message: str | None = None
    optin_keywords: tuple[str, ...] | None = None
    optout_message: str | None = None
    optout_keywords: tuple[str, ...] | None = None
    sub_usecases: tuple[str, ...] | None = None
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


@dataclass(frozen=True, slots=True)
class BrandRef:
    """The brand a campaign is registered under, as much as providers need of it (Plivo wants
    the vertical on the campaign, sole proprietors have their own usecase)."""

    provider_brand_id: str
    tcr_brand_id: str | None = None
    entity_type: str | None = None
    vertical: str | None = None


@dataclass(frozen=True, slots=True)
class Vetting:
    evp_id: str  # the external vetting provider, e.g. AEGIS
    vetting_class: str  # e.g. STANDARD
    vetting_id: str | None  # the vetting provider's id, once known
    status: str  # one of VETTING_STATUSES
    score: int | None = None  # 0-100, once COMPLETED
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class OtpStatus:
    status: str  # one of OTP_STATUSES (never NOT_SENT: adapters answer None instead)
    phone: str | None = None  # where the PIN went
    sent_at: datetime | None = None
    verified_at: datetime | None = None
    delivery_status: str | None = None  # the provider's own word, e.g. DELIVERED_HANDSET


@dataclass(frozen=True, slots=True)
class FeedbackItem:
    """One reason a brand failed: ``fields`` are numlink field names (``ein``…)."""

    code: str  # e.g. TAX_ID, STOCK_SYMBOL, GOVERNMENT_ENTITY, NONPROFIT, OTHERS
    title: str
    description: str
    fields: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CarrierQualification:
    carrier: str  # e.g. AT&T, T-Mobile, Verizon Wireless
    qualifies: bool
    tpm: int | None = None  # messages per minute
    daily_cap: int | None = None  # messages per day (T-Mobile's brand cap)
    tier: str | None = None  # the carrier's brand tier
    review: bool | None = None  # the carrier reviews the campaign by hand


@dataclass(frozen=True, slots=True)
class UsecaseCost:
    """What registering a campaign of the usecase costs (decimal amounts, None: unknown)."""

    currency: str = "USD"
    upfront: Decimal | None = None
    monthly: Decimal | None = None
    quarterly: Decimal | None = None
    annual: Decimal | None = None


@dataclass(frozen=True, slots=True)
class UsecaseQualification:
    usecase: str
    qualifies: bool  # the brand may register a campaign of this usecase
    carriers: tuple[CarrierQualification, ...] = ()
    cost: UsecaseCost | None = None
    min_sub_usecases: int | None = None
    max_sub_usecases: int | None = None


@dataclass(frozen=True, slots=True)
class CarrierStatus:
    """A campaign at one carrier (Telnyx operation status and MNO metadata, Plivo's
    ``mno_metadata``)."""

    carrier: str
    status: str  # one of CARRIER_STATUSES
    provider_status: str | None = None  # the provider's own word, e.g. REVIEW
    tpm: int | None = None
    daily_cap: int | None = None
    tier: str | None = None
    reason: str | None = None


# ---- capabilities: one Protocol each ------------------------------------------------------


@runtime_checkable
class BrandRegistrar(Protocol):
    async def register_brand(self, fields: BrandFields, client_ref: str) -> BrandInfo:
        """Create the brand. ``client_ref`` is numlink's reference for this registration
        (``nl_`` + 32 hex, unique): send it where the provider keeps a caller reference, or
        somewhere ``ReferenceFinder.find_brand`` can recognise the brand by (e.g. the webhook
        URL's query), so that after a crash the gateway finds the brand instead of creating
        a second one. Pass the account's webhook URL (``AdapterContext.webhook_url``) as the
        brand's status callback where the provider takes one. Returns the brand as created
        (usually PENDING)."""
        ...


@runtime_checkable
class ReferenceFinder(Protocol):
    """Required with ``BrandRegistrar`` and ``CampaignRegistrar``: crash recovery."""

    async def find_brand(self, client_ref: str, fields: BrandFields) -> BrandInfo | None:
        """The brand an earlier ``register_brand`` with this ``client_ref`` created, or None
        if the provider holds none. ``fields`` are that registration's (to narrow a search by
        name). Must not create anything; a temporary failure raises."""
        ...

    async def find_campaign(self, client_ref: str, brand: BrandRef) -> CampaignInfo | None:
        """As ``find_brand``, for ``register_campaign`` (Telnyx: ``referenceId``)."""
        ...


@runtime_checkable
class BrandUpdater(Protocol):
    async def update_brand(
        self, provider_brand_id: str, fields: BrandFields, changed: frozenset[str]
    ) -> BrandInfo:
        """Re-submit the brand: ``fields`` is the whole brand after the change (for providers
        whose update replaces it, e.g. Telnyx's PUT), ``changed`` the names the org changed
        (for providers that take a partial update). Only names in the descriptor's
        ``updatable_brand_fields`` are ever changed."""
        ...


@runtime_checkable
class BrandDeleter(Protocol):
    async def delete_brand(self, provider_brand_id: str) -> None:
        """Delete at the provider. A brand already gone raises ``ProviderObjectNotFound``
        (the gateway counts it as deleted)."""
        ...


@runtime_checkable
class TwoFactorEmailSender(Protocol):
    async def resend_2fa_email(self, provider_brand_id: str) -> None:
        """Send the brand's verification email again (public companies)."""
        ...


@runtime_checkable
class SmsOtp(Protocol):
    """Sole proprietors verify with a PIN sent by SMS to the brand's ``phone``."""

    async def send_otp(self, provider_brand_id: str) -> OtpStatus:
        """Send (or send again) the PIN; returns its status (SENT)."""
        ...

    async def verify_otp(self, provider_brand_id: str, pin: str) -> OtpStatus:
        """Check the PIN; a wrong or expired one raises ``ProviderFieldsRejected`` on ``pin``.
        Returns the status after verification (VERIFIED)."""
        ...

    async def get_otp(self, provider_brand_id: str) -> OtpStatus | None:
        """The last PIN's status; None if none was sent."""
        ...


@runtime_checkable
class BrandFeedbackReader(Protocol):
    async def brand_feedback(self, provider_brand_id: str) -> tuple[FeedbackItem, ...]:
        """Why the brand failed registration or vetting, per field ((): nothing to say)."""
        ...


@runtime_checkable
class Vetter(Protocol):
    async def list_vettings(self, provider_brand_id: str) -> tuple[Vetting, ...]: ...

    async def order_vetting(
        self, provider_brand_id: str, evp_id: str, vetting_class: str
    ) -> Vetting:
        """Order an external vetting; a duplicate order the provider refuses raises
        ``ProviderFieldsRejected`` (on ``evp_id``/``vetting_class``)."""
        ...


@runtime_checkable
class VettingImporter(Protocol):
    async def import_vetting(
        self, provider_brand_id: str, evp_id: str, vetting_id: str, vetting_token: str | None
    ) -> Vetting:
        """Attach a vetting done elsewhere (by its vetting provider's id and token)."""
        ...


@runtime_checkable
class Revetter(Protocol):
    async def revet_brand(self, provider_brand_id: str) -> BrandInfo: ...


@runtime_checkable
class UsecaseQualifier(Protocol):
    async def qualify_usecase(self, provider_brand_id: str, usecase: str) -> UsecaseQualification:
        """Whether the brand qualifies for the usecase, per carrier, and the cost. A provider
        that only lists the usecases a brand qualifies for (Plivo) answers ``qualifies`` from
        that list and leaves carriers and cost empty."""
        ...


@runtime_checkable
class CampaignRegistrar(Protocol):
    async def register_campaign(
        self, brand: BrandRef, fields: CampaignFields, client_ref: str
    ) -> CampaignInfo:
        """Create the campaign under the brand; ``client_ref`` as in ``register_brand``.
        Returns the campaign as created (usually PENDING)."""
        ...


@runtime_checkable
class CampaignUpdater(Protocol):
    async def update_campaign(
        self, provider_campaign_id: str, fields: CampaignFields, changed: frozenset[str]
    ) -> CampaignInfo:
        """As ``BrandUpdater.update_brand``; ``changed`` is within the descriptor's
        ``updatable_campaign_fields``."""
        ...


@runtime_checkable
class CampaignDeactivator(Protocol):
    async def deactivate_campaign(self, provider_campaign_id: str) -> None:
        """End the campaign at the provider (it cannot be restored). One already gone raises
        ``ProviderObjectNotFound`` (the gateway counts it as deactivated)."""
        ...


@runtime_checkable
class CampaignAppealer(Protocol):
    async def appeal_campaign(self, provider_campaign_id: str, reason: str) -> CampaignInfo:
        """Ask for a rejected campaign to be reviewed again; returns it after the appeal
        (Telnyx resets it to TCR_ACCEPTED, numlink PENDING)."""
        ...


@runtime_checkable
class CarrierStatusReader(Protocol):
    async def carrier_statuses(self, provider_campaign_id: str) -> tuple[CarrierStatus, ...]:
        """The campaign at each carrier, with its limits."""
        ...


@runtime_checkable
class SharedCampaignAcceptor(Protocol):
    """Campaigns another CSP registered and shared with this account, by TCR id."""

    async def accept_shared_campaign(self, tcr_campaign_id: str) -> CampaignInfo:
        """Accept the sharing (Telnyx acceptSharing, then the partner campaign; Plivo campaign
        import) and return the campaign. Must be idempotent: accepting one already accepted
        returns it, so a retry after a crash is safe."""
        ...

    async def get_shared_campaign(self, provider_campaign_id: str) -> CampaignInfo:
        """Read an accepted shared campaign (refresh and polling)."""
        ...


@runtime_checkable
class RegistrationSimulator(Protocol):
    """A provider that plays the registry too (the sandbox): test helpers force its state, so
    that polling it agrees with what a helper set."""

    async def force_brand(
        self, provider_brand_id: str, identity_status: str | None, status: str | None
    ) -> None: ...

    async def force_campaign(self, provider_campaign_id: str, status: str) -> None: ...
