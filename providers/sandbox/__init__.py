"""The sandbox provider: serves every provider name in test mode."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from providers.base import Provider
from providers.descriptor import AdapterContext, Capability, ProviderDescriptor, ProviderSettings
from providers.sandbox.provider import SandboxProvider


class SandboxSettings(ProviderSettings):
    model_config = SettingsConfigDict(env_prefix="NUMLINK_SANDBOX_", extra="ignore")

    delay_s: float = Field(default=2.0, ge=0)  # a link or unlink settles this long after
    failure_rate: float = Field(default=0.0, ge=0, le=1)  # share of links the carrier rejects


def build(context: AdapterContext) -> Provider:
    settings = context.settings
    assert isinstance(settings, SandboxSettings)
    if context.ledger is None or context.inventory is None:
        raise RuntimeError("the sandbox keeps its links and numbers in the gateway's ledgers")
    return SandboxProvider(
        context.ledger,
        context.inventory,
        name=context.name,
        delay_s=settings.delay_s,
        failure_rate=settings.failure_rate,
    )


DESCRIPTOR = ProviderDescriptor(
    name="sandbox",
    live=False,
    settings_model=SandboxSettings,
    build=build,
    capabilities=frozenset(
        {
            Capability.BATCH_LINK,
            Capability.MOVE,
            Capability.LIST_NUMBERS,
            Capability.LIST_CAMPAIGN_NUMBERS,
            Capability.LIST_PROFILE_NUMBERS,
        }
    ),
)

__all__ = ["DESCRIPTOR", "SandboxProvider", "SandboxSettings"]
