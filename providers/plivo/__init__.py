"""Plivo: 10DLC number links per campaign, batched; brand (through a business profile) and
campaign registration, campaign import by TCR id; V3/V2-signed status callbacks."""

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import SettingsConfigDict

from providers.base import Provider
from providers.descriptor import (
    AdapterContext,
    Capability,
    HttpProviderSettings,
    InboundWebhook,
    NonceRegistry,
    ProviderDescriptor,
    WebhookHandler,
)
from providers.events import ProviderEvent, WebhookSignatureError
from providers.plivo.adapter import DEFAULT_BASE_URL, PlivoProvider
from providers.plivo.registration_mapping import (
    UPDATABLE_BRAND_FIELDS,
    UPDATABLE_CAMPAIGN_FIELDS,
)
from providers.plivo.signature import (
    parse_plivo_event,
    v2_nonce,
    verify_plivo_request,
    verify_plivo_signature,
)


class PlivoSettings(HttpProviderSettings):
    model_config = SettingsConfigDict(env_prefix="NUMLINK_PLIVO_", extra="ignore")

    base_url: str = DEFAULT_BASE_URL
    rate_per_s: float = Field(default=60.0, gt=0)  # Plivo documents 300 requests / 5 s
    auth_id: str | None = None  # platform-wide default account
    auth_token: str | None = None

    def platform_credentials(self) -> dict[str, str] | None:
        if not (self.auth_id and self.auth_token):
            return None
        return {"auth_id": self.auth_id, "auth_token": self.auth_token}


class PlivoCredentials(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    auth_id: str = Field(min_length=4, max_length=64)
    auth_token: str = Field(min_length=8, max_length=512)


# What Plivo's API offers of DESIGN.md's registration; it has no SMS PIN, 2FA email, feedback,
# vetting order or import, revet or appeal (422 UNSUPPORTED_BY_PROVIDER for those).
REGISTRATION_CAPABILITIES = frozenset(
    {
        Capability.REGISTER_BRAND,
        Capability.FIND_BY_REFERENCE,
        Capability.UPDATE_BRAND,
        Capability.DELETE_BRAND,
        Capability.QUALIFY_USECASE,
        Capability.REGISTER_CAMPAIGN,
        Capability.UPDATE_CAMPAIGN,
        Capability.DEACTIVATE_CAMPAIGN,
        Capability.CARRIER_STATUS,
        Capability.ACCEPT_SHARED_CAMPAIGN,
    }
)


def build(context: AdapterContext) -> Provider:
    settings = context.settings
    assert isinstance(settings, PlivoSettings)
    return PlivoProvider(
        context.client(),
        context.credentials["auth_id"],
        context.credentials["auth_token"],
        settings.base_url,
        callback_url=context.webhook_url,
    )


def verify(hook: InboundWebhook, credentials: Mapping[str, str]) -> None:
    # Plivo signs the URL it was given: ours as configured, not as a proxy rewrote it
    verify_plivo_request("POST", hook.url, hook.headers, hook.body, credentials["auth_token"])


async def refuse_replay(hook: InboundWebhook, nonces: NonceRegistry) -> None:
    nonce = v2_nonce(hook.headers)
    if nonce is not None and not await nonces.first_use(f"plivo-v2:{nonce}"):
        raise WebhookSignatureError("plivo: V2 nonce already used (a replayed request)")


def parse(hook: InboundWebhook) -> list[ProviderEvent]:
    return parse_plivo_event(hook.body, hook.headers.get("content-type", ""))


def hint(credentials: Mapping[str, str]) -> str:
    return credentials["auth_id"]


DESCRIPTOR = ProviderDescriptor(
    name="plivo",
    live=True,
    settings_model=PlivoSettings,
    build=build,
    capabilities=frozenset(
        {
            Capability.BATCH_LINK,
            Capability.LIST_NUMBERS,
            Capability.LIST_CAMPAIGN_NUMBERS,
            *REGISTRATION_CAPABILITIES,
        }
    ),
    credentials_model=PlivoCredentials,
    credentials_hint=hint,
    webhooks=WebhookHandler(verify=verify, parse=parse, refuse_replay=refuse_replay),
    updatable_brand_fields=UPDATABLE_BRAND_FIELDS,
    updatable_campaign_fields=UPDATABLE_CAMPAIGN_FIELDS,
)

__all__ = [
    "DESCRIPTOR",
    "PlivoCredentials",
    "PlivoProvider",
    "PlivoSettings",
    "parse_plivo_event",
    "v2_nonce",
    "verify_plivo_request",
    "verify_plivo_signature",
]
