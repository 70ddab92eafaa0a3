"""Attach and detach, one number or many: the rules of ``app.links.rules`` applied by one
statement each; propagation to the provider follows in the worker."""

import uuid
from collections.abc import Mapping
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Mode
from app.db.raw import Database
from app.db.tenancy import Tenant
from app.links.repository import CampaignCheck, LinkRepository
from app.links.rules import raise_for
from app.provider_accounts.registry import ProviderRegistry

Operation = Literal["attach", "detach"]


async def attach_campaign(
    db: Database,
    tenant: Tenant,
    registry: ProviderRegistry,
    number_id: uuid.UUID | None,
    campaign_id: uuid.UUID,
) -> Mapping[str, Any]:
    """Rules 2-8 and the write, in one statement (rule 1 is the body's validation); the
    number as it is now."""
    repo = LinkRepository(db, tenant)
    if tenant.mode is Mode.LIVE:
        await _ensure_account(tenant, registry, await repo.check_campaign(campaign_id))
    outcome, row = await repo.attach(number_id, campaign_id)
    raise_for(outcome)
    return row


async def detach_campaign(
    db: Database, tenant: Tenant, number_id: uuid.UUID | None
) -> Mapping[str, Any]:
    outcome, row = await LinkRepository(db, tenant).detach(number_id)
    raise_for(outcome)
    return row


async def check_bulk_campaign(
    session: AsyncSession,
    tenant: Tenant,
    registry: ProviderRegistry,
    campaign_id: uuid.UUID | None,
    operation: Operation,
) -> CampaignCheck:
    """The campaign rules (2-4) of a bulk request, which fail it as a whole; a detach needs
    only the campaign to exist."""
    check = await LinkRepository(session, tenant).check_campaign(campaign_id)
    if check.campaign_id is None:
        raise_for("CAMPAIGN_NOT_FOUND")
    if operation == "attach":
        await _ensure_account(tenant, registry, check)
        if check.verdict is not None:
            raise_for(check.verdict)
    return check


async def _ensure_account(tenant: Tenant, registry: ProviderRegistry, check: CampaignCheck) -> None:
    """A live link needs an account at the campaign's provider to be propagated: without one
    the request is 409 PROVIDER_NOT_CONFIGURED rather than a link that can only fail later.
    An unknown campaign is left to the rules (404)."""
    if tenant.mode is Mode.LIVE and check.provider is not None:
        await registry.ensure_configured(tenant, check.provider)
