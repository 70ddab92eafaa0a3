"""Provider webhook events in numlink's terms, as the adapters' webhook parsers return them.

Registration events (Telnyx ``10dlc.brand.update`` / ``10dlc.campaign.update``, Plivo's brand
and campaign callbacks) carry the resulting status when the provider says it, and always the
step the event reports (``RegistrationStep``) and its outcome. The gateway applies a status
only if the event is newer than what it last applied, and reads the object again from the
provider whenever an event leaves its state unsaid: so an event whose meaning is unclear is
never lost, and never wrong.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from providers.base import LinkStatus
from providers.registration import CarrierStatus


class WebhookSignatureError(Exception):
    """The request is not provably from the provider: missing, bad or stale signature."""


class RegistrationStep(StrEnum):
    """What a registration event reports. Telnyx's ``type`` values (the campaign status
    update of its spec, and the brand update's) map one to one:"""

    REGISTRATION = "registration"  # REGISTRATION: the registry took or refused the object
    PROVIDER_REVIEW = "provider_review"  # TELNYX_REVIEW: the provider's own compliance review
    CARRIER_REVIEW = "carrier_review"  # MNO_REVIEW: one carrier's review (``carriers``)
    REGISTRY_NOTICE = "registry_notice"  # TCR_EVENT: suspension, expiry… from the registry
    PROVIDER_NOTICE = "provider_notice"  # TELNYX_EVENT: dormancy, billing…
    NUMBER_POOL = "number_pool"  # NUMBER_POOL_PROVISIONED / NUMBER_POOL_DEPROVISIONED
    VERIFICATION = "verification"  # VERIFIED, BRAND_OTP_VERIFIED: identity verified
    VETTING = "vetting"  # an external vetting completed or failed
    REVET = "revet"  # REVET: the brand was vetted again
    APPEAL = "appeal"  # an appeal was decided


class StepOutcome(StrEnum):
    """Telnyx ``status``: ACCEPTED and ``success`` → ACCEPTED; REJECTED and ``failed`` →
    REJECTED; DORMANT → DORMANT. Anything else → None (informational)."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DORMANT = "dormant"


@dataclass(frozen=True, slots=True)
class LinkEvent:
    number: str
    status: LinkStatus
    occurred_at: datetime | None = None
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class CampaignEvent:
    provider_campaign_id: str
    # numlink's campaign status (see CampaignInfo.status); None: the event does not say, and
    # the gateway reads the campaign again
    status: str | None
    provider_status: str | None
    occurred_at: datetime | None = None
    event_id: str | None = None
    step: RegistrationStep | None = None
    outcome: StepOutcome | None = None
    description: str | None = None  # the provider's words about the event
    failure_reasons: tuple[str, ...] | None = None  # None: not said; (): none any more
    carriers: tuple[CarrierStatus, ...] = ()  # per-carrier statuses the event reports


@dataclass(frozen=True, slots=True)
class BrandEvent:
    provider_brand_id: str
    identity_status: str | None  # None (and status None): read the brand again
    status: str | None
    occurred_at: datetime | None = None
    event_id: str | None = None
    step: RegistrationStep | None = None
    outcome: StepOutcome | None = None
    description: str | None = None
    failure_reasons: tuple[str, ...] | None = None
    tcr_brand_id: str | None = None


ProviderEvent = LinkEvent | CampaignEvent | BrandEvent
