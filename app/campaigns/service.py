"""Campaigns: imported by provider id, registered under a brand, accepted when another CSP
shares one, changed and deactivated through the gateway.

Every campaign change below must emit ``campaign.updated`` once events exist (see
docs/registration.md "How status reaches you")."""

import uuid
from typing import Any

from app.brands.repository import BrandRepository
from app.brands.service import not_deleted
from app.campaigns.repository import CampaignRepository, exists_check
from app.campaigns.schemas import (
    CampaignImport,
    CampaignRegister,
    CampaignUpdate,
    SharedCampaignAccept,
)
from app.db.models import Brand, Campaign
from app.kit.errors import Conflict
from app.provider_accounts.registry import read_from_provider
from app.registration import intents
from app.registration.calls import (
    adapter_for,
    changes_of,
    provider_call,
    refuse_unchangeable,
    translated,
)
from app.registration.context import Scope
from app.registration.flow import Registration, register
from providers import registration as reg
from providers.base import CampaignInfo, ProviderCallError, ProviderObjectNotFound
from providers.descriptor import Capability

KIND = "campaign"


async def import_campaign(scope: Scope, body: CampaignImport) -> tuple[Campaign, bool]:
    brand = await BrandRepository(scope.session, scope.tenant).get_or_404(body.brand_id)
    provider = await scope.registrar.registry.for_tenant(scope.tenant, brand.provider)
    info = await read_from_provider(
        provider.get_campaign(body.provider_campaign_id),
        field="provider_campaign_id",
    )
    if info.provider_brand_id is not None and info.provider_brand_id != brand.provider_brand_id:
        raise Conflict(
            f"campaign belongs to brand {info.provider_brand_id} at {brand.provider}, "
            f"not {brand.provider_brand_id}"
        )
    return await CampaignRepository(scope.session, scope.tenant).upsert(
        brand.provider, brand.id, info, scope.registrar.polling
    )


async def read_campaign(scope: Scope, campaign: Campaign) -> CampaignInfo:
    """The campaign as its provider holds it (shared ones are read as such)."""
    adapter = await scope.registrar.registry.for_tenant(scope.tenant, campaign.provider)
    if campaign.shared:
        assert isinstance(adapter, reg.SharedCampaignAcceptor)
        return await adapter.get_shared_campaign(campaign.provider_campaign_id)
    return await adapter.get_campaign(campaign.provider_campaign_id)


async def refresh_campaign(
    scope: Scope,
    campaign_id: uuid.UUID | None,
) -> Campaign:
    """Read the campaign again from its provider (status, failure reasons)."""
    repo = CampaignRepository(scope.session, scope.tenant)
    campaign = await repo.get_or_404(campaign_id)
    info = await read_from_provider(read_campaign(scope, campaign), field="campaign_id")
    return await repo.apply(campaign, info, scope.registrar.polling)


async def register_campaign(scope: Scope, body: CampaignRegister) -> tuple[Campaign, bool]:
    """Register under the brand; an identical registration already made answers with its
    campaign (and ``False``)."""
    brand = not_deleted(
        await BrandRepository(scope.session, scope.tenant).get_or_404(body.brand_id)
    )
    adapter = await adapter_for(
        scope.registrar.registry, scope.tenant, brand.provider, Capability.REGISTER_CAMPAIGN
    )
    assert isinstance(adapter, reg.CampaignRegistrar) and isinstance(adapter, reg.ReferenceFinder)
    fields = body.model_dump(exclude={"brand_id"}, exclude_none=True)
    wanted = campaign_fields(fields)
    owner = brand_ref(brand)
    print_ = intents.fingerprint(KIND, brand.provider, {**fields, "brand_id": str(brand.id)})
    outcome = await register(
        scope.registrar.intents,
        scope.tenant,
        Registration(
            kind=KIND,
            provider=brand.provider,
            fingerprint=print_,
            request=fields,
            brand_id=brand.id,
            create=lambda ref: adapter.register_campaign(owner, wanted, ref),
            find=lambda ref: adapter.find_campaign(ref, owner),
            exists=exists_check(scope.tenant),
        ),
        scope.registrar.retry_in_s,
    )
    if isinstance(outcome, uuid.UUID):
        return await CampaignRepository(scope.session, scope.tenant).fresh(outcome), False
    campaign = await record_registered(
        scope, brand, outcome.info, fields, print_, outcome.intent.id
    )
    return campaign, True


