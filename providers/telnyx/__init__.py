"""Telnyx: 10DLC registration (brands, verification, campaigns, sharing) and number
assignments over its REST API; Ed25519-signed webhooks."""

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import SettingsConfigDict

from providers.base import Provider
from providers.descriptor import (
    AdapterContext,
    Capability,
    HttpProviderSettings,
    InboundWebhook,
    ProviderDescriptor,
    WebhookHandler,
)
from providers.events import ProviderEvent, WebhookSignatureError
from providers.telnyx.adapter import TelnyxProvider
from providers.telnyx.client import DEFAULT_BASE_URL
from providers.telnyx.registration_fields import (
    UPDATABLE_BRAND_FIELDS,
    UPDATABLE_CAMPAIGN_FIELDS,
)
from providers.telnyx.webhooks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    is_public_key,
    parse_telnyx_event,
    verify_telnyx_webhook,
)

PUBLIC_KEY_PROBLEM = "must be the base64 Ed25519 public key from Telnyx (32 bytes)"


class TelnyxSettings(HttpProviderSettings):
    model_config = SettingsConfigDict(env_prefix="NUMLINK_TELNYX_", extra="ignore")

    base_url: str = DEFAULT_BASE_URL
    # Telnyx publishes no 10DLC rate limit; 20 requests/s has been safe
    rate_per_s: float = Field(default=20.0, gt=0)
    api_key: str | None = None  # platform-wide default account
    public_key: str | None = None

    @field_validator("public_key")
    @classmethod
    def _public_key(cls, value: str | None) -> str | None:
        # checked at start-up: a bad key would otherwise fail every inbound webhook
        if value is not None and not is_public_key(value):
            raise ValueError(PUBLIC_KEY_PROBLEM)
        return value

    def platform_credentials(self) -> dict[str, str] | None:
        if not self.api_key:
            return None
        credentials = {"api_key": self.api_key}
        if self.public_key:
            credentials["public_key"] = self.public_key
        return credentials


class TelnyxCredentials(BaseModel):
    """``public_key`` is the Ed25519 key that signs Telnyx's webhooks (Mission Control
    portal); without it inbound webhooks are refused and polling alone follows the links."""

    model_config = ConfigDict(extra="forbid", strict=True)

    api_key: str = Field(min_length=8, max_length=512)
    public_key: str | None = Field(default=None, min_length=40, max_length=64)

    @field_validator("public_key")
    @classmethod
    def _public_key(cls, value: str | None) -> str | None:
        if value is not None and not is_public_key(value):
            raise ValueError("must be the base64 Ed25519 public key (32 bytes)")
        return value


def build(context: AdapterContext) -> Provider:
    settings = context.settings
    assert isinstance(settings, TelnyxSettings)
    return TelnyxProvider(
        context.client(),
        context.credentials["api_key"],
        settings.base_url,
        webhook_url=context.webhook_url,
    )


def verify(hook: InboundWebhook, credentials: Mapping[str, str]) -> None:
    public_key = credentials.get("public_key")
    if not public_key:
        raise WebhookSignatureError("no Telnyx public key is set on this account")
    verify_telnyx_webhook(
        hook.body,
        hook.headers.get(SIGNATURE_HEADER),
        hook.headers.get(TIMESTAMP_HEADER),
        public_key,
    )


def parse(hook: InboundWebhook) -> list[ProviderEvent]:
    return parse_telnyx_event(hook.body)


def hint(credentials: Mapping[str, str]) -> str:
    return f"…{credentials['api_key'][-4:]}"


DESCRIPTOR = ProviderDescriptor(
    name="telnyx",
    live=True,
    settings_model=TelnyxSettings,
    build=build,
    capabilities=frozenset(
        {
            Capability.MOVE,
            Capability.ASSIGN_BY_PROFILE,
            Capability.LIST_NUMBERS,
            Capability.LIST_CAMPAIGN_NUMBERS,
            Capability.LIST_PROFILE_NUMBERS,
            # registration: every operation (docs/providers.md "Registration operations")
            Capability.REGISTER_BRAND,
            Capability.FIND_BY_REFERENCE,
            Capability.UPDATE_BRAND,
            Capability.DELETE_BRAND,
            Capability.RESEND_2FA_EMAIL,
            Capability.SMS_OTP,
            Capability.BRAND_FEEDBACK,
            Capability.VETTING,
            Capability.IMPORT_VETTING,
            Capability.REVET,
            Capability.QUALIFY_USECASE,
            Capability.REGISTER_CAMPAIGN,
            Capability.UPDATE_CAMPAIGN,
            Capability.DEACTIVATE_CAMPAIGN,
            Capability.APPEAL_CAMPAIGN,
            Capability.CARRIER_STATUS,
            Capability.ACCEPT_SHARED_CAMPAIGN,
        }
    ),
    credentials_model=TelnyxCredentials,
    credentials_hint=hint,
    webhooks=WebhookHandler(verify=verify, parse=parse),
    updatable_brand_fields=UPDATABLE_BRAND_FIELDS,
    updatable_campaign_fields=UPDATABLE_CAMPAIGN_FIELDS,
)

__all__ = ["DESCRIPTOR", "TelnyxCredentials", "TelnyxProvider", "TelnyxSettings"]
