"""A provider for tests of registration state sync: its brands and campaigns live in memory
(per account token) and its webhooks are JSON lists of numlink's neutral events, so the
gateway's handling of the neutral event model is tested apart from any provider's format. It
declares no registration operation: asking for one is 422 UNSUPPORTED_BY_PROVIDER."""

import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import SettingsConfigDict

from providers.base import (
    BrandInfo,
    CampaignInfo,
    LinkState,
    LinkStatus,
    NumberInfo,
    Provider,
    ProviderObjectNotFound,
)
from providers.descriptor import (
    AdapterContext,
    HttpProviderSettings,
    InboundWebhook,
    ProviderDescriptor,
    WebhookHandler,
)
from providers.events import (
    BrandEvent,
    CampaignEvent,
    ProviderEvent,
    RegistrationStep,
    StepOutcome,
    WebhookSignatureError,
)
from providers.registration import CarrierStatus

TOKEN_HEADER = "x-eventful-token"


class EventfulSettings(HttpProviderSettings):
    model_config = SettingsConfigDict(env_prefix="NUMLINK_EVENTFUL_", extra="ignore")

    base_url: str = "memory://eventful"
    rate_per_s: float = Field(default=1000.0, gt=0)


class EventfulCredentials(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    token: str = Field(min_length=6, max_length=64)


@dataclass
class Account:
    brands: dict[str, BrandInfo] = field(default_factory=dict)
    campaigns: dict[str, CampaignInfo] = field(default_factory=dict)
    reads: list[str] = field(default_factory=list)


ACCOUNTS: dict[str, Account] = {}


class EventfulProvider:
    name = "eventful"
    link_batch_size = 1

    def __init__(self, token: str) -> None:
        self.account = ACCOUNTS.setdefault(token, Account())

    async def link(self, number: str, campaign_ref: str) -> None:
        return None

    async def link_many(self, numbers: Sequence[str], campaign_ref: str) -> dict[str, str]:
        return {}

    async def move(self, number: str, from_ref: str, to_ref: str) -> None:
        return None

    async def unlink(self, number: str, campaign_ref: str) -> None:
        return None

    async def get_link_status(self, number: str, campaign_ref: str | None) -> LinkStatus:
        return LinkStatus(LinkState.UNLINKED)

    async def get_brand(self, provider_brand_id: str) -> BrandInfo:
        self.account.reads.append(provider_brand_id)
        found = self.account.brands.get(provider_brand_id)
        if found is None:
            raise ProviderObjectNotFound(f"eventful: no brand {provider_brand_id}")
        return found

    async def get_campaign(self, provider_campaign_id: str) -> CampaignInfo:
        self.account.reads.append(provider_campaign_id)
        found = self.account.campaigns.get(provider_campaign_id)
        if found is None:
            raise ProviderObjectNotFound(f"eventful: no campaign {provider_campaign_id}")
        return found

    async def get_number(self, number: str) -> NumberInfo:
        return NumberInfo(number, assigned=True, sms_enabled=True, mms_enabled=False)


def build(context: AdapterContext) -> Provider:
    return EventfulProvider(context.credentials["token"])


def verify(hook: InboundWebhook, credentials: Mapping[str, str]) -> None:
    if not hmac.compare_digest(hook.headers.get(TOKEN_HEADER, ""), credentials["token"]):
        raise WebhookSignatureError("eventful: wrong token")


def parse(hook: InboundWebhook) -> list[ProviderEvent]:
    """``[{"kind": "brand"|"campaign", "id", "event_id", "at", ...fields of the event}]``."""
    events: list[ProviderEvent] = []
    for raw in json.loads(hook.body):
        common = {
            "occurred_at": datetime.fromisoformat(raw["at"]),
            "event_id": raw.get("event_id"),
            "step": RegistrationStep(raw["step"]) if raw.get("step") else None,
            "outcome": StepOutcome(raw["outcome"]) if raw.get("outcome") else None,
            "failure_reasons": tuple(raw["reasons"]) if "reasons" in raw else None,
        }
        if raw["kind"] == "brand":
            events.append(BrandEvent(raw["id"], raw.get("identity"), raw.get("status"), **common))
        else:
            carriers = tuple(CarrierStatus(**c) for c in raw.get("carriers", []))
            events.append(
                CampaignEvent(
                    raw["id"], raw.get("status"), raw.get("status"), carriers=carriers, **common
                )
            )
    return events


DESCRIPTOR = ProviderDescriptor(
    name="eventful",
    live=True,
    settings_model=EventfulSettings,
    build=build,
    credentials_model=EventfulCredentials,
    webhooks=WebhookHandler(verify=verify, parse=parse),
)
