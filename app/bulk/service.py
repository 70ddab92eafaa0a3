"""Bulk attach and detach: campaign rules fail the request, number rules fail single items.

Recording is one statement for the whole request (``app.links.statements``); propagation is
the reconciler's, exactly as for single attaches. A dry run runs the very same statement
inside a savepoint that is rolled back, so what it reports is what the real request would do.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from app.bulk.repository import BulkTaskRepository
from app.bulk.schemas import (
    MAX_ITEMS,
    AuditCounts,
    BulkCounts,
    BulkDryRunOut,
    BulkItemOut,
    BulkRequest,
    BulkTaskOut,
    DryRunCounts,
    SyncCounts,
    TaskStatus,
)
from app.db.models import BulkTask
from app.db.models.bulk import PAGED
from app.db.tenancy import Tenant
from app.kit.errors import ValidationFailed
from app.kit.ids import parse_id
from app.kit.phone import is_e164
from app.kit.text import control_character_problem, printable
from app.links.repository import CampaignCheck, LinkRepository
from app.links.rules import CHANGED, UNCHANGED, item_message
from app.links.service import Operation, check_bulk_campaign
from app.links.statements import ATTACH_BY_PROFILE, BULK
from app.provider_accounts.registry import ProviderRegistry
from providers.descriptor import Capability

DRY_RUN_LISTED = 1000
SOURCES = ("phone_number_ids", "numbers", "messaging_profile_id")


def request_items(body: BulkRequest) -> tuple[str, list[Any]]:
    given = {name: value for name in SOURCES if (value := getattr(body, name)) is not None}
    if len(given) != 1:
        raise ValidationFailed(
            "give exactly one of phone_number_ids, numbers or messaging_profile_id",
            details={"body": "exactly one of phone_number_ids, numbers, messaging_profile_id"},
        )
    ((source, items),) = given.items()
    if source == "messaging_profile_id":
        return source, [items]
    if not items:
        raise ValidationFailed(details={source: "must not be empty"})
    if len(items) > MAX_ITEMS:
        raise ValidationFailed(
            f"at most {MAX_ITEMS:,} items per request; this one has {len(items):,}",
            details={source: f"at most {MAX_ITEMS} items (got {len(items)})"},
        )
    return source, items


def item_arrays(source: str, items: list[Any]) -> dict[str, list[Any]]:
    """Values, parsed ids and early rejections, index-aligned, for the bulk statement.

    An item that is not a string, holds a control character or (``numbers``) is not exact
    E.164 is rejected as VALIDATION_FAILED on its own; the others go on."""
    values: list[str] = []
    ids: list[uuid.UUID | None] = []
    codes: list[str | None] = []
    for item in items:
        if not isinstance(item, str) or control_character_problem(item) is not None:
            shown = printable(item) if isinstance(item, str) else repr(item)
            values.append(shown[:64])
            ids.append(None)
            codes.append("VALIDATION_FAILED")
        elif source == "phone_number_ids":
            parsed = parse_id(item)
            values.append(item[:64])
            ids.append(parsed)
            codes.append(None if parsed is not None else "NOT_FOUND")
        else:
            values.append(item[:64])
            ids.append(None)
            codes.append(None if is_e164(item) else "VALIDATION_FAILED")
    return {"values": values, "ids": ids, "codes": codes}


async def create_bulk_task(
    session: AsyncSession,
    tenant: Tenant,
    registry: ProviderRegistry,
    campaign_id: uuid.UUID | None,
    operation: Operation,
    body: BulkRequest,
) -> BulkTaskOut | BulkDryRunOut:
    source, items = request_items(body)
    if source == "messaging_profile_id":
        check_profile_request(operation, body)
    campaign = await check_bulk_campaign(session, tenant, registry, campaign_id, operation)
    assert campaign.campaign_id is not None and campaign.provider is not None
    repo = BulkTaskRepository(session, tenant)
    if source == "messaging_profile_id":
        task = profile_task(tenant, registry, campaign, items[0])
        return await task_out(repo, await repo.add(task))
    arrays = item_arrays(source, items)
    task = BulkTask(
        campaign_id=campaign.campaign_id, operation=operation, source=source, total=len(items)
    )
    statement = BULK[(operation, source)]
    links = LinkRepository(session, tenant)
    if not body.dry_run:
        await repo.add(task)
        await links.record_bulk(statement, task.id, campaign.campaign_id, campaign.provider, arrays)
        return await task_out(repo, task)
    savepoint = await session.begin_nested()
    try:
        await repo.add(task)
        verdicts = await links.record_bulk(
            statement, task.id, campaign.campaign_id, campaign.provider, arrays
        )
        rejected = await repo.items(task, outcome="rejected", after_seq=None, limit=DRY_RUN_LISTED)
    finally:
        await savepoint.rollback()
    changed, unchanged = verdicts.pop(CHANGED, 0), verdicts.pop(UNCHANGED, 0)
    counts = DryRunCounts(
        total=len(items), would_change=changed, unchanged=unchanged, rejected=sum(verdicts.values())
    )
    return BulkDryRunOut(
        operation=operation,
        counts=counts,
        rejected_items=[item_out(r) for r in rejected],
    )


def check_profile_request(operation: str, body: BulkRequest) -> None:
    """What assignment by messaging profile cannot do, whatever the campaign."""
    if operation == "detach":
        raise ValidationFailed(
            details={
                "messaging_profile_id": "detaching by messaging profile is not offered by the "
                "provider; list the numbers or their ids"
            }
        )
    if body.dry_run:
        raise ValidationFailed(
            details={
                "dry_run": "the provider lists a messaging profile's numbers only when it "
                "assigns them; a dry run needs the numbers or their ids"
            }
        )


def profile_task(
    tenant: Tenant, registry: ProviderRegistry, campaign: CampaignCheck, messaging_profile_id: str
) -> BulkTask:
    """A task the worker delegates to the provider's assignment by messaging profile."""
    assert campaign.campaign_id is not None and campaign.provider is not None
    serving = registry.serving(tenant, campaign.provider)
    if not serving.supports(Capability.ASSIGN_BY_PROFILE):
        where = (
            f"a {campaign.provider} campaign"
            if serving.live
            else f"test mode (the {serving.name} has no messaging profiles)"
        )
        raise ValidationFailed(
            details={
                "messaging_profile_id": "assignment by messaging profile is done by the "
                f"provider, where it offers it; not available for {where}: list the numbers "
                "instead"
            }
        )
    return BulkTask(
        campaign_id=campaign.campaign_id,
        operation="attach",
        source="messaging_profile_id",
        total=0,
        messaging_profile_id=messaging_profile_id,
        profile_phase="submit",
        next_attempt_at=func.now(),
    )


