"""Audits: what the provider holds on campaigns, compared with numlink's rows. Creating one
records its scope; the worker lists, compares and repairs (``app.jobs.audits``)."""

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audits.schemas import AuditOut, AuditRequest
from app.bulk.repository import BulkTaskRepository
from app.bulk.schemas import AuditCounts
from app.bulk.service import paged_status
from app.campaigns.repository import CampaignRepository
from app.db.models import BulkTask, Campaign
from app.db.tenancy import Tenant
from app.kit.errors import NotFound, ValidationFailed
from app.provider_accounts.registry import ProviderRegistry
from providers.descriptor import Capability


def _check_scope(body: AuditRequest) -> None:
    if body.messaging_profile_id is not None and body.campaign_id is None:
        raise ValidationFailed(
            details={"campaign_id": "required with messaging_profile_id: the campaign every "
                     "number of the profile must be on"}
        )  # fmt: skip
    if (body.campaign_id is None) == (body.provider is None):
        raise ValidationFailed(
            "give exactly one of campaign_id or provider",
            details={"body": "exactly one of campaign_id, provider"},
        )


async def audit_task(
    session: AsyncSession,
    tenant: Tenant,
    registry: ProviderRegistry,
    body: AuditRequest,
    *,
    low_priority: bool = False,
) -> BulkTask:
    _check_scope(body)
    campaigns = CampaignRepository(session, tenant)
    if body.campaign_id is not None:
        campaign = await campaigns.get_or_404(body.campaign_id)
        provider, scope = campaign.provider, [campaign]
    else:
        assert body.provider is not None
        provider = body.provider
        registry.descriptor(provider)
        stmt = campaigns.scoped(select(Campaign).where(Campaign.provider == provider))
        scope = list((await session.execute(stmt.order_by(Campaign.id))).scalars())
    needs = [Capability.LIST_CAMPAIGN_NUMBERS]
    if body.messaging_profile_id is not None:
        needs.append(Capability.LIST_PROFILE_NUMBERS)
    await registry.ensure_offered(tenant, provider, *needs)
    return await BulkTaskRepository(session, tenant).add(
        BulkTask(
            operation="audit",
            source="campaign_id" if body.campaign_id is not None else "provider",
            total=0,
            campaign_id=body.campaign_id,
            provider=provider,
            messaging_profile_id=body.messaging_profile_id,
            repair=body.repair,
            low_priority=low_priority,
            phase="list",
            scope={"campaigns": [[str(c.id), c.provider_campaign_id] for c in scope]},
            next_attempt_at=func.now(),
        )
    )


async def get_audit(repo: BulkTaskRepository, audit_id: uuid.UUID | None) -> BulkTask:
    task = await repo.get(audit_id)
    if task is None or task.operation != "audit":
        raise NotFound("audit not found")
    return task


async def audit_out(repo: BulkTaskRepository, task: BulkTask) -> AuditOut:
    counts = AuditCounts(**await repo.finding_counts(task))
    assert task.provider is not None
    return AuditOut(
        id=task.id,
        status=paged_status(task),
        campaign_id=task.campaign_id,
        provider=task.provider,
        messaging_profile_id=task.messaging_profile_id,
        repair=task.repair,
        counts=counts,
        error=task.error,
        created_at=task.created_at,
        updated_at=task.updated_at,
        finished_at=task.finished_at,
    )
