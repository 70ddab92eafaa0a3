"""Inventory: sync an account's numbers and register many numbers at once, as tasks the worker
works on page by page (``app.jobs.inventory_sync``, ``app.jobs.batch_register``)."""

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from app.bulk.repository import BulkTaskRepository
from app.bulk.schemas import BulkTaskOut
from app.bulk.service import item_arrays, task_out
from app.db.models import BulkTask, Mode
from app.db.tenancy import Tenant
from app.inventory.registration import RegistrationRepository
from app.inventory.repository import InventoryRepository
from app.inventory.schemas import MAX_BATCH, BatchRegister
from app.kit.errors import ValidationFailed
from app.provider_accounts.registry import ProviderRegistry
from providers.descriptor import Capability


async def start_sync(
    session: AsyncSession, tenant: Tenant, registry: ProviderRegistry, provider: str
) -> BulkTaskOut:
    await registry.ensure_offered(tenant, provider, Capability.LIST_NUMBERS)
    task = await InventoryRepository(session, tenant).start_sync(provider, low_priority=False)
    return await task_out(BulkTaskRepository(session, tenant), task)


async def batch_register(
    session: AsyncSession, tenant: Tenant, registry: ProviderRegistry, body: BatchRegister
) -> BulkTaskOut:
    if not body.numbers:
        raise ValidationFailed(details={"numbers": "must not be empty"})
    if len(body.numbers) > MAX_BATCH:
        raise ValidationFailed(
            f"at most {MAX_BATCH:,} numbers per request; this one has {len(body.numbers):,}",
            details={"numbers": f"at most {MAX_BATCH} items (got {len(body.numbers)})"},
        )
    registry.serving(tenant, body.provider)  # 422 for a live-only mistake
    if tenant.mode is Mode.LIVE:
        await registry.ensure_configured(tenant, body.provider)
    repo = BulkTaskRepository(session, tenant)
    task = await repo.add(
        BulkTask(
            operation="register",
            source="numbers",
            total=len(body.numbers),
            provider=body.provider,
            phase="list",
            scope={"label": body.label} if body.label is not None else None,
            next_attempt_at=func.now(),
        )
    )
    arrays = item_arrays("numbers", body.numbers)
    await RegistrationRepository(session, tenant).record_items(
        task.id, arrays["values"], arrays["codes"]
    )
    return await task_out(repo, task)