async def record_registered(
    scope: Scope,
    brand: Brand,
    info: CampaignInfo,
    fields: dict[str, Any],
    print_: str,
    intent_id: uuid.UUID,
) -> Campaign:
    """As ``app.brands.service.record_registered``, for a campaign."""
    repo = CampaignRepository(scope.session, scope.tenant)
    if not await intents.finish(scope.session, scope.tenant, KIND, print_, intent_id):
        done = await repo.by_fingerprint(print_)
        if done is not None:  # finished elsewhere first
            return await repo.fresh(done)
    return await repo.insert_registered(
        brand.provider, brand.id, fields, info, print_, scope.registrar.polling
    )


async def accept_shared(scope: Scope, body: SharedCampaignAccept) -> tuple[Campaign, bool]:
    """Accept the sharing (idempotent at the provider, so a retry is safe) and keep the
    campaign, ``shared`` and without a brand."""
    adapter = await adapter_for(
        scope.registrar.registry, scope.tenant, body.provider, Capability.ACCEPT_SHARED_CAMPAIGN
    )
    assert isinstance(adapter, reg.SharedCampaignAcceptor)
    info = await provider_call(adapter.accept_shared_campaign(body.tcr_campaign_id))
    return await CampaignRepository(scope.session, scope.tenant).upsert(
        body.provider, None, info, scope.registrar.polling
    )


async def update_campaign(
    scope: Scope,
    campaign_id: uuid.UUID | None,
    body: CampaignUpdate,
) -> Campaign:
    """Change the fields the provider lets change; ``{}`` (or no change) changes nothing."""
    repo = CampaignRepository(scope.session, scope.tenant)
    campaign = await repo.get_or_404(campaign_id)
    changes = changes_of(campaign, body)
    if not changes:
        return campaign
    changeable(campaign)
    registry = scope.registrar.registry
    adapter = await adapter_for(
        registry, scope.tenant, campaign.provider, Capability.UPDATE_CAMPAIGN
    )
    assert isinstance(adapter, reg.CampaignUpdater)
    updatable = registry.descriptor(campaign.provider).updatable_campaign_fields
    refuse_unchangeable(campaign.provider, "campaign", changes, updatable)
    merged = {name: getattr(campaign, name) for name in reg.CampaignFields.names()} | changes
    info = await provider_call(
        adapter.update_campaign(
            campaign.provider_campaign_id, campaign_fields(merged), frozenset(changes)
        )
    )
    return await repo.apply(campaign, info, scope.registrar.polling, changes)


async def deactivate_campaign(
    scope: Scope,
    campaign_id: uuid.UUID | None,
) -> Campaign:
    """End the campaign at the provider; it stays, DEACTIVATED. Again changes nothing."""
    repo = CampaignRepository(scope.session, scope.tenant)
    campaign = await repo.get_or_404(campaign_id)
    if campaign.status == "DEACTIVATED":
        return campaign
    if campaign.shared:
        raise Conflict("a shared campaign is deactivated by the CSP that shared it")
    adapter = await adapter_for(
        scope.registrar.registry, scope.tenant, campaign.provider, Capability.DEACTIVATE_CAMPAIGN
    )
    assert isinstance(adapter, reg.CampaignDeactivator)
    if await repo.has_linked_numbers(campaign):
        raise Conflict("numbers are linked to the campaign; detach them first")
    try:
        await adapter.deactivate_campaign(campaign.provider_campaign_id)
    except ProviderObjectNotFound:
        pass  # already gone there (a retry after a crash): deactivated all the same
    except ProviderCallError as exc:
        raise translated(exc) from None
    await repo.set_values(campaign.id, {"status": "DEACTIVATED", "next_attempt_at": None})
    return await repo.fresh(campaign.id)


def changeable(campaign: Campaign) -> Campaign:
    if campaign.shared:
        raise Conflict("a shared campaign is managed by the CSP that shared it")
    if campaign.status == "DEACTIVATED":
        raise Conflict("the campaign is deactivated")
    return campaign


def brand_ref(brand: Brand) -> reg.BrandRef:
    return reg.BrandRef(
        provider_brand_id=brand.provider_brand_id,
        tcr_brand_id=brand.tcr_brand_id,
        entity_type=brand.entity_type,
        vertical=brand.vertical,
    )


def campaign_fields(fields: dict[str, Any]) -> reg.CampaignFields:
    given: dict[str, Any] = {
        k: tuple(v) if isinstance(v, list) else v for k, v in fields.items() if v is not None
    }
    return reg.CampaignFields(**given)
