"""Test-mode state changes that, in live mode, only the provider or carriers could make."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.brands.repository import BrandRepository
from app.campaigns.repository import CampaignRepository
from app.db.models import Brand, Campaign, Mode, PhoneNumber
from app.db.tenancy import Tenant
from app.events.statements import LINE_OPTION_COLUMNS, line_option_changed, update_with_events
from app.kit.errors import Conflict, NotFound
from app.numbers.repository import PhoneNumberRepository
from app.provider_accounts.registry import ProviderRegistry
from app.test_helpers.schemas import CarrierOutcome, SetIdentityStatus
from providers.base import CarrierSimulator, InventoryKeeper
from providers.registration import RegistrationSimulator

DEFAULT_FAILURE = "carrier rejected the link (test helper)"


def require_test_mode(tenant: Tenant) -> None:
    if tenant.mode is not Mode.TEST:
        raise NotFound()


def _simulator(registry: ProviderRegistry, tenant: Tenant, provider: str) -> RegistrationSimulator:
    simulator = registry.stand_in(tenant, provider)
    assert isinstance(simulator, RegistrationSimulator)  # the test-mode provider plays the registry
    return simulator


async def set_brand_state(
    session: AsyncSession,
    tenant: Tenant,
    registry: ProviderRegistry,
    brand_id: uuid.UUID | None,
    body: SetIdentityStatus,
) -> Brand:
    """Forced at the sandbox too, so that reading the brand again agrees (and it stops being
    polled: a forced state is settled)."""
    repo = BrandRepository(session, tenant)
    brand = await repo.get_or_404(brand_id)
    await _simulator(registry, tenant, brand.provider).force_brand(
        brand.provider_brand_id, body.identity_status, body.status
    )
    values = {"identity_status": body.identity_status, "status": body.status}
    await repo.set_values(
        brand.id, {**{k: v for k, v in values.items() if v is not None}, "next_attempt_at": None}
    )
    return await repo.fresh(brand.id)


async def set_campaign_status(
    session: AsyncSession,
    tenant: Tenant,
    registry: ProviderRegistry,
    campaign_id: uuid.UUID | None,
    status: str,
) -> Campaign:
    repo = CampaignRepository(session, tenant)
    campaign = await repo.get_or_404(campaign_id)
    await _simulator(registry, tenant, campaign.provider).force_campaign(
        campaign.provider_campaign_id, status
    )
    await repo.set_values(campaign.id, {"next_attempt_at": None})
    return await repo.set_status(campaign, status)


async def set_assignment(
    session: AsyncSession,
    tenant: Tenant,
    registry: ProviderRegistry,
    number_id: uuid.UUID | None,
    assigned: bool,
) -> PhoneNumber:
    """On numlink's row and on the sandbox account alike, so a sync or refresh agrees."""
    repo = PhoneNumberRepository(session, tenant)
    number = await repo.get_or_404(number_id)
    provider = registry.stand_in(tenant, number.provider)
    assert isinstance(provider, InventoryKeeper)  # the test-mode provider keeps an account
    await provider.hold([number.number], number.messaging_profile_id, assigned)
    await repo.update_fields(number.id, {"assigned": assigned})
    await session.refresh(number)
    return number


# As a carrier webhook would settle it: with its event, and the number's bulk task counted down.
_SETTLE = update_with_events(
    "phone_numbers",
    """carrier_line_option_status = CAST(:status AS varchar),
    carrier_line_option_error = CAST(:error AS text),
    carrier_line_option_propagated_at = CASE
        WHEN CAST(:status AS varchar) = 'propagated' THEN now() END,
    linked_campaign_ref = CAST(:linked AS text), sync_phase = NULL, next_attempt_at = NULL,
    lease_owner = NULL, attempts = 0, updated_at = now(), bulk_task_id = NULL""",
    "p.id = :id AND p.org_id = :org_id AND p.mode = :mode",
    LINE_OPTION_COLUMNS,
    [line_option_changed()],
)


async def settle_propagation(
    session: AsyncSession,
    tenant: Tenant,
    registry: ProviderRegistry,
    number_id: uuid.UUID | None,
    body: CarrierOutcome,
) -> PhoneNumber:
    """Settle a pending link now, at the sandbox and on the row, as a carrier webhook would."""
    repo = PhoneNumberRepository(session, tenant)
    number = await repo.get_or_404(number_id)
    if number.carrier_line_option_status != "pending":
        raise Conflict("the number has no propagation in progress")
    desired_ref = None
    if number.campaign_id is not None:
        desired_ref = (
            await session.execute(
                select(Campaign.provider_campaign_id).where(Campaign.id == number.campaign_id)
            )
        ).scalar_one()
    failed = body.outcome == "failed"
    reason: str | None = (body.reason or DEFAULT_FAILURE) if failed else None
    provider = registry.stand_in(tenant, number.provider)
    assert isinstance(provider, CarrierSimulator)  # the test-mode provider plays the carriers
    await provider.settle_now(number.number, desired_ref, reason)
    # A failed unlink leaves the old link in place; a failed link leaves none.
    linked = (
        (number.linked_campaign_ref if desired_ref is None else None) if failed else desired_ref
    )
    status = "failed" if failed else ("propagated" if desired_ref else None)
    params = {"id": number.id, "status": status, "error": reason, "linked": linked}
    await session.execute(_SETTLE, {**params, **repo.tenant_values()})
    await session.refresh(number)
    return number
