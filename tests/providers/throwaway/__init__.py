"""A provider that exists only for a test: one package and one catalog entry, nothing under
``app/``. Its account state lives in memory (per API token), shared by every adapter built
for that token, so the API and an in-process worker see one provider."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

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
    Capability,
    HttpProviderSettings,
    ProviderDescriptor,
)


class ThrowawaySettings(HttpProviderSettings):
    model_config = SettingsConfigDict(env_prefix="NUMLINK_THROWAWAY_", extra="ignore")

    base_url: str = "memory://throwaway"
    rate_per_s: float = Field(default=1000.0, gt=0)


class ThrowawayCredentials(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    token: str = Field(min_length=6, max_length=64)


@dataclass
class Account:
    """What the provider holds for one account: number → (state, campaign)."""

    links: dict[str, tuple[LinkState, str | None]] = field(default_factory=dict)
    calls: list[tuple[str, str, str | None]] = field(default_factory=list)


ACCOUNTS: dict[str, Account] = {}


class ThrowawayProvider:
    name = "throwaway"
    link_batch_size = 1

    def __init__(self, token: str) -> None:
        self.account = ACCOUNTS.setdefault(token, Account())

    async def link(self, number: str, campaign_ref: str) -> None:
        self.account.calls.append(("link", number, campaign_ref))
        self.account.links[number] = (LinkState.PENDING, campaign_ref)

    async def link_many(self, numbers: Sequence[str], campaign_ref: str) -> dict[str, str]:
        for number in numbers:
            await self.link(number, campaign_ref)
        return {}

    async def move(self, number: str, from_ref: str, to_ref: str) -> None:
        await self.link(number, to_ref)

    async def unlink(self, number: str, campaign_ref: str) -> None:
        self.account.calls.append(("unlink", number, campaign_ref))
        self.account.links[number] = (LinkState.PENDING, None)

    async def get_link_status(self, number: str, campaign_ref: str | None) -> LinkStatus:
        """A pending operation is seen pending once, then done: the carriers' delay."""
        state, ref = self.account.links.get(number, (LinkState.UNLINKED, None))
        if state is LinkState.PENDING:
            settled = LinkState.LINKED if ref is not None else LinkState.UNLINKED
            if ref is None:
                self.account.links.pop(number)
            else:
                self.account.links[number] = (settled, ref)
            return LinkStatus(LinkState.PENDING, ref)
        return LinkStatus(state, ref)

    async def get_brand(self, provider_brand_id: str) -> BrandInfo:
        return BrandInfo(provider_brand_id, f"Throwaway {provider_brand_id}", "VERIFIED", "ACTIVE")

    async def get_campaign(self, provider_campaign_id: str) -> CampaignInfo:
        if not provider_campaign_id.startswith("TC"):
            raise ProviderObjectNotFound(f"throwaway: no campaign {provider_campaign_id}")
        return CampaignInfo(provider_campaign_id, None, None, "MIXED", "ACTIVE", "LIVE")

    async def get_number(self, number: str) -> NumberInfo:
        return NumberInfo(number, assigned=True, sms_enabled=True, mms_enabled=False)


def build(context: AdapterContext) -> Provider:
    return ThrowawayProvider(context.credentials["token"])


def hint(credentials: Mapping[str, str]) -> str:
    return f"…{credentials['token'][-2:]}"


DESCRIPTOR = ProviderDescriptor(
    name="throwaway",
    live=True,
    settings_model=ThrowawaySettings,
    build=build,
    capabilities=frozenset({Capability.MOVE}),
    credentials_model=ThrowawayCredentials,
    credentials_hint=hint,
)
