"""The sandbox provider: serves every provider name in test mode."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from providers.base import Provider
from providers.descriptor import AdapterContext, Capability, ProviderDescriptor, ProviderSettings
from providers.registration import BrandFields, CampaignFields
from providers.sandbox.provider import SandboxProvider


class SandboxSettings(ProviderSettings):
    model_config = SettingsConfigDict(env_prefix="NUMLINK_SANDBOX_", extra="ignore")

    # a link or unlink settles, a registered brand or campaign is reviewed, this long after
    delay_s: float = Field(default=2.0, ge=0)
    failure_rate: float = Field(default=0.0, ge=0, le=1)  # share of links the carrier rejects


def build(context: AdapterContext) -> Provider:
    settings = context.settings
    assert isinstance(settings, SandboxSettings)
    if context.ledger is None or context.inventory is None or context.objects is None:
        raise RuntimeError("the sandbox keeps its links, numbers and registrations in ledgers")
    return SandboxProvider(
        context.ledger,
        context.inventory,
        context.objects,
        name=context.name,
        delay_s=settings.delay_s,
        failure_rate=settings.failure_rate,
    )


# A registered campaign's usecase stays; everything else may change.
UPDATABLE_CAMPAIGN_FIELDS = CampaignFields.names() - {"usecase"}

DESCRIPTOR = ProviderDescriptor(
    name="sandbox",
    live=False,
    settings_model=SandboxSettings,
    build=build,
    # every operation: test mode serves each of them (for the providers that declare it)
    capabilities=frozenset(Capability) - {Capability.ASSIGN_BY_PROFILE},
    updatable_brand_fields=BrandFields.names(),
    updatable_campaign_fields=UPDATABLE_CAMPAIGN_FIELDS,
)

__all__ = ["DESCRIPTOR", "SandboxProvider", "SandboxSettings"]
