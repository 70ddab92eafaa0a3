"""Provider accounts (live mode) and the test helpers' bodies."""

from datetime import datetime

from numlink_client.models.base import ApiObject, RequestBody


class ProviderAccount(ApiObject):
    """An org's account at a provider, without its secrets. ``webhook_url`` is the address to
    configure at the provider."""

    provider: str
    credentials_hint: str
    rate_per_s: float
    webhook_url: str
    created_at: datetime
    updated_at: datetime


class TelnyxAccount(RequestBody):
    api_key: str
    public_key: str | None = None
    rate_per_s: float | None = None


class PlivoAccount(RequestBody):
    auth_id: str
    auth_token: str
    rate_per_s: float | None = None


class SetIdentityStatus(RequestBody):
    identity_status: str | None = None
    status: str | None = None


class SetCampaignStatus(RequestBody):
    status: str


class SetAssignment(RequestBody):
    assigned: bool


class CarrierOutcome(RequestBody):
    outcome: str  # propagated or failed
    reason: str | None = None


class HoldNumbers(RequestBody):
    numbers: list[str]
    messaging_profile_id: str | None = None
    assigned: bool = True


class ReleaseNumbers(RequestBody):
    numbers: list[str]


class SetProviderLink(RequestBody):
    number: str
    provider_campaign_id: str | None
