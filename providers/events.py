"""Provider webhook events in numlink's terms, as the adapters' webhook parsers return them."""

from dataclasses import dataclass
from datetime import datetime

from providers.base import LinkStatus


class WebhookSignatureError(Exception):
    """The request is not provably from the provider: missing, bad or stale signature."""


@dataclass(frozen=True, slots=True)
class LinkEvent:
    number: str
    status: LinkStatus
    occurred_at: datetime | None = None
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class CampaignEvent:
    provider_campaign_id: str
    status: str  # numlink's campaign status (see CampaignInfo.status)
    provider_status: str | None
    occurred_at: datetime | None = None
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class BrandEvent:
    provider_brand_id: str
    identity_status: str | None
    status: str | None
    occurred_at: datetime | None = None
    event_id: str | None = None


ProviderEvent = LinkEvent | CampaignEvent | BrandEvent
