"""Phone numbers: registration, attach/detach with the ordered rules, and PATCH."""

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.campaigns.service import ensure_provider_account
from app.kit.errors import (
    BrandNotVerified,
    CampaignNotActive,
    Conflict,
    NotFound,
    NumberNotAssigned,
    NumberNotEligible,
    NumlinkError,
    ProviderMismatch,
    ValidationFailed,
)
from app.kit.phone import parse_e164
from app.kit.providers import ProviderRegistry, read_from_provider
from app.kit.tenancy import Tenant
from app.models import PhoneNumber
from app.numbers.repository import PhoneNumberRepository
from app.numbers.schemas import NumberRegister, NumberUpdate
from app.settings import Settings
from app.webhooks.service import check_target

# The statement's verdicts, in the order the rules are checked.
_REJECTIONS: dict[str, NumlinkError] = {
    "CAMPAIGN_NOT_FOUND": NotFound("campaign not found"),
    "CAMPAIGN_NOT_ACTIVE": CampaignNotActive(),
    "BRAND_NOT_VERIFIED": BrandNotVerified(),
    "NUMBER_NOT_FOUND": NotFound("phone number not found"),
    "NUMBER_NOT_ASSIGNED": NumberNotAssigned(),
    "PROVIDER_MISMATCH": ProviderMismatch(),
    "NUMBER_NOT_ELIGIBLE": NumberNotEligible(),
}
_ACCEPTED = ("CHANGED", "UNCHANGED")


def _verdict(outcome: str, row: Mapping[str, Any]) -> Mapping[str, Any]:
    if outcome in _ACCEPTED:
        return row
    rejection = _REJECTIONS[outcome]
    raise type(rejection)(rejection.message)


async def attach_campaign(
    session: AsyncSession,
    tenant: Tenant,
    registry: ProviderRegistry,
    number_id: uuid.UUID | None,
    campaign_id: uuid.UUID,
) -> Mapping[str, Any]:
    """Rules 2-8 and the write, in one statement; rule 1 is the body's validation."""
    await ensure_provider_account(session, tenant, registry, campaign_id)
    outcome, row = await PhoneNumberRepository(session, tenant).attach(number_id, campaign_id)
    return _verdict(outcome, row)


async def detach_campaign(
    session: AsyncSession, tenant: Tenant, number_id: uuid.UUID | None
) -> Mapping[str, Any]:
    outcome, row = await PhoneNumberRepository(session, tenant).detach(number_id)
    return _verdict(outcome, row)


async def register_number(
    session: AsyncSession,
    tenant: Tenant,
    registry: ProviderRegistry,
    settings: Settings,
    body: NumberRegister,
) -> PhoneNumber:
    if body.status_url is not None:
        await check_target(body.status_url, tenant, settings, field="status_url")
    try:
        parsed = parse_e164(body.number)
    except ValueError as exc:
        raise ValidationFailed(details={"number": str(exc)}) from None
    repo = PhoneNumberRepository(session, tenant)
    if await repo.number_exists(parsed.e164):
        raise Conflict("number is already registered", details={"number": "already registered"})
    provider = await registry.for_tenant(tenant, body.provider)
    info = await read_from_provider(provider.get_number(parsed.e164), field="number")
    return await repo.add(
        PhoneNumber(
            number=parsed.e164,
            region_code=parsed.region_code,
            number_type=parsed.number_type,
            provider=body.provider,
            label=body.label,
            inbound_url=body.inbound_url,
            status_url=body.status_url,
            assigned=info.assigned,
            sms_enabled=info.sms_enabled,
            mms_enabled=info.mms_enabled,
        )
    )


async def get_number(
    session: AsyncSession, tenant: Tenant, number_id: uuid.UUID | None
) -> PhoneNumber:
    number = await PhoneNumberRepository(session, tenant).get(number_id)
    if number is None:
        raise NotFound("phone number not found")
    return number


async def update_number(
    session: AsyncSession,
    tenant: Tenant,
    registry: ProviderRegistry,
    settings: Settings,
    number_id: uuid.UUID | None,
    body: NumberUpdate,
) -> PhoneNumber:
    """All or nothing: a rejected campaign change raises, and the owner rolls back."""
    repo = PhoneNumberRepository(session, tenant)
    fields = body.model_dump(include=body.model_fields_set)
    if fields.get("status_url") is not None:
        await check_target(fields["status_url"], tenant, settings, field="status_url")
    if "campaign_id" in fields:
        campaign_id = fields.pop("campaign_id")
        if campaign_id is None:
            await detach_campaign(session, tenant, number_id)
        else:
            await attach_campaign(session, tenant, registry, number_id, campaign_id)
    number = await get_number(session, tenant, number_id)
    if fields:
        await repo.update_fields(number.id, fields)
        await session.refresh(number)
    return number
