"""What a provider package exports: one descriptor, everything the gateway needs to know of it.

The gateway never names a provider: it reads the catalog (``providers.catalog``) and asks each
descriptor for its settings, its credential schema, its adapter, its webhook handling and its
capabilities. A provider that runs inside the gateway (the sandbox) keeps its own state through
``LinkLedger``, which the gateway implements on its database.
"""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

import httpx
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from providers import registration as reg
from providers.base import Provider
from providers.events import ProviderEvent
from providers.http import RateSignal, read_rate_signal


class Capability(StrEnum):
    BATCH_LINK = "batch_link"  # links many numbers of one campaign per call (``link_many``)
    MOVE = "move"  # moves a number between campaigns in one call
    ASSIGN_BY_PROFILE = "assign_by_profile"  # links a messaging profile's numbers (ProfileAssigner)
    LIST_NUMBERS = "list_numbers"  # lists the account's numbers page by page (InventoryLister)
    # lists the numbers held on a campaign page by page (CampaignNumberLister)
    LIST_CAMPAIGN_NUMBERS = "list_campaign_numbers"
    # lists the numbers of one messaging profile (a number pool), ``list_numbers`` with a profile
    LIST_PROFILE_NUMBERS = "list_profile_numbers"
    # registration (DESIGN.md "Registration"); each needs the Protocol of PROTOCOLS
    REGISTER_BRAND = "register_brand"
    FIND_BY_REFERENCE = "find_by_reference"  # required by REGISTER_BRAND and REGISTER_CAMPAIGN
    UPDATE_BRAND = "update_brand"
    DELETE_BRAND = "delete_brand"
    RESEND_2FA_EMAIL = "resend_2fa_email"
    SMS_OTP = "sms_otp"
    BRAND_FEEDBACK = "brand_feedback"
    VETTING = "vetting"  # list and order external vettings
    IMPORT_VETTING = "import_vetting"
    REVET = "revet"
    QUALIFY_USECASE = "qualify_usecase"
    REGISTER_CAMPAIGN = "register_campaign"
    UPDATE_CAMPAIGN = "update_campaign"
    DEACTIVATE_CAMPAIGN = "deactivate_campaign"
    APPEAL_CAMPAIGN = "appeal_campaign"
    CARRIER_STATUS = "carrier_status"
    ACCEPT_SHARED_CAMPAIGN = "accept_shared_campaign"


# What an adapter of a provider declaring the capability must implement.
PROTOCOLS: dict[Capability, type] = {
    Capability.REGISTER_BRAND: reg.BrandRegistrar,
    Capability.FIND_BY_REFERENCE: reg.ReferenceFinder,
    Capability.UPDATE_BRAND: reg.BrandUpdater,
    Capability.DELETE_BRAND: reg.BrandDeleter,
    Capability.RESEND_2FA_EMAIL: reg.TwoFactorEmailSender,
    Capability.SMS_OTP: reg.SmsOtp,
    Capability.BRAND_FEEDBACK: reg.BrandFeedbackReader,
    Capability.VETTING: reg.Vetter,
    Capability.IMPORT_VETTING: reg.VettingImporter,
    Capability.REVET: reg.Revetter,
    Capability.QUALIFY_USECASE: reg.UsecaseQualifier,
    Capability.REGISTER_CAMPAIGN: reg.CampaignRegistrar,
    Capability.UPDATE_CAMPAIGN: reg.CampaignUpdater,
    Capability.DEACTIVATE_CAMPAIGN: reg.CampaignDeactivator,
    Capability.APPEAL_CAMPAIGN: reg.CampaignAppealer,
    Capability.CARRIER_STATUS: reg.CarrierStatusReader,
    Capability.ACCEPT_SHARED_CAMPAIGN: reg.SharedCampaignAcceptor,
}
_NEEDS_LOOKUP = (Capability.REGISTER_BRAND, Capability.REGISTER_CAMPAIGN)


class ProviderSettings(BaseSettings):
    """A provider's own settings, read from the environment under its prefix."""

    model_config = SettingsConfigDict(extra="ignore")

    def platform_credentials(self) -> dict[str, str] | None:
        """Platform-wide credentials for orgs without an account of their own, if set."""
        return None


class HttpProviderSettings(ProviderSettings):
    """Settings of a provider reached over HTTP with a request rate shared by all workers."""

    base_url: str
    rate_per_s: float = Field(gt=0)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """A number's link as a provider that runs inside the gateway holds it."""

    number: str
    campaign_ref: str | None
    state: str  # the provider's own word for the operation (e.g. linking, unlinking)
    outcome: str  # how it ends (e.g. success, failure)
    reason: str | None


@dataclass(frozen=True, slots=True)
class LedgerRead:
    entry: LedgerEntry
    settled: bool  # the operation has ended


class LinkLedger(Protocol):
    """Storage of a provider that runs inside the gateway, bound to one org."""

    async def record(self, entries: Sequence[LedgerEntry], settle_in_s: float) -> None:
        """Insert or replace each number's entry; it counts as settled after ``settle_in_s``."""
        ...

    async def read(self, number: str) -> LedgerRead | None: ...

    async def forget(self, number: str) -> None: ...

    async def page_by_campaign(
        self, campaign_ref: str, after: str | None, limit: int
    ) -> list[LedgerRead]:
        """Entries whose operation concerns the campaign, by number, after ``after``."""
        ...


@dataclass(frozen=True, slots=True)
class HeldNumber:
    """A number on the account of a provider that runs inside the gateway."""

    number: str
    messaging_profile_id: str | None
    assigned: bool
    released: bool


