"""Phone numbers: registration and PATCH (whose campaign change goes through the link rules)."""

import uuid

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import PhoneNumber
from app.db.tenancy import Tenant
from app.kit.errors import Conflict, ProviderError, ValidationFailed
from app.kit.phone import parse_e164
from app.links.service import attach_campaign, detach_campaign
from app.numbers.repository import PhoneNumberRepository
from app.numbers.schemas import NumberRegister, NumberUpdate
from app.provider_accounts.registry import ProviderRegistry, read_from_provider
from app.settings import Settings
from app.webhooks.service import check_target
from providers.base import ProviderCallError, ProviderObjectNotFound


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
    return await repo.create(
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
            messaging_profile_id=info.messaging_profile_id,
        )
    )


async def refresh_number(
    session: AsyncSession, tenant: Tenant, registry: ProviderRegistry, number_id: uuid.UUID | None
) -> PhoneNumber:
    """Re-read the number at its provider now: a number gone from the account is released."""
    repo = PhoneNumberRepository(session, tenant)
    number = await repo.get_or_404(number_id)
    provider = await registry.for_tenant(tenant, number.provider)
    try:
        info = await provider.get_number(number.number)
    except ProviderObjectNotFound:  # the provider does not hold it (any more)
        values: dict[str, object] = {"assigned": False}
        if number.released_at is None:
            values["released_at"] = func.now()
    except ProviderCallError as exc:
        raise ProviderError(exc.reason) from None
    else:
        values = {
            "assigned": info.assigned,
            "sms_enabled": info.sms_enabled,
            "mms_enabled": info.mms_enabled,
            "messaging_profile_id": info.messaging_profile_id,
            "released_at": None,
        }
    await repo.update_fields(number.id, values)
    await session.refresh(number)
    return number


async def delete_number(
    session: AsyncSession, tenant: Tenant, number_id: uuid.UUID | None
) -> PhoneNumber:
    """Stop managing the number; refused while it has a campaign or work in flight (the link
    would be left at the provider with nobody watching it)."""
    repo = PhoneNumberRepository(session, tenant)
    number = await repo.lock(number_id)
    busy = number.carrier_line_option_status == "pending" or number.next_attempt_at is not None
    if number.campaign_id is not None or busy:
        reason = "it has a campaign" if number.campaign_id is not None else "it has pending work"
        raise Conflict(
            f"the number cannot be deleted while {reason}; detach it first",
            details={"id": reason},
        )
    await repo.delete(number)
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
    number = await repo.get_or_404(number_id)
    if fields:
        await repo.update_fields(number.id, fields)
        await session.refresh(number)
    return number