async def record_profile_numbers(
    session: AsyncSession, tenant: Tenant, task_id: uuid.UUID, numbers: list[str]
) -> None:
    """The numbers the provider's assignment by messaging profile linked, recorded as the
    task's items by the same rules as a bulk attach by numbers."""
    task = await BulkTaskRepository(session, tenant).get(task_id)
    assert task is not None and task.campaign_id is not None  # tasks are never deleted
    links = LinkRepository(session, tenant)
    campaign = await links.check_campaign(task.campaign_id)
    assert campaign.provider is not None  # nor campaigns
    arrays = item_arrays("numbers", numbers)
    await links.record_bulk(ATTACH_BY_PROFILE, task.id, task.campaign_id, campaign.provider, arrays)
    task.total = len(numbers)
    await session.flush()


async def task_out(repo: BulkTaskRepository, task: BulkTask) -> BulkTaskOut:
    if task.operation in PAGED and task.operation != "register":
        return _out(task, paged_status(task), await _paged_counts(repo, task), task.updated_at)
    counts = await repo.counts(task)
    last_change = counts.pop("last_change")
    updated_at = max(task.updated_at, last_change) if last_change else task.updated_at
    if task.operation == "register":
        return _out(task, paged_status(task), BulkCounts(**counts), updated_at)
    if task.profile_phase == "submit":
        status: TaskStatus = "pending"  # not yet taken up by the provider
    elif counts["pending"] or task.profile_phase == "poll":
        status = "processing"
    elif task.error is not None and not counts["succeeded"]:
        status = "failed"
    else:
        status = "completed" if counts["succeeded"] or not counts["total"] else "failed"
    return _out(task, status, BulkCounts(**counts), updated_at)


async def _paged_counts(repo: BulkTaskRepository, task: BulkTask) -> SyncCounts | AuditCounts:
    if task.operation == "audit":
        return AuditCounts(**await repo.finding_counts(task))
    stats = task.stats or {}
    return SyncCounts(**{k: int(stats.get(k, 0)) for k in SyncCounts.model_fields})


def paged_status(task: BulkTask) -> TaskStatus:
    """Tasks worked on page by page: done or not, and whether they were taken up yet."""
    if task.phase == "done":
        return "failed" if task.error is not None else "completed"
    if task.page_token is None and not task.stats and not task.attempts:
        return "pending"
    return "processing"


def _out(
    task: BulkTask,
    status: TaskStatus,
    counts: BulkCounts | SyncCounts | AuditCounts,
    updated_at: datetime,
) -> BulkTaskOut:
    return BulkTaskOut(
        id=task.id,
        operation=task.operation,
        campaign_id=task.campaign_id,
        provider=task.provider,
        status=status,
        counts=counts,
        error=task.error,
        created_at=task.created_at,
        updated_at=updated_at,
    )


def item_out(row: dict[str, Any]) -> BulkItemOut:
    code = row["error_code"]
    return BulkItemOut(
        number=row["number"],
        phone_number_id=row["phone_number_id"],
        outcome=row["outcome"],
        error_code=code,
        error=row["provider_error"] or (item_message(code) if code else None),
    )
