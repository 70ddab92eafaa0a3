"""A campaign's appeal and its status at each carrier. An appeal changes the campaign and must
emit ``campaign.updated`` once events exist."""

import uuid
from datetime import datetime

from app.campaigns.repository import CampaignRepository
from app.campaigns.schemas import CarrierOut
from app.campaigns.service import changeable
from app.db.models import Campaign
from app.kit.errors import Conflict
from app.registration.calls import adapter_for, provider_call
from app.registration.context import Scope
from providers import registration as reg
from providers.descriptor import Capability


async def appeal(
    scope: Scope,
    campaign_id: uuid.UUID | None,
    reason: str,
) -> Campaign:
    repo = CampaignRepository(scope.session, scope.tenant)
    campaign = changeable(await repo.get_or_404(campaign_id))
    adapter = await adapter_for(
        scope.registrar.registry, scope.tenant, campaign.provider, Capability.APPEAL_CAMPAIGN
    )
    assert isinstance(adapter, reg.CampaignAppealer)
    if campaign.status != "REJECTED":
        raise Conflict(f"only a rejected campaign can be appealed; this one is {campaign.status}")
    info = await provider_call(adapter.appeal_campaign(campaign.provider_campaign_id, reason))
    return await repo.apply(campaign, info, scope.registrar.polling)


async def carriers(
    scope: Scope,
    campaign_id: uuid.UUID | None,
) -> list[CarrierOut]:
    """Read from the provider now, and kept with the campaign (webhooks update it too)."""
    repo = CampaignRepository(scope.session, scope.tenant)
    campaign = await repo.get_or_404(campaign_id)
    adapter = await adapter_for(
        scope.registrar.registry, scope.tenant, campaign.provider, Capability.CARRIER_STATUS
    )
    assert isinstance(adapter, reg.CarrierStatusReader)
    found = await provider_call(adapter.carrier_statuses(campaign.provider_campaign_id))
    await repo.store_carriers(campaign, found)
    stored = (await repo.fresh(campaign.id)).carriers
    return [
        CarrierOut(
            carrier=name,
            updated_at=datetime.fromisoformat(entry["at"]),
            **{k: v for k, v in entry.items() if k != "at"},
        )
        for name, entry in sorted(stored.items())
    ]
