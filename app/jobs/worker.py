"""The worker process: every job of the registry, side by side, until stopped."""

import asyncio
import time

from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.engine import create_sessionmaker
from app.jobs.audits import AuditJob
from app.jobs.batch_register import BatchRegisterJob
from app.jobs.context import JobContext
from app.jobs.inventory_sync import InventorySyncJob
from app.jobs.profile_tasks import ProfileTaskJob
from app.jobs.propagation import PropagationJob, has_scheduled_work
from app.jobs.registry import JOBS
from app.settings import Settings
from providers.catalog import ProviderCatalog


async def run_worker(
    engine: AsyncEngine,
    settings: Settings,
    stop: asyncio.Event,
    catalog: ProviderCatalog | None = None,
) -> None:
    """Until ``stop`` is set; each job finishes what it has in flight before returning."""
    async with JobContext.open(create_sessionmaker(engine), settings, catalog) as context:
        jobs = [make(context) for make in JOBS]
        await asyncio.gather(*(job.run(stop) for job in jobs))


async def run_until_settled(context: JobContext, timeout_s: float = 30.0) -> None:
    """Run the queue jobs until no number or task has work scheduled (tests, tools). One
    job's claim at a time, so it also runs on a single shared connection; leases are not
    renewed (a step must finish within ``NUMLINK_WORKER_LEASE_S``)."""
    jobs = (
        PropagationJob(context),
        ProfileTaskJob(context),
        InventorySyncJob(context),
        BatchRegisterJob(context),
        AuditJob(context),
    )
    for job in jobs:  # nothing may use the shared connection beside the claim being worked on
        job.leases.enabled = False
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        in_flight = frozenset().union(*(job.in_flight for job in jobs))
        if in_flight:
            await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
            continue
        claimed = 0
        for job in jobs:
            claimed += await job.fill()
            if job.in_flight:
                break
        if not claimed:
            async with context.sessions() as session:
                if not await has_scheduled_work(session):
                    return
            await asyncio.sleep(min(0.01, context.settings.worker_idle_sleep_s))
    for job in jobs:
        await job.drain()
    raise TimeoutError("work still scheduled after timeout")