class InventoryLedger(Protocol):
    """The account of a provider that runs inside the gateway (its numbers), bound to one org."""

    async def hold(
        self, numbers: Sequence[str], messaging_profile_id: str | None, assigned: bool
    ) -> None:
        """Put the numbers on the account (again), replacing what was known of them."""
        ...

    async def release(self, numbers: Sequence[str]) -> None: ...

    async def read(self, number: str) -> HeldNumber | None: ...

    async def page(
        self, after: str | None, limit: int, messaging_profile_id: str | None
    ) -> list[HeldNumber]:
        """Numbers still on the account, by number, after ``after``."""
        ...


@dataclass(frozen=True, slots=True)
class LedgerObject:
    """A registration object (brand, campaign, vetting…) as a provider that runs inside the
    gateway keeps it: its own JSON document, and how long ago it was first recorded (by the
    database's clock, the same for every process)."""

    kind: str
    ref: str
    client_ref: str | None
    document: Mapping[str, Any]
    age_s: float


class ObjectLedger(Protocol):
    """Registration storage of a provider that runs inside the gateway, bound to one org. Each
    call is its own transaction, as a provider's own storage would be."""

    async def put(
        self, kind: str, ref: str, document: Mapping[str, Any], client_ref: str | None = None
    ) -> LedgerObject:
        """Insert, or replace the document of, ``(kind, ref)``; the first record's time and
        reference are kept. Returns the object as stored."""
        ...

    async def get(self, kind: str, ref: str) -> LedgerObject | None: ...

    async def find(self, kind: str, client_ref: str) -> LedgerObject | None:
        """The object recorded with this caller reference."""
        ...


@dataclass(frozen=True, slots=True)
class AdapterContext:
    """What an adapter is built from: one account (or, for the sandbox, one org)."""

    name: str  # the provider name the adapter answers for
    settings: ProviderSettings
    credentials: Mapping[str, str]  # empty for providers without accounts
    webhook_url: str  # where the provider must send its events for this account
    http: httpx.AsyncClient | None = None  # pooled and rate limited; None for in-gateway ones
    ledger: LinkLedger | None = None  # for providers that run inside the gateway
    inventory: InventoryLedger | None = None  # likewise: the numbers its account holds
    objects: ObjectLedger | None = None  # their registration objects

    def client(self) -> httpx.AsyncClient:
        if self.http is None:
            raise RuntimeError(f"{self.name}: built without an HTTP client")
        return self.http

    def __repr__(self) -> str:  # credentials stay out of logs and tracebacks
        return f"AdapterContext({self.name})"


@dataclass(frozen=True, slots=True)
class InboundWebhook:
    """A provider's request to the gateway's webhook URL, as received."""

    url: str  # the URL the provider was given (with the request's query, if any)
    headers: Mapping[str, str]  # looks names up case-insensitively (Starlette's Headers)
    body: bytes


class NonceRegistry(Protocol):
    """The one-time values of verified requests, kept by the app (for as long as it keeps
    applied provider events), so a signature without a timestamp cannot be replayed."""

    async def first_use(self, nonce: str) -> bool:
        """Records ``nonce``; False if it was recorded before (a replay)."""
        ...


@dataclass(frozen=True, slots=True)
class WebhookHandler:
    # raises events.WebhookSignatureError unless the request is provably the provider's
    verify: Callable[[InboundWebhook, Mapping[str, str]], None]
    # the events in the request; ValueError for a body that is not the provider's event
    parse: Callable[[InboundWebhook], list[ProviderEvent]]
    # after ``verify``: raises events.WebhookSignatureError if the request was seen before
    # (for signatures that carry no time, so only a remembered nonce stops a replay)
    refuse_replay: Callable[[InboundWebhook, NonceRegistry], Awaitable[None]] | None = None


def no_hint(credentials: Mapping[str, str]) -> str:
    return ""


@dataclass(frozen=True, slots=True)
class ProviderDescriptor:
    name: str
    # live providers need an org account; the one that is not serves every name in test mode
    live: bool
    settings_model: type[ProviderSettings]
    build: Callable[[AdapterContext], Provider]
    capabilities: frozenset[Capability] = frozenset()
    # validates an account's credentials (strict, unknown fields refused); None: no accounts
    credentials_model: type[BaseModel] | None = None
    # a part of the credentials safe to show (e.g. "…a1b2"), never a secret
    credentials_hint: Callable[[Mapping[str, str]], str] = no_hint
    webhooks: WebhookHandler | None = None
    # the fields a registered object's PATCH may change at this provider (numlink names)
    updatable_brand_fields: frozenset[str] = frozenset()
    updatable_campaign_fields: frozenset[str] = frozenset()
    # what an HTTP answer says about the account's rate limit (the gateway adapts its rate)
    rate_signal: Callable[[int, Mapping[str, str]], RateSignal] = read_rate_signal

    def __post_init__(self) -> None:
        lacking = [c for c in _NEEDS_LOOKUP if c in self.capabilities]
        if lacking and Capability.FIND_BY_REFERENCE not in self.capabilities:
            raise ValueError(f"{self.name}: {lacking[0]} needs {Capability.FIND_BY_REFERENCE}")
        if self.updatable_brand_fields and Capability.UPDATE_BRAND not in self.capabilities:
            raise ValueError(f"{self.name}: updatable_brand_fields without update_brand")
        if self.updatable_campaign_fields and Capability.UPDATE_CAMPAIGN not in self.capabilities:
            raise ValueError(f"{self.name}: updatable_campaign_fields without update_campaign")

    def supports(self, capability: Capability) -> bool:
        return capability in self.capabilities
